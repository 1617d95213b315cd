package registry

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
)

// A manifest HEAD answered without a manifest media type (Harbor before
// 2.1.3: none, and no Content-Length; Artifactory: application/octet-stream,
// without a digest) is asked again with a GET, whose digest is the one
// returned; regclient's HEAD alone fails on it.
func TestManifestHeadFallsBackToGet(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(h http.Header){
		"no Content-Type": func(h http.Header) { h.Del("Content-Type"); h.Del("Content-Length") },
		"octet-stream":    func(h http.Header) { h.Set("Content-Type", "application/octet-stream"); h.Del("Docker-Content-Digest") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mem := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.Method != http.MethodHead || !strings.Contains(req.URL.Path, "/manifests/") {
					mem.ServeHTTP(w, req)
					return
				}
				rec := httptest.NewRecorder()
				mem.ServeHTTP(rec, req)
				edit(rec.Header())
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
			}))
			t.Cleanup(srv.Close)
			r := &memRegistry{host: strings.TrimPrefix(srv.URL, "http://")}
			r.rc = regclient.New(regclient.WithConfigHost(config.Host{Name: r.host, TLS: config.TLSDisabled}))
			m := r.pushImage(t, "app", "1", "linux/amd64")
			ctx := context.Background()
			if _, err := r.rc.ManifestHead(ctx, r.ref(t, "app:1"), regclient.WithManifestRequireDigest()); err == nil {
				t.Fatal("regclient's HEAD took the answer: the test shows nothing")
			}
			got, err := manifestHead(ctx, r.rc, r.ref(t, "app:1"))
			if err != nil {
				t.Fatal(err)
			}
			if got.GetDescriptor().Digest != m.GetDescriptor().Digest {
				t.Errorf("digest %s, want %s", got.GetDescriptor().Digest, m.GetDescriptor().Digest)
			}
		})
	}
}
