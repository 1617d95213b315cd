package registry

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
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

// pushEntries pushes under repo:tag an OCI index whose entries all name m,
// n times.
func (r *memRegistry) pushEntries(t *testing.T, repo, tag string, m rcmanifest.Manifest, n int) rcmanifest.Manifest {
	t.Helper()
	d := m.GetDescriptor()
	descs := make([]descriptor.Descriptor, n)
	for i := range descs {
		descs[i] = descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	}
	idx, err := rcmanifest.New(rcmanifest.WithOrig(v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: descs}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rc.ManifestPut(context.Background(), r.ref(t, repo+":"+tag), idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// Below an index, Fetch reads each distinct manifest once, whatever the
// paths to it: seven indexes of four entries that all name the next
// (4^6 paths) cost seven manifest GETs and the image's; the entries are
// counted once per distinct index against the Client's bound.
func TestFetchGraph(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	m := reg.pushImage(t, "app", "img", "linux/amd64")
	for i := range 7 {
		m = reg.pushEntries(t, "app", fmt.Sprint("g", i), m, 4)
	}
	c := reg.client(t)
	reg.count()
	f, err := c.Fetch(context.Background(), reg.ref(t, "app:g6"), FetchAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.requests(); got != "GET manifest 8" {
		t.Errorf("requests: %s, want GET manifest 8", got)
	}
	depth := 0
	for g := f; g.Manifest.IsList(); depth++ {
		if len(g.Children) != 1 {
			t.Fatalf("%d distinct entries read at depth %d, want 1", len(g.Children), depth)
		}
		for _, child := range g.Children {
			g = child
		}
	}
	if depth != 7 {
		t.Errorf("read %d indexes deep, want 7", depth)
	}
	for _, limit := range []int{28, 27} {
		_, err = reg.client(t, WithMaxEntries(limit)).Fetch(context.Background(), reg.ref(t, "app:g6"), FetchPlatforms)
		var over *EntriesError
		if limit == 28 && err != nil || limit == 27 && (!errors.As(err, &over) || over.Limit != 27) {
			t.Errorf("28 entries with a bound of %d: %v", limit, err)
		}
	}
}

// The manifests Fetch reads below the one named are bounded in bytes, in
// all: an index of two images, read whole at a bound of their sizes'
// sum, fails at one byte less with a WalkSizeError, and no further
// manifest is read past it.
func TestFetchWalkSize(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	amd := reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	arm := reg.pushImage(t, "app", "1-arm64", "linux/arm64/v8")
	reg.pushIndex(t, "app", "1", map[string]rcmanifest.Manifest{"linux/amd64": amd, "linux/arm64/v8": arm})
	sum := amd.GetDescriptor().Size + arm.GetDescriptor().Size
	for _, limit := range []int64{sum, sum - 1} {
		f, err := reg.client(t, WithMaxWalkSize(limit)).Fetch(context.Background(), reg.ref(t, "app:1"), FetchAll)
		var over *WalkSizeError
		switch {
		case limit == sum && (err != nil || len(f.Children) != 2):
			t.Errorf("a bound of the two images' %d bytes: %d read, %v", sum, len(f.Children), err)
		case limit < sum && (!errors.As(err, &over) || over.Limit != limit):
			t.Errorf("a bound of %d bytes, under the images' %d: %v", limit, sum, err)
		}
	}
}
