package registry

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// A push of N members that are in the target repository, with M extra
// tags, costs 2N + 2(M + 1) requests: per member a manifest GET and a
// config GET, per tag a HEAD and a PUT. A second run finds every tag
// pointing at the index already and writes nothing.
func TestPublishRequests(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	var members []string
	for _, p := range []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/s390x"} {
		tag := "1-" + fmt.Sprint(len(members))
		reg.pushImage(t, "app", tag, p)
		members = append(members, "app:"+tag)
	}
	s := reg.spec(t, "app:1", []string{"latest", "1.0"}, members...)
	const n, m = 4, 2
	for _, run := range []struct {
		name   string
		want   string
		status manifest.TagStatus
	}{
		{"first", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d, PUT manifest %d", n, n, m+1, m+1), manifest.TagCreated},
		{"again", fmt.Sprintf("GET blob %d, GET manifest %d, HEAD manifest %d", n, n, m+1), manifest.TagUnchanged},
	} {
		t.Run(run.name, func(t *testing.T) {
			c := reg.client(t)
			reg.count()
			results, err := c.Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI})
			if err != nil {
				t.Fatal(err)
			}
			if got := reg.requests(); got != run.want {
				t.Errorf("requests %s, want %s", got, run.want)
			}
			res := results[0]
			for _, tr := range res.Tags {
				if tr.Status != run.status {
					t.Errorf("tag %s: %s, want %s", tr.Tag, tr.Status, run.status)
				}
			}
			for _, mr := range res.Manifests {
				if mr.How != manifest.HowPresent {
					t.Errorf("member %s: %s", mr.Image, mr.How)
				}
			}
			idx, err := reg.rc.ManifestGet(context.Background(), reg.ref(t, "app:latest"))
			if err != nil || idx.GetDescriptor().Digest.String() != res.Digest {
				t.Errorf("latest is %v (%v), the index %s", idx, err, res.Digest)
			}
		})
	}
}

// A dry run reads members, and not even the tags; nothing is written.
func TestPublishDryRun(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	reg.pushImage(t, "other", "1-arm64", "linux/arm64")
	c := reg.client(t)
	reg.count()
	results, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, "app:1", []string{"latest"}, "app:1-amd64", "other:1-arm64")}, PublishOptions{DryRun: true, Type: manifest.OCI})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reg.requests(), "GET blob 2, GET manifest 2"; got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	if !results[0].DryRun || len(results[0].Index) == 0 || results[0].Pushed() {
		t.Errorf("result %+v", results[0])
	}
}

// Nothing is written while any member fails: the failing member is named
// at its line, and no tag is read twice or written.
func TestPublishNothingWrittenOnFailure(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "app", "1-amd64", "linux/amd64")
	reg.pushImage(t, "app", "1-also-amd64", "linux/amd64")
	c := reg.client(t)
	for _, tc := range []struct {
		name    string
		members []string
		want    string
		is      error
	}{
		{"a missing member", []string{"app:1-amd64", "app:1-gone"}, "release.yaml:5: manifests[1]: resolving " + reg.host + "/app:1-gone: not found (MANIFEST_UNKNOWN: Unknown manifest)", manifest.ErrMissing},
		{"two members of one platform", []string{"app:1-amd64", "app:1-also-amd64"}, "", manifest.ErrDuplicatePlatform},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg.count()
			_, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, "app:1", nil, tc.members...)}, PublishOptions{Type: manifest.OCI})
			if err == nil || !errors.Is(err, tc.is) || tc.want != "" && err.Error() != tc.want {
				t.Errorf("got %v, want %s (%v)", err, tc.want, tc.is)
			}
			if got := reg.requests(); !noWrites(got) {
				t.Errorf("requests %s", got)
			}
		})
	}
}

// A second push of members from another repository finds the target tag
// pointing at the index already: no copy, no write, 2N + (M + 1) requests.
func TestRepushAcrossRepositories(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "builds", "amd64", "linux/amd64")
	reg.pushImage(t, "builds", "arm64", "linux/arm64/v8")
	s := reg.spec(t, "app:1", []string{"latest"}, "builds:amd64", "builds:arm64")
	if _, err := reg.client(t).Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI}); err != nil {
		t.Fatal(err)
	}
	reg.count()
	results, err := reg.client(t).Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := reg.requests(), "GET blob 2, GET manifest 2, HEAD manifest 2"; got != want {
		t.Errorf("requests %s, want %s", got, want)
	}
	for _, m := range results[0].Manifests {
		if m.How != manifest.HowPresent {
			t.Errorf("%s: %s", m.Image, m.How)
		}
	}
}
