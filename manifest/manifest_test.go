package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func member(t testing.TB, name, mediaType string, p *platform.Platform, line int) Member {
	t.Helper()
	r, err := ref.New("registry.example.com/app:" + name)
	if err != nil {
		t.Fatal(err)
	}
	return Member{
		Descriptor: descriptor.Descriptor{MediaType: mediaType, Digest: digest.FromString(name), Size: int64(100 + line), Platform: p},
		Source:     r,
		Pos:        spec.Pos{File: "release.yaml", Line: line, Field: "manifests"},
	}
}

func attestation(t testing.TB, of Member, line int) Member {
	m := member(t, "att-"+of.Source.Tag, mediatype.OCI1Manifest, &platform.Platform{OS: "unknown", Architecture: "unknown"}, line)
	m.Descriptor.Annotations = map[string]string{AnnotationReferenceType: AttestationManifest, AnnotationReferenceDigest: of.Descriptor.Digest.String()}
	m.FromIndex = true
	return m
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./manifest -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs\n got: %s\nwant: %s", name, got, want)
	}
}

func TestBuild(t *testing.T) {
	amd := member(t, "amd64", mediatype.Docker2Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 3)
	arm := member(t, "arm64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, 5)
	win := member(t, "win", mediatype.Docker2Manifest, &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}}, 7)
	att := attestation(t, arm, 5)
	members := []Member{amd, att, arm, win} // the attestation must move after the images
	tests := []struct {
		name string
		typ  Type
		ann  map[string]string
	}{
		{"docker-list.json", Docker, nil},
		{"oci-index.json", OCI, map[string]string{"org.opencontainers.image.source": "https://example.com/app"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := Build(tc.typ, members, tc.ann)
			if err != nil {
				t.Fatal(err)
			}
			b := idx.Bytes()
			golden(t, tc.name, b)
			sum := sha256.Sum256(b)
			d := idx.Descriptor()
			if d.Digest.Encoded() != hex.EncodeToString(sum[:]) || d.Size != int64(len(b)) || d.MediaType != tc.typ.MediaType() {
				t.Errorf("descriptor %+v does not describe the bytes", d)
			}
			var order []string
			for _, m := range idx.Members {
				order = append(order, m.Source.Tag)
			}
			if got := strings.Join(order, " "); got != "amd64 arm64 win att-arm64" {
				t.Errorf("order %q", got)
			}
			if err := Validate(idx); err != nil && tc.typ == OCI {
				t.Errorf("valid index refused: %v", err)
			}
		})
	}
}

func TestBuildEmpty(t *testing.T) {
	_, err := Build(OCI, nil, nil)
	if !errors.Is(err, ErrEmpty) || !errors.Is(err, ErrInvalid) {
		t.Errorf("empty build: %v", err)
	}
}

func TestValidate(t *testing.T) {
	amd := member(t, "amd64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 3)
	arm := member(t, "arm64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64"}, 5)
	armV8 := member(t, "arm64v8", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, 7)
	noPlat := member(t, "artifact", mediatype.OCI1Manifest, nil, 9)
	badDigest := member(t, "bad", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "s390x"}, 11)
	badDigest.Descriptor.Digest = "sha256:xyz"
	badDigest.Descriptor.Size = 0
	win1 := member(t, "win1", mediatype.OCI1Manifest, &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"}, 13)
	win2 := member(t, "win2", mediatype.OCI1Manifest, &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.1"}, 15)
	linuxVer := member(t, "amd64-ver", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64", OSVersion: "1.0"}, 17)

	tests := []struct {
		name    string
		typ     Type
		members []Member
		ann     map[string]string
		want    []string
		kinds   []error
	}{
		{name: "valid with two windows versions", typ: OCI, members: []Member{amd, arm, win1, win2}},
		{name: "valid docker with attestation", typ: Docker, members: []Member{amd, attestation(t, amd, 4)}},
		{
			name: "os.version does not tell linux platforms apart", typ: OCI, members: []Member{amd, linuxVer},
			want:  []string{"release.yaml:17: manifests: registry.example.com/app:amd64-ver (" + linuxVer.Descriptor.Digest.String() + "): platform linux/amd64:1.0 is already provided by release.yaml:3: manifests: registry.example.com/app:amd64 (" + amd.Descriptor.Digest.String() + ")"},
			kinds: []error{ErrDuplicatePlatform},
		},
		{
			name: "arm64 and arm64/v8 are one platform", typ: OCI, members: []Member{amd, arm, armV8},
			want:  []string{"release.yaml:7: manifests: registry.example.com/app:arm64v8 (" + armV8.Descriptor.Digest.String() + "): platform linux/arm64/v8 is already provided by release.yaml:5: manifests: registry.example.com/app:arm64 (" + arm.Descriptor.Digest.String() + ")"},
			kinds: []error{ErrDuplicatePlatform},
		},
		{
			name: "every problem at once", typ: Docker, members: []Member{amd, noPlat, badDigest}, ann: map[string]string{"a": "b"},
			want: []string{
				"index annotations (a): a Docker manifest list cannot carry annotations; use --type oci",
				"release.yaml:9: manifests: registry.example.com/app:artifact (" + noPlat.Descriptor.Digest.String() + "): no platform (os and architecture): declare one in the spec",
				`release.yaml:11: manifests: registry.example.com/app:bad (sha256:xyz): invalid digest "sha256:xyz": invalid checksum digest length`,
				"release.yaml:11: manifests: registry.example.com/app:bad (sha256:xyz): size 0, want > 0",
			},
			kinds: []error{ErrAnnotations, ErrEntry},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := Build(tc.typ, tc.members, tc.ann)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(idx)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no problem found")
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems\n got: %q\nwant: %q", got, tc.want)
			}
			for _, k := range append(tc.kinds, ErrInvalid) {
				if !errors.Is(err, k) {
					t.Errorf("%v does not match %v", err, k)
				}
			}
		})
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{"docker": Docker, "": Docker, "oci": OCI, "OCI": OCI} {
		if got, err := ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseType("oic"); !errors.Is(err, ErrType) || err.Error() != `--type "oic": want docker or oci` {
		t.Errorf("ParseType(oic): %v", err)
	}
}

func BenchmarkBuildValidate(b *testing.B) {
	var members []Member
	arches := []string{"amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le"}
	for i, a := range arches {
		members = append(members, member(b, a, mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: a}, i))
	}
	for b.Loop() {
		idx, err := Build(OCI, members, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := Validate(idx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckAnnotations(t *testing.T) {
	specs, err := spec.Load("r.yaml", strings.NewReader("image: r/a:1\nmanifests:\n  - image: r/a:2\n    annotations: {k: v}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckAnnotations(specs[0], OCI); err != nil {
		t.Errorf("OCI: %v", err)
	}
	err = CheckAnnotations(specs[0], Docker)
	if !errors.Is(err, ErrAnnotations) || !errors.Is(err, ErrInvalid) || err.Error() != "r.yaml:4: manifests[0].annotations: a Docker manifest list cannot carry annotations; use --type oci" {
		t.Errorf("Docker: %v", err)
	}
}
