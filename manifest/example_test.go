package manifest_test

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// member is an image as a registry would describe it: the digest and size
// of its manifest's bytes, and its platform.
func member(name string, manifestBytes []byte, p platform.Platform, line int) manifest.Member {
	r, _ := ref.New("reg.example.com/app:" + name)
	return manifest.Member{
		Descriptor: descriptor.Descriptor{
			MediaType: mediatype.OCI1Manifest,
			Digest:    digest.FromBytes(manifestBytes),
			Size:      int64(len(manifestBytes)),
			Platform:  &p,
		},
		Entry: spec.Entry{Image: r, Pos: spec.Pos{File: "release.yaml", Line: line}},
	}
}

// Building an OCI index from two images, then checking it before it is
// pushed.
func ExampleBuild() {
	amd := member("1.0-amd64", []byte(`{"an":"amd64 image manifest"}`), platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	arm := member("1.0-arm64", []byte(`{"an":"arm64 image manifest"}`), platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, 5)
	idx, err := manifest.Build(manifest.OCI, []manifest.Member{amd, arm}, map[string]string{"org.opencontainers.image.version": "1.0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	warnings, err := manifest.Validate(idx, manifest.ValidateOptions{})
	fmt.Println("problems:", err, "warnings:", len(warnings))
	d := idx.Descriptor()
	fmt.Println(d.MediaType, d.Size, "bytes, digest", d.Digest == digest.FromBytes(idx.Bytes()))
	for _, m := range idx.Members {
		fmt.Println(spec.FormatPlatform(*m.Descriptor.Platform), m.Descriptor.Size)
	}
	// Output:
	// problems: <nil> warnings: 0
	// application/vnd.oci.image.index.v1+json 561 bytes, digest true
	// linux/amd64 29
	// linux/arm64/v8 29
}

// Every problem at once, each naming the member at fault.
func ExampleValidate() {
	amd := member("1.0-amd64", []byte(`{"an":"amd64 image manifest"}`), platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	again := member("1.0-amd64-again", []byte(`{"another":"amd64 image manifest"}`), platform.Platform{OS: "linux", Architecture: "amd64"}, 5)
	typo := member("1.0-s390", []byte(`{"an":"s390x image manifest"}`), platform.Platform{OS: "linux", Architecture: "s930x"}, 6)
	idx, err := manifest.Build(manifest.Docker, []manifest.Member{amd, again, typo}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = manifest.Validate(idx, manifest.ValidateOptions{})
	var problems spec.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Println(p)
		}
	}
	fmt.Println(errors.Is(err, manifest.ErrInvalid))
	// Output:
	// release.yaml:5: reg.example.com/app:1.0-amd64-again (sha256:4d221da4e21f78561ab807b7c88f2905a11ef2b53cfac07fef6d5999935f065a): platform linux/amd64 is already provided by release.yaml:4: reg.example.com/app:1.0-amd64 (sha256:10f7de6bc3066d4ca032c52e2f37e7bd92fef8cdebfd1ca57b264de27898ec99)
	// release.yaml:6: reg.example.com/app:1.0-s390 (sha256:1c5f5dd83edb67107ef35142d83708ed6c676a32ba9474cc6257373bc116bf84): platform linux/s930x, from the image: unknown architecture "s930x"; did you mean "s390x"? (--allow-unknown-platform lets it through)
	// true
}
