package regtest

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Traffic is what a registry and its token server saw: requests by class,
// as a benchmark reports them, and the connections they came on.
type Traffic struct {
	// Requests counts the registry's requests by Class.
	Requests map[string]int
	// Unauthorized counts the registry's answers 401 (challenges, and
	// tokens that lack a scope).
	Unauthorized int
	// Mounted counts the mount requests answered 201 Created; the others
	// fell back to an upload (202).
	Mounted int
	// Tokens counts the requests to the token server.
	Tokens int
	// Conns counts the connections the registry and its token server
	// accepted.
	Conns int
	// HTTP2 counts the requests (registry and token server) that came
	// over HTTP/2.
	HTTP2 int
}

// Total is the number of requests, the token server's included.
func (t Traffic) Total() int {
	return Total(t.Requests) + t.Tokens
}

// Add sums o into t.
func (t *Traffic) Add(o Traffic) {
	if t.Requests == nil {
		t.Requests = map[string]int{}
	}
	for k, n := range o.Requests {
		t.Requests[k] += n
	}
	t.Unauthorized += o.Unauthorized
	t.Mounted += o.Mounted
	t.Tokens += o.Tokens
	t.Conns += o.Conns
	t.HTTP2 += o.HTTP2
}

// Class names a registry request by method and endpoint, in the words of
// the distribution spec: "GET /v2/" (the ping), "HEAD blobs", "GET blobs",
// "POST blobs/uploads" (an upload started), "POST blobs/uploads mount" (a
// cross-repository mount asked for), "PATCH blobs/uploads", "PUT
// blobs/uploads", "HEAD manifests", "GET manifests", "PUT manifests",
// "GET tags/list", "GET referrers"; anything else is "METHOD other".
func Class(r *http.Request) string {
	path := r.URL.Path
	switch {
	case path == "/v2/" || path == "/v2":
		return r.Method + " /v2/"
	case strings.Contains(path, "/blobs/uploads"):
		if r.Method == http.MethodPost && r.URL.Query().Get("mount") != "" {
			return "POST blobs/uploads mount"
		}
		return r.Method + " blobs/uploads"
	case strings.Contains(path, "/blobs/"):
		return r.Method + " blobs"
	case strings.Contains(path, "/manifests/"):
		return r.Method + " manifests"
	case strings.Contains(path, "/tags/list"):
		return r.Method + " tags/list"
	case strings.Contains(path, "/referrers/"):
		return r.Method + " referrers"
	}
	return r.Method + " other"
}

// link stands for the network between the clients and a registry with its
// token server: it adds latency and counts what crosses it. Every request
// waits one round trip before it is handled, and a new connection waits
// the round trips of its handshakes (TCP, and TLS 1.3 over it) before its
// first byte is read, so that a client opening more connections pays for
// them as it would across a real network.
type link struct {
	latency    atomic.Int64 // one round trip, in nanoseconds
	handshakes int          // round trips before a new connection's first byte

	mu sync.Mutex
	t  Traffic
}

func newLink(latency time.Duration, tls bool) *link {
	l := &link{handshakes: 1, t: Traffic{Requests: map[string]int{}}}
	if tls {
		l.handshakes = 2
	}
	l.latency.Store(int64(latency))
	return l
}

// wait sleeps for n round trips.
func (l *link) wait(n int) {
	if d := time.Duration(l.latency.Load()); d > 0 {
		time.Sleep(time.Duration(n) * d)
	}
}

// traffic returns what was counted since the last call and forgets it.
func (l *link) traffic() Traffic {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.t
	l.t = Traffic{Requests: map[string]int{}}
	return out
}

// serve adds a round trip to each request h handles and counts it, as a
// token-server request when token is true, else by Class.
func (l *link) serve(h http.Handler, token bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		class := Class(req) // before the handler, which may rewrite the path
		l.wait(1)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, req)
		l.mu.Lock()
		defer l.mu.Unlock()
		if req.ProtoMajor == 2 {
			l.t.HTTP2++
		}
		if token {
			l.t.Tokens++
			return
		}
		l.t.Requests[class]++
		if sw.code == http.StatusUnauthorized {
			l.t.Unauthorized++
		}
		if class == "POST blobs/uploads mount" && sw.code == http.StatusCreated {
			l.t.Mounted++
		}
	})
}

// listen wraps ln so that each connection it accepts is counted and waits
// for its handshakes before its first read.
func (l *link) listen(ln net.Listener) net.Listener {
	return &slowListener{Listener: ln, link: l}
}

type slowListener struct {
	net.Listener
	link *link
}

func (s *slowListener) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil {
		return nil, err
	}
	s.link.mu.Lock()
	s.link.t.Conns++
	s.link.mu.Unlock()
	return &slowConn{Conn: c, link: s.link}, nil
}

// slowConn is a connection whose first read waits for the handshakes.
type slowConn struct {
	net.Conn
	link *link
	once sync.Once
}

func (c *slowConn) Read(b []byte) (int, error) {
	c.once.Do(func() { c.link.wait(c.link.handshakes) })
	return c.Conn.Read(b)
}

// statusWriter keeps the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
