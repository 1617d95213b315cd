package integration

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// collector is a host that asks every request for Basic credentials and
// records each Authorization it is sent, as a registry named by a
// document a pull request added would, to collect the CI's password.
type collector struct {
	Host string
	mu   sync.Mutex
	n    int      // requests
	auth []string // the Authorization headers sent, decoded when Basic
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n++
		if a := r.Header.Get("Authorization"); a != "" {
			if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "Basic ")); err == nil {
				a = string(b)
			}
			c.auth = append(c.auth, a)
		}
		c.mu.Unlock()
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Header().Set("WWW-Authenticate", `Basic realm="pull request"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	c.Host = srv.Listener.Addr().String()
	return c
}

func (c *collector) seen() (requests int, auth []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, append([]string(nil), c.auth...)
}

// --username and --password go to one registry. A spec of two documents,
// the second targeting a host that asks for credentials (a pull request
// that adds a document for its own host), ends in exit 2 before any
// request when the flags do not say which registry they are for, and that
// host is asked nothing; with --username-registry naming the real target,
// the real target gets them (its members are read with them) and the
// other host gets no credentials at all. The memory and time are measured and
// held.
func TestUsernameGoesToOneRegistry(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	r := regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}})
	seed(t, r, "scope/app", "1", false, linuxAMD64)
	var mu sync.Mutex
	var real []string // the requests to the real registry, " with credentials" when they carried the flags'
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		seen := req.Method + " " + req.URL.Path
		if u, p, ok := req.BasicAuth(); ok && u == authUser && p == authPass {
			seen += " with credentials"
		}
		mu.Lock()
		real = append(real, seen)
		mu.Unlock()
		return false
	})
	requests := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := real
		real = nil
		return out
	}
	other := newCollector(t)
	member := "manifests:\n  - image: " + host + "/scope/app:1-linux-amd64\n"
	spec := writeFile(t, "release.yaml", "image: "+host+"/scope/app:1\n"+member+"---\nimage: "+other.Host+"/pr/app:1\n"+member)
	flags := []string{"--plain-http", "--username", authUser, "--password-stdin"}

	res := mtMeasured(t, nil, authPass+"\n", append(flags, "push", "from-spec", spec)...)
	t.Logf("measured: two targets, no --username-registry: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	res.fails(t, 2, "error: --username and --password go to one registry, and this run pushes to 2 ("+host+", "+other.Host+
		"): name the one they are for with --username-registry HOST (the others use the Docker config)")
	if n, auth := other.seen(); n != 0 {
		t.Errorf("the other host was sent %d requests (credentials: %q) before the run ended", n, auth)
	}
	if reqs := requests(); len(reqs) != 0 {
		t.Errorf("the registry was sent %q before the run ended", reqs)
	}
	if res.maxRSS > rssBound || res.elapsed > time.Minute {
		t.Errorf("max RSS %d KiB, %s: over %d KiB or a minute", res.maxRSS, res.elapsed, rssBound)
	}

	// the members, on the real registry, are read with the credentials;
	// the other target's tag cannot be read without, and the run stops
	// there, before anything is written
	res = mtMeasured(t, nil, authPass+"\n", append(flags, "--username-registry", host, "push", "from-spec", spec)...)
	t.Logf("measured: --username-registry %s: exit %d, max RSS %d KiB, %s", host, res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	n, auth := other.seen()
	if n == 0 {
		t.Errorf("the other host was asked nothing: the run did not get as far as its document")
	}
	if len(auth) != 0 {
		t.Errorf("the other host was sent credentials: %q", auth)
	}
	res.fails(t, 1, "error: reading the tag "+other.Host+"/pr/app:1: unauthorized: "+other.Host+
		" requires credentials and none were found (run docker login "+other.Host+", or pass --username with --password-stdin)")
	reqs := requests()
	if !slices.Contains(reqs, "GET /v2/scope/app/manifests/1-linux-amd64 with credentials") {
		t.Errorf("the real registry was not sent the credentials: %q", reqs)
	}
	if res.maxRSS > rssBound || res.elapsed > time.Minute {
		t.Errorf("max RSS %d KiB, %s: over %d KiB or a minute", res.maxRSS, res.elapsed, rssBound)
	}
}

// --username and --password with a run that writes to no registry (an
// OCI layout): they go nowhere, and the run says so rather than dropping
// them without a word.
func TestUsernameWithoutRegistryTarget(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "scope/app", "1", false, linuxAMD64)
	layout := filepath.Join(t.TempDir(), "out")
	res := mtEnv(t, nil, "s3cret-pass\n", "--plain-http", "--username", "ci", "--password-stdin",
		"push", "from-args", "--member", r.Host+"/scope/app:1-linux-amd64", "--target", "ocidir://"+layout+":1")
	res.ok(t)
	if !strings.Contains(res.stderr, "warning: --username and --password are not used: this run names no registry to give them to") {
		t.Errorf("no warning that the flag credentials go nowhere:\n%s", res.stderr)
	}
}
