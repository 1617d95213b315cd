package manifest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"

	"github.com/manifest-tool/manifest-tool/spec"
)

func TestMissing(t *testing.T) {
	t.Parallel()
	idx := v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList}
	for i, p := range []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64:10.0.20348.2227"} {
		pl, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		idx.Manifests = append(idx.Manifests, descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, Digest: digest.FromString(p), Size: int64(i + 1), Platform: &pl})
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(idx))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewView("r/a:1", Fetched{Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64:10.0.20348.2227"}
	if !reflect.DeepEqual(v.Platforms, want) || !v.Index {
		t.Fatalf("summary %+v", v.Summary)
	}
	tests := []struct {
		require []string
		missing []string
	}{
		{[]string{"linux/amd64", "linux/arm64"}, nil},                // arm64 is arm64/v8
		{[]string{"linux/arm64/v8", "linux/arm"}, nil},               // no variant: any variant
		{[]string{"windows/amd64", "windows/amd64:10.0.20348"}, nil}, // a version prefix at a dot
		{[]string{"linux/arm/v6", "linux/s390x"}, []string{"linux/arm/v6", "linux/s390x"}},
		{[]string{"windows/amd64:10.0.2034"}, []string{"windows/amd64:10.0.2034"}}, // not at a dot
		{[]string{"windows/amd64:10.0.17763"}, []string{"windows/amd64:10.0.17763"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.require, ","), func(t *testing.T) {
			req, err := spec.ParsePlatforms("--require", tc.require)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Missing(req); !reflect.DeepEqual(got, tc.missing) {
				t.Errorf("require %v: missing %v, want %v", tc.require, got, tc.missing)
			}
			if err := v.Require(req); (err == nil) != (tc.missing == nil) || err != nil && !errors.Is(err, ErrCheck) {
				t.Errorf("Require: %v", err)
			}
		})
	}
}

func TestTextHelpers(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 bytes", 10239: "10239 bytes", 10240: "10.0 KiB", 1534478899: "1.4 GiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]string{"index": "2 indexes", "image": "2 images"} {
		if got := Plural(2, in); got != want {
			t.Errorf("Plural(2, %s) = %q", in, got)
		}
	}
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"a bb ccc dddd", 6, []string{"a bb", "ccc", "dddd"}},
		{"a " + strings.Repeat("y", 12) + " b", 5, []string{"a", "yyyyy", "yyyyy", "yy b"}},
		{"two  spaces", 20, []string{"two spaces"}},
	} {
		if got := Wrap(tc.in, tc.width); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
	kinds := map[string]ManifestView{
		"attestation": {AttestationFor: "sha256:x", MediaType: mediatype.OCI1Manifest},
		"index":       {MediaType: mediatype.Docker2ManifestList},
		"artifact":    {MediaType: mediatype.OCI1Manifest, ArtifactType: "application/x"},
		"image":       {MediaType: mediatype.OCI1Manifest},
	}
	for want, e := range kinds {
		if got := e.kind(); got != want {
			t.Errorf("kind %q, want %q", got, want)
		}
	}
	var b strings.Builder
	p := &printer{w: &b}
	p.name("reg.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	p.name("reg/app:1")
	want := "Image:  reg.example.com/team/app\n        @sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nImage:  reg/app:1\n"
	if b.String() != want {
		t.Errorf("name:\n%s", b.String())
	}
}
