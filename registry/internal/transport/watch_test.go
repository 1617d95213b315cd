package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// idle is the idle limit of these tests.
const idle = 200 * time.Millisecond

// few is a fast retry policy of 3 attempts.
var few = Policy{Attempts: 3, Delay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

// stalling is a test server whose handler is told to stall: it holds the
// request until the client goes away or the test ends. It counts the
// requests it was sent.
type stalling struct {
	*httptest.Server
	requests atomic.Int32
	stop     chan struct{}
}

// newStalling starts a server on loopback running handle, whose
// connections read through a small buffer (so that an upload it stops
// reading fills it soon).
func newStalling(t *testing.T, handle func(s *stalling, w http.ResponseWriter, r *http.Request)) *stalling {
	t.Helper()
	s := &stalling{stop: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		handle(s, w, r)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Listener = smallBuffers{ln}
	s.Start()
	t.Cleanup(func() {
		close(s.stop) // before Close, which waits for the handlers
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

// hold stalls a handler until the client goes away or the test ends.
func (s *stalling) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.stop:
	}
}

// host is the server's host:port.
func (s *stalling) host() string { return s.Listener.Addr().String() }

// smallBuffers is a listener whose connections have a small read buffer.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	return c, err
}

// smallSends makes the transport's connections write through a small
// buffer, so that a body the server stops reading stops moving soon
// (rather than after the few MiB a socket may take on its own).
func smallSends(tr *Transport) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	tr.hosts.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetWriteBuffer(8 << 10)
		}
		return c, err
	}
}

// headersThenStall sends the headers of an answer of size bytes and the
// first sent of them, then stalls.
func headersThenStall(size, sent int) func(*stalling, http.ResponseWriter, *http.Request) {
	return func(s *stalling, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(http.StatusOK)
		w.Write(bytes.Repeat([]byte("x"), sent))
		http.NewResponseController(w).Flush()
		s.hold(r)
	}
}

// stopReading reads the first byte of an upload, then stalls.
func stopReading(s *stalling, w http.ResponseWriter, r *http.Request) {
	r.Body.Read(make([]byte, 1))
	s.hold(r)
}

// A registry that sends the headers and then stops sending the body: the
// attempt fails after the idle limit and is tried again; the error names
// the request.
func TestIdleAnswer(t *testing.T) {
	t.Parallel()
	srv := newStalling(t, headersThenStall(100, 10))
	tr, _ := newTransport(t, Options{IdleTimeout: idle, Retry: few})
	req, _ := http.NewRequest("GET", srv.URL+"/v2/app/manifests/1.0?ns=x", nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	var r *RetryError
	if !errors.As(err, &r) || !errors.As(err, new(*IdleError)) {
		t.Fatalf("got %v, want a RetryError of an IdleError", err)
	}
	if want := "GET " + srv.host() + "/v2/app/manifests/1.0: stalled, no byte moved for 200ms (--idle-timeout) (3 attempts)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d attempts reached the server, want 3", n)
	}
	if spent := time.Since(start); spent < 3*idle { // a lower bound: each attempt waited its limit
		t.Errorf("failed after %s, before 3 idle limits", spent)
	}
	if again, _ := tr.Restartable(err); again {
		t.Error("a request that used its attempts is not worth starting over")
	}
}

// An answer too large to read whole is handed on; when it stalls, the
// read fails naming the request, and the operation may start over.
func TestIdleStreamedAnswer(t *testing.T) {
	t.Parallel()
	srv := newStalling(t, headersThenStall(16<<20, 64<<10))
	tr, _ := newTransport(t, Options{IdleTimeout: idle, Retry: few})
	req, _ := http.NewRequest("GET", srv.URL+"/v2/app/blobs/sha256:1", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(got) != 64<<10 {
		t.Errorf("read %d bytes, want the %d sent", len(got), 64<<10)
	}
	if want := "GET " + srv.host() + "/v2/app/blobs/sha256:1: stalled, no byte moved for 200ms (--idle-timeout) (1 attempt)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if again, wait := tr.Restartable(fmt.Errorf("copying: %w", err)); !again || wait <= 0 {
		t.Errorf("restartable %v after %s, want true after a backoff", again, wait)
	}
}

// A registry that stops reading an upload: the attempt fails after the
// idle limit and is sent again from our copy; the error names the
// request.
func TestIdleUpload(t *testing.T) {
	t.Parallel()
	srv := newStalling(t, stopReading)
	tr, _ := newTransport(t, Options{IdleTimeout: idle, Retry: few})
	smallSends(tr)
	req, _ := http.NewRequest("PUT", srv.URL+"/v2/app/blobs/uploads/1?digest=sha256:1", bytes.NewReader(make([]byte, 2<<20)))
	_, err := tr.RoundTrip(req)
	if want := "PUT " + srv.host() + "/v2/app/blobs/uploads/1: stalled, no byte moved for 200ms (--idle-timeout) (3 attempts)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d attempts reached the server, want 3", n)
	}
}

// An upload too large to keep streams once: when the registry stops
// reading it, the request fails after the idle limit, and the operation
// may start over.
func TestIdleStreamedUpload(t *testing.T) {
	t.Parallel()
	srv := newStalling(t, stopReading)
	tr, _ := newTransport(t, Options{IdleTimeout: idle, Retry: few})
	smallSends(tr)
	req, _ := http.NewRequest("PUT", srv.URL+"/v2/app/blobs/uploads/1", io.MultiReader(bytes.NewReader(make([]byte, 8<<20))))
	_, err := tr.RoundTrip(req)
	if want := "PUT " + srv.host() + "/v2/app/blobs/uploads/1: stalled, no byte moved for 200ms (--idle-timeout) (1 attempt)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d attempts reached the server, want 1", n)
	}
	if again, _ := tr.Restartable(err); !again {
		t.Error("a stalled stream is worth starting over")
	}
}

// The limit is on idleness, not on time: an answer that comes slowly but
// keeps coming, or whose headers take longer than the limit, is fine.
func TestIdleSlowIsNotStalled(t *testing.T) {
	t.Parallel()
	const limit = 300 * time.Millisecond
	srv := newStalling(t, func(s *stalling, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			time.Sleep(2 * limit)
			io.WriteString(w, "late")
			return
		}
		w.Header().Set("Content-Length", "25")
		for range 25 { // 25 bytes, one each 20 ms: longer than the limit in all
			w.Write([]byte("x"))
			http.NewResponseController(w).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	})
	tr, _ := newTransport(t, Options{IdleTimeout: limit, Retry: few})
	for _, path := range []string{"/slow", "/late"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		resp.Body.Close()
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (none tried again)", n)
	}
}

// The run's deadline names the request it cut, with the limit: each
// request in flight when it passed names its own. A request tried after
// it passed was not in flight then, and fails with the context's error as
// it is.
func TestDeadlineNamesRequest(t *testing.T) {
	t.Parallel()
	reached := make(chan string, 2)
	srv := newStalling(t, func(s *stalling, w http.ResponseWriter, r *http.Request) {
		reached <- r.URL.Path
		s.hold(r)
	})
	tr, _ := newTransport(t, Options{Timeout: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	get := func(path string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		_, err := tr.RoundTrip(req)
		errs <- err
	}
	paths := []string{"/v2/app/manifests/1.0", "/v2/app/blobs/sha256:1"}
	go get(paths[0] + "?ns=docker.io")
	go get(paths[1])
	<-reached
	<-reached
	named := map[string]bool{}
	for range 2 {
		err := <-errs
		var cut *DeadlineError
		if !errors.As(err, &cut) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want a DeadlineError", err)
			continue
		}
		want := "timed out (--timeout 2s) during GET " + srv.host() + cut.Path
		if err.Error() != want {
			t.Errorf("got %q, want %q", err, want)
		}
		if got := Cause(fmt.Errorf("reading: %w", err), srv.host(), ""); got != want {
			t.Errorf("Cause: %q, want %q", got, want)
		}
		named[cut.Path] = true
	}
	if !named[paths[0]] || !named[paths[1]] {
		t.Errorf("named %v, want each request its own: %q", named, paths)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/app/tags/list", nil)
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, new(*DeadlineError)) {
		t.Errorf("after the deadline: %v, want the context's error, naming no request", err)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests reached the server, want 2", n)
	}
}

// A deadline that passes while an answer's body is read, or while a
// request waits to be tried again, names that request.
func TestDeadlineWhileReadingOrWaiting(t *testing.T) {
	t.Parallel()
	srv := newStalling(t, func(s *stalling, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/busy" {
			w.WriteHeader(503)
			return
		}
		headersThenStall(16<<20, 64<<10)(s, w, r)
	})
	tr, _ := newTransport(t, Options{}) // the default backoff, 200 ms at least
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/app/blobs/sha256:1", nil)
	resp, err := tr.RoundTrip(req)
	if err == nil { // (on a loaded machine the deadline may pass before the headers: the same error)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if want := "timed out (--timeout) during GET " + srv.host() + "/v2/app/blobs/sha256:1"; err == nil || err.Error() != want {
		t.Errorf("reading: %v, want %q", err, want)
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	req, _ = http.NewRequestWithContext(ctx2, "HEAD", srv.URL+"/v2/busy", nil)
	_, err = tr.RoundTrip(req)
	if want := "timed out (--timeout) during HEAD " + srv.host() + "/v2/busy"; err == nil || err.Error() != want {
		t.Errorf("waiting: %v, want %q", err, want)
	}
}

// The watchdog fires only when armed for its whole limit, and not for the
// rest of a request's body once the answer came.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	const limit = 20 * time.Millisecond
	quiet := func(name string, w *watchdog, ctx context.Context) {
		t.Helper()
		time.Sleep(5 * limit) // a lower bound: nothing to measure
		if w.expired() || context.Cause(ctx) == errIdle {
			t.Errorf("%s: fired", name)
		}
	}
	ctx, w := newWatchdog(context.Background(), limit)
	w.arm()
	w.disarm()
	quiet("disarmed", w, ctx)
	w.holdingBody(true)
	w.holdingBody(false)
	quiet("the body taken and asked for again", w, ctx)
	w.answered()
	w.holdingBody(true)
	quiet("the body after the answer", w, ctx)
	w.arm()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("armed, and never fired")
	}
	if !w.expired() || context.Cause(ctx) != errIdle {
		t.Errorf("fired: expired %v, cause %v", w.expired(), context.Cause(ctx))
	}
	w.stop()

	ctx, w = newWatchdog(context.Background(), limit)
	w.arm()
	w.stop()
	quiet("stopped", w, ctx)
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Error("a stopped attempt's context is not released")
	}
}

// Many requests at once, each attempt with its watchdog (run with
// -race); none stalls.
func TestIdleConcurrent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(bytes.Repeat(b, 1000))
	}))
	defer srv.Close()
	tr, _ := newTransport(t, Options{IdleTimeout: time.Second, Retry: fast})
	done := make(chan error)
	for i := range 32 {
		go func() {
			method := []string{"GET", "PUT", "HEAD", "POST"}[i%4]
			var body io.Reader
			if method == "PUT" || method == "POST" {
				body = strings.NewReader(fmt.Sprint(i))
			}
			req, _ := http.NewRequest(method, srv.URL+"/v2/x", body)
			resp, err := tr.RoundTrip(req)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
	}
	for range 32 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
