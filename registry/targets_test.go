package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// One document, three targets in two registries: each member is read
// once for the run, every target gets the same index, and the results
// come one per target in order.
func TestPublishSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := newMemRegistry(t), newMemRegistry(t)
	a.pushImage(t, "build", "amd64", "linux/amd64")
	a.pushImage(t, "build", "arm64", "linux/arm64/v8")
	s := a.spec(t, "app:1", []string{"latest"}, "build:amd64", "build:arm64")
	s.MoreTargets = []spec.Target{{Ref: a.ref(t, "mirror:1"), Pos: spec.Pos{Field: "targets[0]"}}, {Ref: b.ref(t, "app:1"), Pos: spec.Pos{Field: "targets[1]"}}}
	var mu sync.Mutex
	progress := map[string][]string{} // target repository -> the members its blob events name
	c := a.client(t, WithPlainHTTP(b.host), WithProgress(func(ev BlobEvent) {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(progress[ev.Target], ev.Member) {
			progress[ev.Target] = append(progress[ev.Target], ev.Member)
		}
	}))
	// a dry run reads what a run reads before writing: each member once
	a.count()
	b.count()
	results, err := c.Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.requests()+"; "+b.requests(), "GET blob 2, GET manifest 2; "; got != want {
		t.Errorf("requests %s, want %s (each member read once for three targets)", got, want)
	}
	if len(results) != 3 || results[2].Digest != results[0].Digest || !results[2].DryRun {
		t.Errorf("dry run: %+v", results)
	}
	results, err = c.Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("%d results, want 3", len(results))
	}
	for i, want := range []string{a.host + "/app:1", a.host + "/mirror:1", b.host + "/app:1"} {
		r := results[i]
		if r.Target != want || r.Digest != results[0].Digest || r.TargetStatus() != manifest.TagCreated {
			t.Errorf("result %d: %s %s %s, want %s %s created", i, r.Target, r.Digest, r.TargetStatus(), want, results[0].Digest)
		}
	}
	// the progress of each target's copies is reported under that target
	// (the terminal groups its members by target)
	for _, repo := range []string{a.host + "/app", a.host + "/mirror", b.host + "/app"} {
		if len(progress[repo]) != 2 {
			t.Errorf("blob events of %s name the members %q, want both members", repo, progress[repo])
		}
	}
	for _, reg := range []*memRegistry{a, b} {
		for _, name := range []string{"app:1", "app:latest"} {
			m, err := reg.rc.ManifestHead(context.Background(), reg.ref(t, name))
			if err != nil || m.GetDescriptor().Digest.String() != results[0].Digest {
				t.Errorf("%s/%s: %v", reg.host, name, err)
			}
		}
	}
}

// --append with several targets merges onto each target's own index:
// the results say so, digest by digest.
func TestAppendSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := newMemRegistry(t), newMemRegistry(t)
	a.pushImage(t, "build", "amd64", "linux/amd64")
	a.pushImage(t, "build", "s390x", "linux/s390x")
	a.pushImage(t, "build", "arm64", "linux/arm64/v8")
	c := a.client(t, WithPlainHTTP(b.host))
	ctx := context.Background()
	// a's index holds amd64, b's s390x
	for _, first := range []struct {
		reg    *memRegistry
		member string
	}{{a, "build:amd64"}, {b, "build:s390x"}} {
		s := a.spec(t, "build:x", nil, first.member)
		s.Target = first.reg.ref(t, "app:1")
		if _, err := c.Publish(ctx, []manifestSpec{s}, PublishOptions{Type: manifest.OCI}); err != nil {
			t.Fatal(err)
		}
	}
	s := a.spec(t, "app:1", nil, "build:arm64")
	s.MoreTargets = []spec.Target{{Ref: b.ref(t, "app:1")}}
	results, err := c.Publish(ctx, []manifestSpec{s}, PublishOptions{Append: true, Settle: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Digest == results[1].Digest {
		t.Fatalf("results %+v", results)
	}
	for i, want := range []string{"linux/amd64", "linux/s390x"} {
		r := results[i]
		if r.Changed == nil || len(r.Kept) != 1 || r.Kept[0] != want || len(r.Added) != 1 || r.Added[0] != "linux/arm64/v8" {
			t.Errorf("target %d: %+v", i, r.Changed)
		}
	}
}

// A target of several that refuses to say what its tags point at fails
// alone: its result carries the index's digest and its failure, the
// other target is written, and the error names the refusing one.
func TestPublishOneTargetRefuses(t *testing.T) {
	t.Parallel()
	a := newMemRegistry(t)
	a.pushImage(t, "build", "amd64", "linux/amd64")
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
	}))
	t.Cleanup(refusing.Close)
	host := strings.TrimPrefix(refusing.URL, "http://")
	s := a.spec(t, "app:1", nil, "build:amd64")
	s.MoreTargets = []spec.Target{{Ref: a.ref(t, "app:1").SetTag("1"), Pos: spec.Pos{Field: "x"}}}
	s.MoreTargets[0].Ref.Registry = host
	c := a.client(t, WithPlainHTTP(host))
	results, err := c.Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI})
	if err == nil || !strings.Contains(err.Error(), host+"/app:1") || !strings.Contains(err.Error(), "unauthorized") {
		t.Fatalf("error %v, want one naming %s/app:1", err, host)
	}
	if len(results) != 2 || results[0].TargetStatus() != manifest.TagCreated {
		t.Fatalf("results %+v", results)
	}
	if r := results[1]; r.TargetStatus() != manifest.TagFailed || r.Digest != results[0].Digest || len(r.Errors) != 1 || r.Tags[0].Status != manifest.TagSkipped {
		t.Errorf("the refusing target: %+v", r)
	}
}
