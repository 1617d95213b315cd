package integration

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// storage is a server on loopback in the role of the blob store a
// registry redirects to (S3, GCS): it serves what the registry holds at
// the path after /storage, asking it with credentials of its own, and
// records the Authorization and Cookie headers it is sent.
type storage struct {
	Host string
	mu   sync.Mutex
	seen []string // "METHOD PATH", and " with credentials" when it was sent some
}

func newStorage(t *testing.T, r *regtest.Registry, user, pass string) *storage {
	t.Helper()
	s := &storage{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Host = ln.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		seen := req.Method + " " + req.URL.Path
		if req.Header.Get("Authorization") != "" || req.Header.Get("Cookie") != "" {
			seen += " with credentials"
		}
		s.seen = append(s.seen, seen)
		s.mu.Unlock()
		up, _ := http.NewRequest(req.Method, r.URL()+strings.TrimPrefix(req.URL.Path, "/storage"), nil)
		up.Header = req.Header.Clone()
		up.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(up)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *storage) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// A registry with basic auth that redirects its manifest and blob GETs to
// storage on another port of the same host: the storage is never sent the
// registry's credentials (net/http would send them, the host name being
// the same), and inspect, platforms and a push still work with what it
// serves.
func TestRedirectKeepsCredentials(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}})
	imgs := seed(t, r, "redir/app", "1", false, linuxAMD64, linuxARM64)
	store := newStorage(t, r, authUser, authPass)
	var redirected sync.Map
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		p := req.URL.Path
		if req.Method != "GET" || req.Header.Get("Authorization") == "" || !(strings.Contains(p, "/manifests/") || strings.Contains(p, "/blobs/sha256:")) {
			return false // the registry challenges, or answers
		}
		redirected.Store(p, true)
		w.Header().Set("Location", "http://"+store.Host+"/storage"+p)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return true
	})
	creds := []string{"--plain-http", "--username", authUser, "--password", authPass}
	mt(t, append(creds, "inspect", host+"/redir/app:1-linux-amd64")...).ok0(t)
	out := mt(t, append(creds, "platforms", host+"/redir/app:1-linux-arm64v8")...).okOut(t)
	if !strings.Contains(out, "linux/arm64/v8") {
		t.Errorf("platforms printed %q, want linux/arm64/v8 (read from the config the storage served)", out)
	}
	digest, size := mt(t, append(creds, "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
		"--template", host+"/redir/app:1-OS-ARCHVARIANT", "--target", host+"/redir/app:1")...).ok(t)
	checkIndex(t, r, "redir/app", "1", regtest.DockerList, digest, size, []regtest.Descriptor{
		entry(imgs["1-linux-amd64"], &linuxAMD64), entry(imgs["1-linux-arm64v8"], &linuxARM64)})
	seen := store.requests()
	if len(seen) < 4 {
		t.Fatalf("the storage was asked %q; want the manifests and configs redirected there", seen)
	}
	for _, s := range seen {
		if strings.HasSuffix(s, " with credentials") {
			t.Errorf("the storage on another port was sent credentials: %s", s)
		}
	}
}
