package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	rcmanifest "github.com/regclient/regclient/types/manifest"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Resolving costs one manifest GET per member and one config GET per image
// (its platform), concurrently, and writes nothing.
func TestResolveRequests(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	amd := reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	arm := reg.pushImage(t, "app", "1-arm64", "linux/arm64/v8")
	s390 := reg.pushImage(t, "app", "1-s390x", "linux/s390x")
	reg.pushIndex(t, "app", "1-buildx", map[string]rcmanifest.Manifest{"linux/amd64": amd, "linux/arm64/v8": arm})
	tests := []struct {
		name    string
		members []string
		want    string // requests
		images  int
	}{
		{"images, platforms from their configs", []string{"app:1-amd64", "app:1-arm64", "app:1-s390x"}, "GET blob 3, GET manifest 3", 3},
		{"declared platforms: the config is still read, to catch contradictions", []string{"app:1-amd64=linux/amd64", "app:1-s390x=linux/s390x"}, "GET blob 2, GET manifest 2", 2},
		{"by digest", []string{"app@" + s390.GetDescriptor().Digest.String()}, "GET blob 1, GET manifest 1", 1},
		{"an index: it and each entry taken, by digest", []string{"app:1-buildx"}, "GET manifest 3", 2},
		{"one platform of an index", []string{"app:1-buildx=linux/arm64"}, "GET manifest 2", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := reg.client(t) // a new run: nothing read yet
			reg.count()
			resolved, err := c.Resolve(context.Background(), reg.spec(t, "app:1", nil, tc.members...), false)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range resolved {
				n += len(r.Members)
			}
			if got := reg.requests(); got != tc.want || n != tc.images {
				t.Errorf("%d members from %s, want %d from %s", n, got, tc.images, tc.want)
			}
		})
	}
}

// A member named twice, or by two documents, is read once per run.
func TestResolveOnce(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	c := reg.client(t)
	reg.count()
	for range 2 {
		if _, err := c.Resolve(context.Background(), reg.spec(t, "app:1", nil, "app:1-amd64", "app:1-amd64"), false); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := reg.requests(), "GET blob 1, GET manifest 1"; got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
}

// A missing member is ErrMissing, at its spec line; with ignoreMissing it
// is reported apart, and only it.
func TestResolveMissing(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	c := reg.client(t)
	s := reg.spec(t, "app:1", nil, "app:1-amd64", "app:1-gone")
	_, err := c.Resolve(context.Background(), s, false)
	want := "release.yaml:5: manifests[1]: resolving " + reg.host + "/app:1-gone: not found (MANIFEST_UNKNOWN: Unknown manifest)"
	if err == nil || err.Error() != want || !errors.Is(err, manifest.ErrMissing) {
		t.Errorf("got %v\nwant %s", err, want)
	}
	resolved, err := c.Resolve(context.Background(), s, true)
	if err != nil || len(resolved[0].Members) != 1 || resolved[1].Missing == nil || !strings.HasSuffix(resolved[1].Missing.Error(), ": not found (MANIFEST_UNKNOWN: Unknown manifest)") {
		t.Errorf("ignoring missing: %+v, %v", resolved, err)
	}
	var at *spec.Error
	if !errors.As(resolved[1].Missing, &at) || at.Pos.Line != 5 {
		t.Errorf("the missing member is not named at its line: %v", resolved[1].Missing)
	}
}
