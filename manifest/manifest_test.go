package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
		Entry:      spec.Entry{Image: r, Pos: spec.Pos{File: "release.yaml", Line: line, Field: "manifests"}},
	}
}

func attestation(t testing.TB, of Member, line int) Member {
	m := member(t, "att-"+of.Entry.Image.Tag, mediatype.OCI1Manifest, &platform.Platform{OS: "unknown", Architecture: "unknown"}, line)
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
	t.Parallel()
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
				order = append(order, m.Entry.Image.Tag)
			}
			if got := strings.Join(order, " "); got != "amd64 arm64 win att-arm64" {
				t.Errorf("order %q", got)
			}
			warnings, err := Validate(idx, ValidateOptions{})
			if err != nil {
				t.Errorf("valid index refused: %v", err)
			}
			// both lists mix Docker and OCI manifests
			if len(warnings) != 1 || !strings.Contains(warnings[0], "some registries (Quay, Nexus) refuse lists that mix the two families; as the members mix both families, no --type avoids it") {
				t.Errorf("warnings %q", warnings)
			}
		})
	}
}

func TestBuildEmpty(t *testing.T) {
	t.Parallel()
	_, err := Build(OCI, nil, nil)
	if !errors.Is(err, errEmpty) || !errors.Is(err, ErrInvalid) {
		t.Errorf("empty build: %v", err)
	}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Type{"docker": Docker, "": Docker, "oci": OCI, "OCI": OCI} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseType(in); err != nil || got != want {
				t.Errorf("ParseType(%q) = %q, %v", in, got, err)
			}
		})
	}
	if _, err := ParseType("oic"); !errors.Is(err, ErrType) || err.Error() != `--type "oic": want docker or oci` {
		t.Errorf("ParseType(oic): %v", err)
	}
}

func TestRefer(t *testing.T) {
	t.Parallel()
	amd := member(t, "amd", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	subject := &descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, Digest: amd.Descriptor.Digest, Size: 42, Annotations: map[string]string{"dropped": "x"}}
	idx, err := Build(OCI, []Member{amd}, map[string]string{"a": "1"})
	if err != nil {
		t.Fatal(err)
	}
	same, err := idx.Refer("", nil)
	if err != nil || same.Descriptor().Digest != idx.Descriptor().Digest {
		t.Errorf("nothing to set changed the index: %v", err)
	}
	ref, err := idx.Refer("application/vnd.example+json", subject)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/vnd.example+json","manifests":[` +
		string(mustJSON(t, amd.Descriptor)) + `],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + amd.Descriptor.Digest.String() + `","size":42},"annotations":{"a":"1"}}`
	if string(ref.Bytes()) != want {
		t.Errorf("bytes\n got %s\nwant %s", ref.Bytes(), want)
	}
	if ref.Subject.Annotations != nil || ref.ArtifactType != "application/vnd.example+json" || len(ref.Members) != 1 {
		t.Errorf("%+v", ref)
	}
	docker, _ := Build(Docker, []Member{amd}, nil)
	if _, err := docker.Refer("", subject); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "a Docker manifest list has no subject or artifactType") {
		t.Errorf("a Docker list: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
