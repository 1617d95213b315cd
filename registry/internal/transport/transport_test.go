package transport

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// fast is a retry policy for tests: backoffs of a few milliseconds.
var fast = Policy{Delay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

// newTransport makes a Transport logging to a buffer, with its own empty
// certs.d unless o names one.
func newTransport(t *testing.T, o Options) (*Transport, *bytes.Buffer) {
	var logs bytes.Buffer
	log := logrus.New()
	log.SetOutput(&logs)
	log.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})
	o.Log = log
	if o.CertsDir == "" {
		o.CertsDir = t.TempDir()
	}
	tr := New(o)
	// the test servers speak plain HTTP on ports of their own; the tests
	// of the refusal of plain HTTP name what they allow
	tr.plain.allowAll = o.PlainHTTP == nil
	return tr, &logs
}

// script is a server that answers each request with the next of its
// handlers (the last one for the rest), recording what it was sent.
type script struct {
	mu    sync.Mutex
	steps []http.HandlerFunc
	seen  []string // "METHOD PATH body"
	at    []time.Time
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, fmt.Sprintf("%s %s %s", r.Method, r.URL.Path, body))
	s.at = append(s.at, time.Now())
	step := s.steps[min(n, len(s.steps)-1)]
	s.mu.Unlock()
	step(w, r)
}

// requests returns what the server was sent so far, and when.
func (s *script) requests() ([]string, []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen), slices.Clone(s.at)
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "%d says the server", code) // plain text, as Docker Hub's 429
	}
}

func ok(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }
}

// cut promises a body of 100 bytes, sends 10 and closes the connection.
func cut(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
	buf.Flush()
	conn.Close()
}

// reset closes the connection without an answer.
func reset(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // an RST, not a FIN
	}
	conn.Close()
}

// A zero Options is the tool's settings.
func TestNewDefaults(t *testing.T) {
	t.Parallel()
	o := Options{}.withDefaults()
	p := o.Retry
	got := fmt.Sprintln(o.CertsDir, o.DialTimeout, o.HeaderTimeout, o.IdleTimeout, o.MaxManifestSize, p.Attempts, p.Delay, p.MaxDelay, p.Budget, p.RetryAfterMax)
	if want := "/etc/docker/certs.d 10s 2m0s 1m0s 4194304 10 200ms 5s 2m0s 1m0s\n"; got != want {
		t.Errorf("defaults %q, want %q", got, want)
	}
}

func TestTransportRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    []http.HandlerFunc
		method   string
		body     io.Reader // nil for none; a plain reader cannot be replayed
		want     string    // the body received, or the error
		requests int
	}{
		{"503 twice", []http.HandlerFunc{status(503), status(503), ok("fine")}, "GET", nil, "fine", 3},
		{"each transient status", []http.HandlerFunc{status(408), status(429), status(500), status(502), status(504), ok("fine")}, "GET", nil, "fine", 6},
		{"a cut answer is read again", []http.HandlerFunc{cut, ok("whole")}, "GET", nil, "whole", 2},
		{"a reset connection", []http.HandlerFunc{reset, ok("fine")}, "HEAD", nil, "", 2},
		{"a replayable body is sent again", []http.HandlerFunc{status(503), ok("put")}, "PUT", strings.NewReader("payload"), "put", 2},
		{"404 is an answer", []http.HandlerFunc{status(404), ok("never")}, "GET", nil, "404 says the server", 1},
		{"401 is an answer", []http.HandlerFunc{status(401), ok("never")}, "GET", nil, "401 says the server", 1},
		{"gives up", []http.HandlerFunc{status(503)}, "GET", nil, "error: GET HOST/v2/x: 503 Service Unavailable (503 says the server) (10 attempts)", 10},
		{"a stream is not replayed", []http.HandlerFunc{status(503), ok("never")}, "PUT", io.MultiReader(strings.NewReader("stream")), "error: PUT HOST/v2/x: 503 Service Unavailable (503 says the server) (1 attempt)", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &script{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			tr, _ := newTransport(t, Options{Retry: fast})
			req, err := http.NewRequest(tc.method, srv.URL+"/v2/x", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			resp, err := tr.RoundTrip(req)
			if err != nil {
				got = "error: " + strings.ReplaceAll(err.Error(), srv.Listener.Addr().String(), "HOST")
			} else {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got = string(b)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			seen, _ := s.requests()
			if len(seen) != tc.requests {
				t.Errorf("%d requests, want %d: %q", len(seen), tc.requests, seen)
			}
			if tc.method == "PUT" && len(seen) > 1 && seen[1] != "PUT /v2/x payload" {
				t.Errorf("second PUT %q", seen[1])
			}
			var r *RetryError
			if again, _ := tr.Restartable(err); err != nil && errors.As(err, &r) && again != (r.Attempts < tr.policy.Attempts) {
				t.Errorf("restartable(%v) = %v", err, again)
			}
		})
	}
}

// Retry-After is waited for, and said.
func TestTransportRetryAfter(t *testing.T) {
	t.Parallel()
	s := &script{steps: []http.HandlerFunc{status(429, "Retry-After", "1"), ok("fine")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr, logs := newTransport(t, Options{Retry: fast})
	req, _ := http.NewRequest("GET", srv.URL+"/v2/x", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// waited at least as asked (a lower bound: not a measure of speed)
	if _, at := s.requests(); len(at) < 2 || at[1].Sub(at[0]) < time.Second {
		t.Errorf("asked to wait 1s, came back at %v", at)
	}
	want := fmt.Sprintf("%s asked to wait 1s (Retry-After) before GET /v2/x again; retrying", srv.Listener.Addr())
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log %q lacks %q", logs, want)
	}
}

// A host that never answered and refuses is said at once; one that
// answered before is waited for.
func TestTransportRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	req, _ := http.NewRequest("GET", "http://"+addr+"/v2/", nil)
	_, err = tr.RoundTrip(req)
	var r *RetryError
	if !errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &r) {
		t.Fatalf("never answered: %v, want connection refused at once", err)
	}
	tr.hosts.answered[addr] = true
	_, err = tr.RoundTrip(req)
	if !errors.As(err, &r) || r.Attempts != 10 {
		t.Fatalf("answered before: %v, want 10 attempts", err)
	}
	if want := "GET " + addr + "/v2/: connection refused (10 attempts)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	// given up on: the next request tries once, and says why it was not
	// tried more
	req2, _ := http.NewRequest("PUT", "http://"+addr+"/v2/other", strings.NewReader("x"))
	_, err2 := tr.RoundTrip(req2)
	if want := "PUT " + addr + "/v2/other: connection refused (given up on " + addr + " after GET /v2/ failed 10 attempts)"; err2 == nil || err2.Error() != want {
		t.Errorf("after giving up: %v, want %q", err2, want)
	}
	if again, _ := tr.Restartable(fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF)); !again {
		t.Error("a cut stream is worth starting over")
	}
	for _, e := range []error{err, err2} {
		if again, _ := tr.Restartable(e); again {
			t.Errorf("%v: restartable", e)
		}
	}
}

// A host that answered, even if every answer was cut, is not given up on.
func TestTransportCutIsNotDown(t *testing.T) {
	t.Parallel()
	s := &script{steps: []http.HandlerFunc{cut}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	req, _ := http.NewRequest("GET", srv.URL+"/v2/a", nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("every answer cut, and no error")
	}
	if d := tr.hosts.givenUpOn(srv.Listener.Addr().String()); d != nil {
		t.Errorf("given up on after cut answers: %v", d)
	}
}

// A stream (a large upload) is not sent again, but the operation that
// starts it over learns how long the registry asked to wait.
func TestTransportWaitForStream(t *testing.T) {
	t.Parallel()
	s := &script{steps: []http.HandlerFunc{status(429, "Retry-After", "3")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	req, _ := http.NewRequest("PUT", srv.URL+"/v2/x", io.MultiReader(strings.NewReader("stream")))
	_, err := tr.RoundTrip(req)
	again, wait := tr.Restartable(fmt.Errorf("uploading: %w", err))
	if !again || wait != 3*time.Second {
		t.Errorf("%v: restartable %v after %s, want true after 3s", err, again, wait)
	}
}

// A server that never answers, or answers something other than HTTP,
// does not hold a run: the first is given up on within the budget, the
// second (a host that never answered) is said at once.
func TestTransportStallAndGarbage(t *testing.T) {
	t.Parallel()
	policy := fast
	policy.Budget = 300 * time.Millisecond

	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return // answers: the host is known
		}
		<-stall
	}))
	defer srv.Close()
	defer close(stall) // before Close, which waits for the handlers
	tr, _ := newTransport(t, Options{HeaderTimeout: 50 * time.Millisecond, Retry: policy})
	ping, _ := http.NewRequest("GET", srv.URL+"/v2/", nil)
	if resp, err := tr.RoundTrip(ping); err == nil {
		resp.Body.Close()
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v2/x", nil)
	_, err := tr.RoundTrip(req)
	var r *RetryError
	if !errors.As(err, &r) || r.Reason() != "timed out" {
		t.Errorf("stalled: %v, want timed out", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Read(make([]byte, 512))                       // the request
			conn.Write([]byte("\x15\x03\x01\x00\x02\x02\x46")) // a TLS alert
			conn.Close()
		}
	}()
	garbage, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v2/", nil)
	_, err = tr.RoundTrip(garbage)
	if want := ln.Addr().String() + " closed the connection without an HTTP answer (if it serves HTTPS, drop --plain-http for it)"; err == nil || err.Error() != want {
		t.Errorf("not HTTP: %v, want at once %q", err, want)
	}
}

// Cancelling stops the waits, and says it was cancelled.
func TestTransportCancel(t *testing.T) {
	t.Parallel()
	s := &script{steps: []http.HandlerFunc{status(503)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr, _ := newTransport(t, Options{}) // the default backoff, longer than the deadline
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/x", nil)
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the deadline", err)
	}
}

// Requests at once from many goroutines (run with -race).
func TestTransportConcurrent(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, r.URL.Path)
	}))
	defer srv.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/v2/%d", i)
			req, _ := http.NewRequest("PUT", srv.URL+path, strings.NewReader("body"))
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != path {
				t.Errorf("%s answered %q", path, b)
			}
		}()
	}
	wg.Wait()
}

// Each host is verified against the system roots, its certs.d directory
// and --ca-file, unless it was named insecure.
func TestTransportTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(ok("secure"))
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	host := srv.Listener.Addr().String()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	dir := t.TempDir()
	get := func(tr *Transport) error {
		req, _ := http.NewRequest("GET", srv.URL+"/v2/", nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	tr, _ := newTransport(t, Options{CertsDir: dir})
	var unknown x509.UnknownAuthorityError
	if err := get(tr); !errors.As(err, &unknown) {
		t.Errorf("no CA: %v, want an unknown authority", err)
	}
	tr, _ = newTransport(t, Options{CertsDir: dir, Insecure: []string{"other.example.com"}})
	if err := get(tr); !errors.As(err, &unknown) {
		t.Errorf("another host insecure: %v, want an unknown authority", err)
	}
	tr, _ = newTransport(t, Options{CertsDir: dir, Insecure: []string{host}})
	if err := get(tr); err != nil {
		t.Errorf("insecure: %v", err)
	}
	tr, _ = newTransport(t, Options{CertsDir: dir, CA: ca})
	if err := get(tr); err != nil {
		t.Errorf("--ca-file: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, host), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, host, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	tr, _ = newTransport(t, Options{CertsDir: dir})
	if err := get(tr); err != nil {
		t.Errorf("certs.d: %v", err)
	}
}

// A client certificate in certs.d/<host>/ (NAME.cert and NAME.key) is
// presented to that host.
func TestTransportClientCert(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(ok("mutual"))
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	defer srv.Close()
	host := srv.Listener.Addr().String()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	get := func() error {
		tr, _ := newTransport(t, Options{CertsDir: dir, CA: ca})
		req, _ := http.NewRequest("GET", srv.URL+"/v2/", nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err == nil {
		t.Fatal("no client certificate, and the server let us in")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ci"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	hostDir := filepath.Join(dir, host)
	if err := os.MkdirAll(hostDir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(hostDir, "client.cert"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(hostDir, "client.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	if err := get(); err != nil {
		t.Errorf("with certs.d/%s/client.cert: %v", host, err)
	}
}

// A redirect to another host (blob storage) is checked as that host: its
// own certs.d, not the settings of the host that redirected.
func TestTransportRedirect(t *testing.T) {
	t.Parallel()
	storage := httptest.NewUnstartedServer(ok("blob"))
	storage.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	storage.StartTLS()
	defer storage.Close()
	reg := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, storage.URL+"/blob", http.StatusTemporaryRedirect)
	}))
	defer reg.Close()
	regHost, storageHost := reg.Listener.Addr().String(), storage.Listener.Addr().String()
	dir := t.TempDir()
	get := func(tr *Transport) error {
		resp, err := (&http.Client{Transport: tr}).Get(reg.URL + "/v2/app/blobs/sha256:1")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	tr, _ := newTransport(t, Options{CertsDir: dir, Insecure: []string{regHost}})
	var unknown x509.UnknownAuthorityError
	if err := get(tr); !errors.As(err, &unknown) {
		t.Errorf("the registry insecure, its storage not trusted: %v, want an unknown authority", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, storageHost), 0o755); err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: storage.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, storageHost, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	tr, _ = newTransport(t, Options{CertsDir: dir, Insecure: []string{regHost}})
	if err := get(tr); err != nil {
		t.Errorf("storage trusted in certs.d/%s: %v", storageHost, err)
	}
}
