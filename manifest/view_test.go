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
