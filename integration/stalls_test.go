package integration

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// budget is the time one request may take, its attempts and waits
// included: a stalled run must end within it (a generous bound, not a
// measure of speed).
const budget = 2 * time.Minute

// stallBody answers the requests match picks with the registry's answer
// cut short: the status line, the headers and half of the body, then
// nothing until the client goes away. It counts the requests it stalled.
func stallBody(r *regtest.Registry, match func(*http.Request) bool, n *atomic.Int32) regtest.Hook {
	return func(w http.ResponseWriter, req *http.Request) bool {
		if !match(req) {
			return false
		}
		n.Add(1)
		status, h, body, ok := upstream(w, r, req)
		if !ok {
			return true
		}
		answer(w, status, h, body)
		w.Write(body[:len(body)/2])
		http.NewResponseController(w).Flush()
		stall(req)
		return true
	}
}

// A registry that sends an answer's headers and then stops sending its
// body, a manifest's or a blob's: with --idle-timeout 300ms each attempt
// fails after 300ms and is tried again, and the run exits 1 within the
// retry budget with one line naming method, host and path.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	img := seed(t, r, "stall/app", "1", false, linuxAMD64)["1-linux-amd64"]
	get := func(path string) func(*http.Request) bool {
		return func(req *http.Request) bool { return req.Method == "GET" && req.URL.Path == path }
	}
	cases := []struct {
		name    string
		command string // inspect reads the manifest; platforms, the config too
		path    string // the body that stalls
	}{
		{"a manifest", "inspect", "/v2/stall/app/manifests/1-linux-amd64"},
		{"a blob", "platforms", "/v2/stall/app/blobs/" + img.Config.Digest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stalled atomic.Int32
			host := regtest.Proxy(t, r, stallBody(r, get(tc.path), &stalled))
			start := time.Now()
			res := mt(t, "--plain-http", "--idle-timeout", "300ms", tc.command, host+"/stall/app:1-linux-amd64")
			if spent := time.Since(start); spent > budget {
				t.Errorf("exited after %s, beyond the retry budget of %s", spent, budget)
			}
			want := fmt.Sprintf("GET %s%s: stalled, no byte moved for 300ms (--idle-timeout) (10 attempts)", host, tc.path)
			lines := errorLines(res.stderr)
			if res.code != 1 || len(lines) != 1 || !strings.HasSuffix(lines[0], ": "+want) {
				t.Errorf("exit %d, error lines %q; want exit 1 and one line ending %q", res.code, lines, want)
			}
			if n := stalled.Load(); n != 10 {
				t.Errorf("%d attempts stalled, want 10", n)
			}
		})
	}
}

// A registry that stops reading an upload too large to keep (10 MiB): the
// PUT fails after the idle limit, the blob's copy starts over (5 times in
// all), and the run exits 1 with one line naming the PUT, its path
// without the query.
func TestIdleTimeoutUpload(t *testing.T) {
	t.Parallel()
	src, dst := regtest.New(t), regtest.New(t)
	big := regtest.NewLargeImage(linuxAMD64, false, 10<<20)
	if err := src.PushImage("build/big", "1", big); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var uploads atomic.Int32
	host := regtest.Proxy(t, dst, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method != "PUT" || req.URL.Query().Get("digest") != big.Layers[0].Digest {
			return false
		}
		uploads.Add(1)
		req.Body.Read(make([]byte, 1)) // then no more
		select {
		case <-req.Context().Done():
		case <-done:
		case <-time.After(time.Minute):
		}
		return true
	})
	t.Cleanup(func() { close(done) }) // before the proxy stops
	spec := fmt.Sprintf("image: %s/stall/big:1\nmanifests:\n  - image: %s/build/big:1\n", host, src.Host)
	start := time.Now()
	res := mtEnv(t, nil, spec, "--plain-http", "--idle-timeout", "300ms", "push", "from-spec", "-")
	if spent := time.Since(start); spent > budget {
		t.Errorf("exited after %s, beyond the retry budget of %s", spent, budget)
	}
	lines := errorLines(res.stderr)
	put := regexp.MustCompile(`: PUT ` + regexp.QuoteMeta(host) + `/v2/stall/big/blobs/uploads/[^?\s]+: stalled, no byte moved for 300ms \(--idle-timeout\) \(1 attempt\)$`)
	if res.code != 1 || len(lines) != 1 || !put.MatchString(lines[0]) {
		t.Errorf("exit %d, error lines %q; want exit 1 and one line naming the PUT", res.code, lines)
	}
	if n := uploads.Load(); n != 5 {
		t.Errorf("%d uploads of the layer, want 5 (the copy started over 4 times)", n)
	}
	if n := strings.Count(res.stderr, "copying the blob again"); n != 4 {
		t.Errorf("%d restarts said, want 4", n)
	}
	for _, w := range regtest.Writes(dst.Requests()) {
		if strings.Contains(w, "/manifests/") {
			t.Errorf("a manifest was written: %s", w)
		}
	}
}

// --timeout against a registry that never answers a manifest GET: exit 1,
// and the line names the limit and the request in flight.
func TestTimeoutNamesRequest(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "stall/never", "1", false, linuxAMD64)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == "GET" && req.URL.Path == "/v2/stall/never/manifests/1-linux-amd64" {
			stall(req)
			return true
		}
		return false
	})
	mt(t, "--plain-http", "--timeout", "1s", "inspect", host+"/stall/never:1-linux-amd64").fails(t, 1,
		"error: reading "+host+"/stall/never:1-linux-amd64: timed out (--timeout 1s) during GET "+host+"/v2/stall/never/manifests/1-linux-amd64")
}
