package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

// memRegistry is go-containerregistry's in-memory registry under httptest,
// counting the requests it is sent by kind ("GET manifest", "HEAD blob",
// "POST upload"...), so that a test can hold the client to its request
// budget.
type memRegistry struct {
	host string
	rc   *regclient.RegClient // for seeding and reading back, uncounted

	mu       sync.Mutex
	counts   map[string]int
	counting bool
}

func newMemRegistry(t *testing.T, opts ...ggcr.Option) *memRegistry {
	t.Helper()
	r := &memRegistry{counts: map[string]int{}}
	h := ggcr.New(append([]ggcr.Option{ggcr.Logger(log.New(io.Discard, "", 0))}, opts...)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.counting {
			r.counts[requestKind(req)]++
		}
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	r.rc = regclient.New(regclient.WithConfigHost(config.Host{Name: r.host, TLS: config.TLSDisabled}))
	return r
}

// requestKind names a registry request by method and what it is for.
func requestKind(req *http.Request) string {
	p := req.URL.Path
	kind := "other " + p
	switch {
	case p == "/v2/" || p == "/v2":
		kind = "ping"
	case strings.Contains(p, "/blobs/uploads"):
		kind = "upload"
	case strings.Contains(p, "/blobs/"):
		kind = "blob"
	case strings.Contains(p, "/manifests/"):
		kind = "manifest"
	case strings.Contains(p, "/referrers/"):
		kind = "referrers"
	case strings.HasSuffix(p, "/tags/list"):
		kind = "tags"
	}
	return req.Method + " " + kind
}

// count starts counting from zero.
func (r *memRegistry) count() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts, r.counting = map[string]int{}, true
}

// requests returns what was counted, as "GET manifest 3, HEAD blob 2", in
// a stable order.
func (r *memRegistry) requests() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	for k, n := range r.counts {
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// client is a Client for this registry over plain HTTP.
func (r *memRegistry) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := New(context.Background(), append([]Option{WithPlainHTTP(r.host), WithDockerConfig(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ref parses a reference in this registry.
func (r *memRegistry) ref(t *testing.T, name string) ref.Ref {
	t.Helper()
	rr, err := ref.New(r.host + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// pushImage pushes an OCI image of platform p (os/arch[/variant]) with one
// random layer under repo:tag, and returns its manifest.
func (r *memRegistry) pushImage(t *testing.T, repo, tag, p string) rcmanifest.Manifest {
	t.Helper()
	pl, err := spec.ParsePlatform(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	target := r.ref(t, repo+":"+tag)
	layer := make([]byte, 64)
	_, _ = rand.Read(layer)
	cfg, _ := json.Marshal(map[string]any{"os": pl.OS, "architecture": pl.Architecture, "variant": pl.Variant,
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromBytes(layer).String()}}})
	var descs []descriptor.Descriptor
	for _, b := range []struct {
		mt   string
		data []byte
	}{{mediatype.OCI1ImageConfig, cfg}, {mediatype.OCI1Layer, layer}} {
		d := descriptor.Descriptor{MediaType: b.mt, Digest: digest.FromBytes(b.data), Size: int64(len(b.data))}
		if _, err := r.rc.BlobPut(ctx, target, d, bytes.NewReader(b.data)); err != nil {
			t.Fatal(err)
		}
		descs = append(descs, d)
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest,
		Config: descs[0], Layers: descs[1:]}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rc.ManifestPut(ctx, target, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pushIndex pushes an OCI index of the given images (with their platforms)
// under repo:tag.
func (r *memRegistry) pushIndex(t *testing.T, repo, tag string, images map[string]rcmanifest.Manifest) rcmanifest.Manifest {
	t.Helper()
	var descs []descriptor.Descriptor
	keys := make([]string, 0, len(images))
	for p := range images {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	for _, p := range keys {
		pl, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		d := images[p].GetDescriptor()
		descs = append(descs, descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: &pl})
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: descs}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rc.ManifestPut(context.Background(), r.ref(t, repo+":"+tag), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// spec is a spec pushing target from members, each "ref" or
// "ref=os/arch" (declared).
func (r *memRegistry) spec(t *testing.T, target string, tags []string, members ...string) spec.Spec {
	t.Helper()
	s := spec.Spec{Target: r.ref(t, target), Tags: tags, Pos: spec.Pos{File: "release.yaml", Line: 1, Field: "image"}}
	for i, m := range members {
		name, p, declared := strings.Cut(m, "=")
		e := spec.Entry{Image: r.ref(t, name), Pos: spec.Pos{File: "release.yaml", Line: 3 + 2*i, Field: fmt.Sprintf("manifests[%d]", i)}}
		e.PlatformPos = e.Pos
		if declared {
			pl, err := spec.ParsePlatform(p)
			if err != nil {
				t.Fatal(err)
			}
			e.Platform = &pl
		}
		s.Manifests = append(s.Manifests, e)
	}
	return s
}

// manifestSpec is spec.Spec, named for the tests where spec is a method.
type manifestSpec = spec.Spec

// noWrites reports whether a request summary holds reads only.
func noWrites(requests string) bool {
	return !strings.Contains(requests, "PUT") && !strings.Contains(requests, "POST") &&
		!strings.Contains(requests, "PATCH") && !strings.Contains(requests, "DELETE")
}

// refOf parses a reference.
func refOf(s string) (ref.Ref, error) { return ref.New(s) }

// descOf is the descriptor of a manifest.
func descOf(m rcmanifest.Manifest) descriptor.Descriptor {
	d := m.GetDescriptor()
	return descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// entryOf is a spec entry naming r.
func entryOf(r ref.Ref) spec.Entry {
	return spec.Entry{Image: r, Pos: spec.Pos{File: "release.yaml", Line: 3, Field: "manifests[0]"}}
}
