package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// --append costs what a push of its members costs, plus one GET of the
// index right before the PUT and one after the settle pause; a change the
// index holds already writes nothing.
func TestAppendRequests(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "amd64", "linux/amd64")
	reg.pushImage(t, "app", "arm64", "linux/arm64/v8")
	reg.pushImage(t, "app", "s390x", "linux/s390x")
	c := reg.client(t)
	if _, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, "app:1", nil, "app:amd64", "app:arm64")}, PublishOptions{Type: manifest.OCI}); err != nil {
		t.Fatal(err)
	}
	const n, m = 1, 1 // one member, one extra tag
	opts := PublishOptions{Type: manifest.OCI, Append: true, Settle: time.Millisecond}
	for _, run := range []struct {
		name   string
		want   string
		rounds int
		kept   []string
	}{
		// a push: n GET manifest, n GET blob, m+1 HEAD, m+1 PUT; then 2 GET
		{"first", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d, PUT manifest %d", n, n+2, m+1, m+1), 1, []string{"linux/amd64", "linux/arm64/v8"}},
		{"again", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d", n, n+1, m+1), 0, []string{"linux/amd64", "linux/arm64/v8", "linux/s390x"}},
	} {
		t.Run(run.name, func(t *testing.T) {
			c := reg.client(t)
			reg.count()
			results, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, "app:1", []string{"latest"}, "app:s390x")}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := reg.requests(); got != run.want {
				t.Errorf("requests %s, want %s", got, run.want)
			}
			res := results[0]
			if res.Rounds != run.rounds || !slices.Equal(res.Kept, run.kept) {
				t.Errorf("rounds %d, diff %+v", res.Rounds, *res.Diff)
			}
			idx, err := reg.rc.ManifestGet(context.Background(), reg.ref(t, "app:latest"))
			if err != nil || idx.GetDescriptor().Digest.String() != res.Digest {
				t.Errorf("latest is %v (%v), the index %s", idx, err, res.Digest)
			}
		})
	}
}

// edit refuses a target that is not there (a failure) or not an index
// (bad input), and writes nothing.
func TestEditTarget(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "image", "linux/amd64")
	c := reg.client(t)
	edit := &Edit{DropAnnotations: []string{"k"}}
	for _, tc := range []struct {
		target string
		is     error
	}{
		{"app:none", ErrNoTarget},
		{"app:image", ErrNotIndex},
	} {
		t.Run(tc.target, func(t *testing.T) {
			reg.count()
			_, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, tc.target, nil)}, PublishOptions{Edit: edit, Settle: time.Millisecond})
			if !errors.Is(err, tc.is) || errors.Is(err, manifest.ErrInvalid) != (tc.is == ErrNotIndex) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
			if !noWrites(reg.requests()) {
				t.Errorf("wrote: %s", reg.requests())
			}
		})
	}
}
