package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

// entry is a spec entry naming image, at line 4 of release.yaml, with an
// optional declared platform (its architecture at line 6).
func entry(t *testing.T, image, declared string) spec.Entry {
	t.Helper()
	r, err := ref.New(image)
	if err != nil {
		t.Fatal(err)
	}
	e := spec.Entry{Image: r, Pos: spec.Pos{File: "release.yaml", Line: 4, Field: "manifests[0]"}}
	e.PlatformPos = e.Pos
	if declared != "" {
		p, err := spec.ParsePlatform(declared)
		if err != nil {
			t.Fatal(err)
		}
		e.Platform = &p
		e.PlatformPos = spec.Pos{File: "release.yaml", Line: 6, Field: "manifests[0].platform.architecture"}
	}
	return e
}

// ociImage is an OCI image manifest whose config has the given media type.
func ociImage(t *testing.T, configType string) rcmanifest.Manifest {
	t.Helper()
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest,
		Config: descriptor.Descriptor{MediaType: configType, Digest: digest.FromString("config"), Size: 2},
		Layers: []descriptor.Descriptor{{MediaType: mediatype.OCI1LayerGzip, Digest: digest.FromString("layer"), Size: 3}}}))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestImageMember(t *testing.T) {
	t.Parallel()
	img := ociImage(t, mediatype.OCI1ImageConfig)
	tests := []struct {
		name     string
		declared string
		config   *platform.Platform
		want     string // the platform written, or the error
		notes    []string
	}{
		{name: "from the config", config: &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, want: "linux/arm64/v8"},
		{name: "declared wins", declared: "linux/s390x", config: &platform.Platform{OS: "linux", Architecture: "amd64"}, want: "linux/s390x"},
		{name: "variant from the config", declared: "linux/arm", config: &platform.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, want: "linux/arm/v7"},
		{name: "config aliases normalised", config: &platform.Platform{OS: "linux", Architecture: "x86_64"}, want: "linux/amd64",
			notes: []string{`release.yaml:4: manifests[0]: reg.example.com/app:1-amd64: its config's architecture "x86_64" is written "amd64"`}},
		{name: "declared aliases normalised", declared: "linux/aarch64", want: "linux/arm64",
			notes: []string{`release.yaml:6: manifests[0].platform.architecture: architecture "aarch64" is written "arm64"`}},
		{name: "no platform anywhere", want: "release.yaml:4: manifests[0]: reg.example.com/app:1-amd64 has no image config to take a platform from (config type application/vnd.oci.image.config.v1+json); declare its platform in the spec"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, notes, err := ImageMember(entry(t, "reg.example.com/app:1-amd64", tc.declared), img, tc.config)
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%v does not match ErrInvalid", err)
				}
			} else {
				got = spec.FormatPlatform(*m.Descriptor.Platform)
				if m.Descriptor.Digest != img.GetDescriptor().Digest || m.Manifest != img {
					t.Errorf("member %+v is not the image", m.Descriptor)
				}
			}
			if got != tc.want || !slices.Equal(notes, tc.notes) {
				t.Errorf("got %q, notes %q\nwant %q, notes %q", got, notes, tc.want, tc.notes)
			}
		})
	}
	t.Run("an index is not an image", func(t *testing.T) {
		_, _, err := ImageMember(entry(t, "reg.example.com/app:1", ""), buildxIndex(t), nil)
		if err == nil || !strings.Contains(err.Error(), "is a application/vnd.oci.image.index.v1+json, not an image or an index") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a schema 1 manifest is named, with the way out", func(t *testing.T) {
		body := `{"schemaVersion":1,"name":"app","tag":"1","architecture":"amd64","fsLayers":[],"history":[]}`
		v1m, err := rcmanifest.New(rcmanifest.WithRaw([]byte(body)),
			rcmanifest.WithDesc(descriptor.Descriptor{MediaType: mediatype.Docker1Manifest, Digest: digest.FromString(body), Size: int64(len(body))}))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ImageMember(entry(t, "reg.example.com/app:1", ""), v1m, nil)
		want := "release.yaml:4: manifests[0]: reg.example.com/app:1 is a Docker schema 1 manifest (application/vnd.docker.distribution.manifest.v1+json), " +
			"deprecated and not allowed in a list or index: push the image again with a current client, which writes schema 2 or OCI"
		if err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) {
			t.Errorf("got %v\nwant %s", err, want)
		}
	})
	t.Run("annotations go on the entry", func(t *testing.T) {
		e := entry(t, "reg.example.com/app:1-amd64", "linux/amd64")
		e.Annotations = map[string]string{"k": "v"}
		m, _, err := ImageMember(e, img, nil)
		if err != nil || m.Descriptor.Annotations["k"] != "v" {
			t.Errorf("got %+v, %v", m.Descriptor, err)
		}
	})
}

func TestImageConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    rcmanifest.Manifest
		want bool
	}{
		{"an OCI image config", ociImage(t, mediatype.OCI1ImageConfig), true},
		{"a Docker image config", ociImage(t, mediatype.Docker2ImageConfig), true},
		{"an artifact's empty config", ociImage(t, mediatype.OCI1Empty), false},
		{"an index", buildxIndex(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := ImageConfig(tc.m); got != tc.want {
				t.Errorf("ImageConfig = %v, want %v", got, tc.want)
			}
		})
	}
}

// buildxIndex is what buildx pushes for two platforms with provenance: two
// images, then an attestation manifest for each.
func buildxIndex(t *testing.T) rcmanifest.Manifest {
	t.Helper()
	img := func(name, p string) descriptor.Descriptor {
		pl, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		return descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, Digest: digest.FromString(name), Size: 500, Platform: &pl}
	}
	att := func(of descriptor.Descriptor) descriptor.Descriptor {
		return descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, Digest: digest.FromString("att-" + of.Digest.String()), Size: 300,
			Platform:    &platform.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{AnnotationReferenceType: AttestationManifest, AnnotationReferenceDigest: of.Digest.String()}}
	}
	amd, arm := img("amd", "linux/amd64"), img("arm", "linux/arm64")
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList,
		Manifests: []descriptor.Descriptor{amd, arm, att(amd), att(arm)}}))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSelect(t *testing.T) {
	t.Parallel()
	idx := buildxIndex(t)
	list, _ := idx.(rcmanifest.Indexer).GetManifestList()
	amd, arm, attAmd, attArm := list[0].Digest, list[1].Digest, list[2].Digest, list[3].Digest
	tests := []struct {
		name     string
		declared string
		want     []digest.Digest // taken, in order
		err      string
		notes    int
	}{
		{name: "everything", want: []digest.Digest{amd, arm, attAmd, attArm}},
		{name: "one platform and its attestation", declared: "linux/arm64", want: []digest.Digest{arm, attArm}},
		{name: "the platform normalised", declared: "linux/aarch64", want: []digest.Digest{arm, attArm}},
		{name: "a platform it lacks", declared: "linux/s390x",
			err: "release.yaml:6: manifests[0].platform.architecture: reg.example.com/app:1 is an index without a linux/s390x image (it has linux/amd64, linux/arm64)"},
		// what normalisation rewrote is said before the error that follows
		{name: "a platform it lacks, normalised", declared: "linux/armhf", notes: 1,
			err: "release.yaml:6: manifests[0].platform.architecture: reg.example.com/app:1 is an index without a linux/arm/v7 image (it has linux/amd64, linux/arm64)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			members, notes, err := Select(entry(t, "reg.example.com/app:1", tc.declared), idx)
			if len(notes) < tc.notes {
				t.Errorf("notes %q, want %d at least", notes, tc.notes)
			}
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrInvalid) {
					t.Errorf("got %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []digest.Digest
			for _, m := range members {
				got = append(got, m.Descriptor.Digest)
				if !m.FromIndex || m.Manifest != nil {
					t.Errorf("%s: FromIndex %v, Manifest %v", m, m.FromIndex, m.Manifest)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("took %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("entry annotations on the images only", func(t *testing.T) {
		e := entry(t, "reg.example.com/app:1", "linux/amd64")
		e.Annotations = map[string]string{"k": "v"}
		members, _, err := Select(e, idx)
		if err != nil || members[0].Descriptor.Annotations["k"] != "v" || members[1].Descriptor.Annotations["k"] != "" {
			t.Errorf("got %v, %v", members, err)
		}
	})
	t.Run("a nested index is refused", func(t *testing.T) {
		nested, err := rcmanifest.New(rcmanifest.WithOrig(v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList,
			Manifests: []descriptor.Descriptor{{MediaType: mediatype.OCI1ManifestList, Digest: idx.GetDescriptor().Digest, Size: idx.GetDescriptor().Size}}}))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = Select(entry(t, "reg.example.com/app:1", ""), nested)
		if err == nil || !strings.Contains(err.Error(), "holds another index") {
			t.Errorf("got %v", err)
		}
	})
}

func TestCheckListed(t *testing.T) {
	t.Parallel()
	img := ociImage(t, mediatype.OCI1ImageConfig)
	d := img.GetDescriptor()
	m := Member{Descriptor: descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, Entry: entry(t, "reg.example.com/app:1", "")}
	if err := CheckListed(m, img); err != nil {
		t.Errorf("a faithful entry: %v", err)
	}
	m.Descriptor.Size++
	want := fmt.Sprintf("release.yaml:4: manifests[0]: reg.example.com/app:1 lists %s as %d bytes of %s, but that manifest is %d bytes of %s: the index is corrupt (build and push it again)", d.Digest, d.Size+1, d.MediaType, d.Size, d.MediaType)
	if err := CheckListed(m, img); err == nil || err.Error() != want {
		t.Errorf("a misstated size:\n got %v\nwant %s", err, want)
	}
}

func TestGather(t *testing.T) {
	t.Parallel()
	s := spec.Spec{Target: entry(t, "reg.example.com/app:1", "").Image, Pos: spec.Pos{File: "release.yaml", Line: 1, Field: "image"},
		Manifests: []spec.Entry{{}, {}}}
	a := member(t, "a", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	b := member(t, "b", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64"}, 6)
	gone := errors.New("release.yaml:6: resolving reg.example.com/app:b: not found")
	tests := []struct {
		name     string
		resolved []Resolved
		want     int
		warnings []string
		err      string
	}{
		{name: "all there", resolved: []Resolved{{Members: []Member{a}}, {Members: []Member{b}}}, want: 2},
		{name: "one missing", resolved: []Resolved{{Members: []Member{a}}, {Missing: gone}}, want: 1,
			warnings: []string{gone.Error() + "; skipped (--ignore-missing)"}},
		{name: "all missing", resolved: []Resolved{{Missing: gone}, {Missing: gone}}, warnings: []string{gone.Error() + "; skipped (--ignore-missing)", gone.Error() + "; skipped (--ignore-missing)"},
			err: "release.yaml:1: image: all 2 members of reg.example.com/app:1 are missing; nothing to push"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			members, warnings, err := Gather(s, tc.resolved)
			if tc.err != "" && (err == nil || err.Error() != tc.err || !errors.Is(err, ErrMissing)) {
				t.Errorf("got %v, want %s", err, tc.err)
			}
			if tc.err == "" && err != nil {
				t.Fatal(err)
			}
			if len(members) != tc.want || !slices.Equal(warnings, tc.warnings) {
				t.Errorf("got %d members, warnings %q; want %d, %q", len(members), warnings, tc.want, tc.warnings)
			}
		})
	}
}
