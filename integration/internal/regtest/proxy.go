package regtest

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hook sees each request before the registry does; when it returns true it
// has answered the request itself and the registry never sees it.
type Hook func(w http.ResponseWriter, r *http.Request) bool

// ProxyOptions shape a FaultProxy.
type ProxyOptions struct {
	// Latency is added to every request, as a registry that far away.
	Latency time.Duration
	// Hook, when set, sees each request first (see Hook).
	Hook Hook
	// Faults, when set, picks a fault for each request, numbered from 1
	// in the order they arrive (after Latency, before Hook).
	Faults func(n int, r *http.Request) Fault
}

// Fault is a way for a request to go wrong.
type Fault int

const (
	NoFault Fault = iota
	// Unavailable answers 503 with a plain-text body, as a registry being
	// deployed; the registry never sees the request.
	Unavailable
	// RateLimited answers 429 with "Retry-After: 1" and a plain-text body,
	// as Docker Hub; the registry never sees the request.
	RateLimited
	// Cut lets the registry answer, then sends the client half of that
	// answer (status line, headers and body) and resets the connection.
	Cut
	// Reset closes the connection before any answer, with an RST; the
	// registry never sees the request.
	Reset
)

func (f Fault) String() string {
	return [...]string{"none", "503", "429", "cut", "reset"}[f]
}

// FaultProxy is a reverse proxy on 127.0.0.1 in front of a plain-HTTP
// registry: it adds latency, counts requests by kind, and lets a hook
// refuse, rewrite or break requests, so that one registry can behave like
// a distant, slow or faulty one.
type FaultProxy struct {
	// Host is the proxy's host:port, to use in image references.
	Host string
	srv  *http.Server
	opts ProxyOptions

	mu     sync.Mutex
	counts map[string]int
	read   map[string]int64 // bytes of answers read from the registry, by kind
	wrote  map[string]int64 // bytes of request bodies sent on to the registry, by kind
	n      int              // requests seen, for Faults
	faults map[Fault]int    // faults injected
}

// countingWriter adds the bytes of an answer's body, as the proxy passes
// them on from the registry, to its count.
type countingWriter struct {
	http.ResponseWriter
	p    *FaultProxy
	kind string
}

func (w countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.p.addRead(w.kind, int64(n))
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (Cut hijacks it).
func (w countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (p *FaultProxy) addRead(kind string, n int64) {
	p.mu.Lock()
	p.read[kind] += n
	p.mu.Unlock()
}

// countingBody adds the bytes of a request's body, as the registry (or a
// fault) reads them through the proxy, to its count.
type countingBody struct {
	io.ReadCloser
	p    *FaultProxy
	kind string
}

func (b countingBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		b.p.mu.Lock()
		b.p.wrote[b.kind] += int64(n)
		b.p.mu.Unlock()
	}
	return n, err
}

// Written returns how many bytes of request bodies the proxy sent on to
// the registry so far, by kind ("PATCH upload", "PUT manifest"): what the
// clients wrote to it. A body the registry (or a hook) stops reading
// counts as far as it was read.
func (p *FaultProxy) Written() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int64{}
	for k, v := range p.wrote {
		out[k] = v
	}
	return out
}

// Read returns how many bytes of answers the proxy read from the registry
// so far, by kind ("GET blob"): what the source had to send. A cut answer
// counts whole, as the registry sent it whole.
func (p *FaultProxy) Read() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.read)
}

// NewProxy starts a FaultProxy in front of the registry at target
// (host:port, plain HTTP).
func NewProxy(target string, opts ProxyOptions) (*FaultProxy, error) {
	u := &url.URL{Scheme: "http", Host: target}
	rp := httputil.NewSingleHostReverseProxy(u)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{Host: ln.Addr().String(), opts: opts, counts: map[string]int{}, read: map[string]int64{}, wrote: map[string]int64{}, faults: map[Fault]int{}}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		w = countingWriter{ResponseWriter: w, p: p, kind: Kind(r)}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = countingBody{ReadCloser: r.Body, p: p, kind: Kind(r)}
		}
		if opts.Latency > 0 {
			time.Sleep(opts.Latency)
		}
		if opts.Faults != nil {
			p.mu.Lock()
			p.n++
			f := opts.Faults(p.n, r)
			if f != NoFault {
				p.faults[f]++
			}
			p.mu.Unlock()
			if inject(f, w, r, rp, p) {
				return
			}
		}
		if opts.Hook != nil && opts.Hook(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go p.srv.Serve(ln)
	return p, nil
}

// inject does what fault f says with the request, and reports whether
// it answered it (or broke it).
func inject(f Fault, w http.ResponseWriter, r *http.Request, next http.Handler, p *FaultProxy) bool {
	switch f {
	case Unavailable:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "503 Service Unavailable: the registry is being deployed\n")
	case RateLimited:
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "Too Many Requests (HAP429).\n")
	case Cut:
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := rec.Result()
		if r.Method == http.MethodHead {
			resp.Body = http.NoBody
		}
		var whole bytes.Buffer
		resp.Write(&whole)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return false
		}
		buf.Write(whole.Bytes()[:whole.Len()/2])
		buf.Flush()
		p.addRead(Kind(r), int64(rec.Body.Len()))
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, not an orderly close
		}
		conn.Close()
	case Reset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return false
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	default:
		return false
	}
	return true
}

// Faults returns the faults injected so far, by kind.
func (p *FaultProxy) Faults() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Fault]int{}
	for f, n := range p.faults {
		out[f] = n
	}
	return out
}

// Close stops the proxy.
func (p *FaultProxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.srv.Shutdown(ctx)
}

// Kind names a request for counting: "GET manifest", "HEAD blob",
// "PUT manifest", "POST upload", "GET token"...
func Kind(r *http.Request) string {
	path := r.URL.Path
	kind := "other"
	switch {
	case path == "/v2/" || path == "/v2":
		kind = "ping"
	case strings.Contains(path, "/manifests/"):
		kind = "manifest"
	case strings.Contains(path, "/blobs/uploads"):
		kind = "upload"
	case strings.Contains(path, "/blobs/"):
		kind = "blob"
	case strings.Contains(path, "/tags/list"):
		kind = "tags"
	case strings.Contains(path, "/referrers/"):
		kind = "referrers"
	}
	return r.Method + " " + kind
}

func (p *FaultProxy) count(r *http.Request) {
	p.mu.Lock()
	p.counts[Kind(r)]++
	p.mu.Unlock()
}

// Counts returns the requests seen since the last call, by kind, and
// forgets them.
func (p *FaultProxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.counts
	p.counts = map[string]int{}
	return out
}

// Total sums counts.
func Total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// Describe writes counts as "GET manifest 16, GET blob 16, ...", sorted.
func Describe(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" "+strconv.Itoa(counts[k]))
	}
	return strings.Join(parts, ", ")
}

// Proxy starts a FaultProxy for one test in front of a plain-HTTP registry,
// calling hook first on every request, and stops it when the test ends. It
// returns the proxy's host:port.
func Proxy(t TB, target *Registry, hook Hook) string {
	t.Helper()
	p, err := NewProxy(target.Host, ProxyOptions{Hook: hook})
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Host
}

// ProxyWith starts a FaultProxy for one test in front of a plain-HTTP
// registry and stops it when the test ends.
func ProxyWith(t TB, target *Registry, opts ProxyOptions) *FaultProxy {
	t.Helper()
	p, err := NewProxy(target.Host, opts)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
