package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
	"github.com/regclient/regclient/types/platform"
)

// --append costs what a push of its members costs, plus one GET of the
// index right before the PUT and one after the settle pause (its first
// read is a GET where a push sends a HEAD); a change the index holds
// already writes nothing.
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
		// a push: n GET manifest, n GET blob, m+1 HEAD, m+1 PUT, with the
		// target's HEAD a GET; then 2 GET
		{"first", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d, PUT manifest %d", n, n+1+2, m, m+1), 1, []string{"linux/amd64", "linux/arm64/v8"}},
		// the first read shows the change there: nothing more
		{"again", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d", n, n+1, m), 0, []string{"linux/amd64", "linux/arm64/v8", "linux/s390x"}},
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
				t.Errorf("rounds %d, diff %+v", res.Rounds, res.Diff)
			}
			idx, err := reg.rc.ManifestGet(context.Background(), reg.ref(t, "app:latest"))
			if err != nil || idx.GetDescriptor().Digest.String() != res.Digest {
				t.Errorf("latest is %v (%v), the index %s", idx, err, res.Digest)
			}
		})
	}
}

// A change that cannot apply (edit of a target that is not there or is not
// an index, a platform to remove that is not there, an explicit other
// type) writes nothing, not even the members it would add from another
// repository.
func TestChangeRefused(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "image", "linux/amd64")
	reg.pushImage(t, "builds", "s390x", "linux/s390x")
	c := reg.client(t)
	if _, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, "app:1", nil, "app:image")}, PublishOptions{Type: manifest.OCI}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		target string
		opts   PublishOptions
		is     error
	}{
		{"edit: no target", "app:none", PublishOptions{Edit: &Edit{}}, ErrNoTarget},
		{"edit: not an index", "app:image", PublishOptions{Edit: &Edit{}}, ErrNotIndex},
		{"edit: a platform not there", "app:1", PublishOptions{Edit: &Edit{Remove: []manifest.Removal{{Platform: platformNamed(t, "linux/riscv64")}}}}, manifest.ErrMissing},
		{"append: another type", "app:1", PublishOptions{Append: true, Type: manifest.Docker}, manifest.ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg.count()
			tc.opts.Settle = time.Millisecond
			_, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, tc.target, nil, "builds:s390x")}, tc.opts)
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
			if !noWrites(reg.requests()) {
				t.Errorf("wrote: %s", reg.requests())
			}
		})
	}
}

func platformNamed(t *testing.T, s string) platform.Platform {
	t.Helper()
	p, err := spec.ParsePlatform(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
