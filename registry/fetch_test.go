package registry

import (
	"context"
	"testing"

	rcmanifest "github.com/regclient/regclient/types/manifest"
)

// Fetch reads what its depth needs and no more: inspect --raw one manifest
// GET, platforms an index alone (or an image and its config), inspect every
// entry too.
func TestFetchRequests(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	amd := reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	arm := reg.pushImage(t, "app", "1-arm64", "linux/arm64/v8")
	reg.pushIndex(t, "app", "1", map[string]rcmanifest.Manifest{"linux/amd64": amd, "linux/arm64/v8": arm})
	reg.pushIndex(t, "app", "nested", map[string]rcmanifest.Manifest{"linux/amd64": reg.pushIndex(t, "app", "inner", map[string]rcmanifest.Manifest{"linux/amd64": amd})})
	for _, tc := range []struct {
		name     string
		image    string
		depth    FetchDepth
		want     string
		children int
	}{
		{"raw", "app:1", FetchTop, "GET manifest 1", 0},
		{"platforms of an index", "app:1", FetchPlatforms, "GET manifest 1", 0},
		{"platforms of an image", "app:1-amd64", FetchPlatforms, "GET blob 1, GET manifest 1", 0},
		{"platforms of a nested index", "app:nested", FetchPlatforms, "GET manifest 2", 1},
		{"inspect of an index", "app:1", FetchAll, "GET manifest 3", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := reg.client(t)
			reg.count()
			f, err := c.Fetch(context.Background(), reg.ref(t, tc.image), tc.depth)
			if err != nil {
				t.Fatal(err)
			}
			if got := reg.requests(); got != tc.want || len(f.Children) != tc.children {
				t.Errorf("%d entries read with %s, want %d with %s", len(f.Children), got, tc.children, tc.want)
			}
		})
	}
}
