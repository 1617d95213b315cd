package integration

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileRegistry is a plain-HTTP server on loopback that speaks just
// enough of the registry API for a client to ask for app:1: /v2/ answers
// 200, each request for /v2/app/manifests/1 goes to its handler, and the
// blobs of app and other routes it was given are served; anything else is
// 404. It counts the requests for the manifest.
type hostileRegistry struct {
	Host   string
	mu     sync.Mutex
	n      int
	blobs  map[string][]byte           // digest -> content
	routes map[string]http.HandlerFunc // path -> its handler, beside the manifest's
}

// route has handler answer the requests for path.
func (h *hostileRegistry) route(path string, handler http.HandlerFunc) {
	h.mu.Lock()
	h.routes[path] = handler
	h.mu.Unlock()
}

// serveBlob serves content as the blob of app with that digest.
func (h *hostileRegistry) serveBlob(content []byte) (digest string) {
	digest = fmt.Sprintf("sha256:%x", sha256.Sum256(content))
	h.mu.Lock()
	h.blobs[digest] = content
	h.mu.Unlock()
	return digest
}

func newHostile(t *testing.T, manifest http.HandlerFunc) *hostileRegistry {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileRegistry{Host: ln.Addr().String(), blobs: map[string][]byte{}, routes: map[string]http.HandlerFunc{}}
	done := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/", "/v2":
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.Write([]byte("{}"))
		case "/v2/app/manifests/1":
			h.mu.Lock()
			h.n++
			h.mu.Unlock()
			manifest(w, r.WithContext(stopWith(r.Context(), done)))
		default:
			h.mu.Lock()
			b, ok := h.blobs[strings.TrimPrefix(r.URL.Path, "/v2/app/blobs/")]
			handler := h.routes[r.URL.Path]
			h.mu.Unlock()
			if handler != nil {
				handler(w, r.WithContext(stopWith(r.Context(), done)))
				return
			}
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		close(done) // handlers that hold a request let it go
		srv.Close()
	})
	return h
}

// requests counts the requests for the manifest.
func (h *hostileRegistry) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// stopWith is ctx, done also when done is closed.
func stopWith(ctx context.Context, done <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx
}

// raw hijacks the connection and writes head and body as they are, then
// closes it, or holds it until the client goes away when hold is set.
func raw(head, body string, hold bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString(head + "\r\n" + body)
		buf.Flush()
		if hold {
			<-r.Context().Done() // the test's end, or the client gone
		}
	}
}

// endless answers 200 with a manifest's Content-Type, the Content-Length
// announced ("" for none: chunked), and then zeros until the client goes
// away.
func endless(announced string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		if announced != "" {
			w.Header().Set("Content-Length", announced)
		}
		w.WriteHeader(http.StatusOK)
		zeros := make([]byte, 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(zeros); err != nil {
				return
			}
		}
	}
}

// nested is a manifest whose config is JSON objects nested depth deep.
func nested(depth int) string {
	return `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` +
		strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + "}"
}

// Registries that answer a manifest GET with something made to exhaust a
// client's memory or hold it for ever: each run of inspect, and of a push
// with it as a member, ends in one error line and exit 1, within a bound
// on ending at all (60 s for what is refused at once, the request's 2
// minutes for what is retried), and stays under 200 MiB of memory. The
// memory and time measured are logged.
func TestHostileManifests(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	const ct = "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
	deep := nested(100_000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		flags   []string
		cause   string // after "GET host/v2/app/manifests/1: ", or the whole cause when it starts with "="
		bound   time.Duration
	}{
		{"2 GB announced", endless("2147483648"), nil,
			"the manifest is 2147483648 bytes, over the limit of 4MiB (raise it with --max-manifest-size)", time.Minute},
		{"chunked, never ends", endless(""), nil,
			"the manifest is over the limit of 4MiB, more was sent (raise it with --max-manifest-size)", time.Minute},
		{"100,000 objects deep", raw("HTTP/1.1 200 OK\r\n"+ct+"Content-Length: "+strconv.Itoa(len(deep))+"\r\n", deep, false), nil,
			"=the manifest received is not valid JSON (invalid character '{' exceeded max depth): HOST, or something between, sent it cut short or corrupted", time.Minute},
		{"length says 1000, 10 sent, closed", raw("HTTP/1.1 200 OK\r\n"+ct+"Content-Length: 1000\r\n", `{"schemaVe`, false), nil,
			"connection closed before a whole answer (10 attempts)", budget},
		{"length says 1000, 10 sent, held", raw("HTTP/1.1 200 OK\r\n"+ct+"Content-Length: 1000\r\n", `{"schemaVe`, true), []string{"--idle-timeout", "500ms"},
			"stalled, no byte moved for 500ms (--idle-timeout) (10 attempts)", budget},
		{"length says 10, 1000 sent", raw("HTTP/1.1 200 OK\r\n"+ct+"Content-Length: 10\r\n", `{"schemaVersion":2,"pad":"`+strings.Repeat("x", 1000)+`"}`, false), nil,
			"=the manifest received is not valid JSON (unexpected end of JSON input): HOST, or something between, sent it cut short or corrupted", time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostile(t, tc.handler)
			ref := h.Host + "/app:1"
			cause := "GET " + h.Host + "/v2/app/manifests/1: " + tc.cause
			if strings.HasPrefix(tc.cause, "=") {
				cause = strings.ReplaceAll(tc.cause[1:], "HOST", h.Host)
			}
			spec := writeFile(t, "release.yaml", "image: "+reg.Host+"/hostile/app:1\nmanifests:\n  - image: "+ref+"\n")
			for _, run := range []struct {
				args []string
				want string
			}{
				{[]string{"inspect", ref}, "error: reading " + ref + ": " + cause},
				{[]string{"push", "from-spec", spec}, "error: " + spec + ":3: manifests[0]: resolving " + ref + ": " + cause},
			} {
				res := mtMeasured(t, nil, "", append(append([]string{"--plain-http"}, tc.flags...), run.args...)...)
				res.fails(t, 1, run.want)
				if res.maxRSS > rssBound {
					t.Errorf("%s: max RSS %d KiB, over %d KiB", run.args[0], res.maxRSS, rssBound)
				}
				if res.elapsed > tc.bound {
					t.Errorf("%s: ended after %s, over %s", run.args[0], res.elapsed, tc.bound)
				}
				t.Logf("measured: %s, %s: max RSS %d KiB (%.1f MiB), %s", tc.name, run.args[0], res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			}
		})
	}
}

// A registry whose tag list never ends (regclient reads a tag list whole,
// with no limit of its own): probe's tag-list check reads at most 32 MiB
// of it, says so, and the run stays under 200 MiB of memory. The memory
// and time measured are logged.
func TestHostileTagList(t *testing.T) {
	t.Parallel()
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	h.route("/v2/app/tags/list", endless(""))
	res := mtMeasured(t, nil, "", "--plain-http", "probe", "-o", "json", h.Host+"/app")
	// nothing can be pushed there either: exit 3, one line
	res.fails(t, 3, "error: "+h.Host+" cannot hold Docker manifest lists or OCI indexes")
	t.Logf("measured: a tag list without end, probe: max RSS %d KiB (%.1f MiB), %s", res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
	if res.maxRSS > 200<<10 {
		t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
	}
	if res.elapsed > time.Minute {
		t.Errorf("ended after %s, over a minute", res.elapsed)
	}
	want := "GET " + h.Host + "/v2/app/tags/list: the answer is over the limit of 32MiB for what is not a manifest or a blob, more was sent"
	var probe struct {
		Checks []struct{ Name, Status, Detail string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &probe); err != nil {
		t.Fatalf("probe -o json: %v", err)
	}
	for _, c := range probe.Checks {
		if c.Name == "tag-list" && (c.Status != "unsupported" || !strings.HasSuffix(c.Detail, ": "+want)) {
			t.Errorf("tag-list %s: %q; want unsupported, saying %q", c.Status, c.Detail, want)
		}
	}
}
