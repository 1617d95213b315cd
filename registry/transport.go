package registry

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/regclient/regclient/types/errs"
	"github.com/sirupsen/logrus"
)

// Retry policy.
const (
	retryAttempts    = 10               // attempts per request, the first included (about 26 s of waits)
	retryAfterMax    = 60 * time.Second // a registry may not make us wait longer
	bufferMax        = 8 << 20          // answers read whole (to retry a cut one)
	requestBufferMax = 4 << 20          // request bodies kept (to send again)
	blobAttempts     = 3                // copies of one blob started, the first included
)

// The backoff: retryDelay, doubled at each attempt up to retryMaxDelay,
// ±25% (variables for the tests).
var retryDelay, retryMaxDelay = 200 * time.Millisecond, 5 * time.Second

// certsDir is where Docker keeps a registry's extra CA certificates
// (certs.d/<host>/*.crt).
var certsDir = "/etc/docker/certs.d"

// transport is the http.RoundTripper every registry request goes through
// (regclient sends its requests here). It does what regclient leaves out:
//
//   - it retries what is transient: 408, 429, 500, 502, 503, 504, a
//     connection refused, reset or cut short, with exponential backoff and
//     jitter, honouring Retry-After in seconds or as an HTTP date (capped at
//     60 s), and warns of each wait of a second or more;
//   - it gives each host its own TLS settings: verified against the system
//     roots, /etc/docker/certs.d/<host>/*.crt and --ca-file, unless the run
//     names the host as insecure, with the client certificates of
//     certs.d/<host>/*.cert (and .key); a redirect to another host is that
//     host's.
//
// A request that still fails is an error naming method, path, host, status
// or cause, and the attempts made.
type transport struct {
	log      *logrus.Logger
	insecure map[string]bool
	extraCA  []byte // --ca-file, for every host

	mu      sync.Mutex
	hosts   map[string]*http.Transport
	reached map[string]bool        // hosts that have answered in this run
	down    map[string]*RetryError // hosts given up on, and the request that showed it
}

// RetryError is a request that failed every attempt.
type RetryError struct {
	Method, Path, Host string
	Status             string // "503 Service Unavailable", or "" for a network failure
	Err                error  // the network failure
	Attempts           int
}

func (e *RetryError) Error() string {
	what := e.Status
	if what == "" {
		what = netCause(e.Err)
	}
	return fmt.Sprintf("%s %s%s: %s (%d attempt%s)", e.Method, e.Host, e.Path, what, e.Attempts, map[bool]string{true: "s"}[e.Attempts > 1])
}

func (e *RetryError) Unwrap() error { return e.Err }

func (t *transport) RoundTrip(orig *http.Request) (*http.Response, error) {
	base := t.hostTransport(orig.URL.Host)
	// a body is sent again only from our own copy of it (a request's
	// GetBody may hand back a reader already read); a large one streams
	// once, and the operation it belongs to starts over instead
	body, replayable, err := bodyOf(orig)
	if err != nil {
		return nil, err
	}
	req := orig
	// a host given up on (every attempt of a request failed to reach it)
	// gets one more try per request, not a full round of waits
	gaveUp := t.isDown(orig.URL.Host)
	for attempt := 1; ; attempt++ {
		if body != nil {
			req = orig.Clone(orig.Context())
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := base.RoundTrip(req)
		if err == nil {
			t.answered(req.URL.Host)
		} else if gaveUp != nil && transient(err) {
			return nil, gaveUp // the same failure, said by the request that met it first
		} else if attempt == 1 && errors.Is(err, syscall.ECONNREFUSED) && !t.hasAnswered(req.URL.Host) {
			// nothing listens there: a wrong address or a registry that is
			// not started, said at once; a registry that answered before
			// and now refuses may be restarting, and is waited for
			return nil, err
		}
		if err == nil && (req.Method == "GET" || req.Method == "POST") && resp.StatusCode < 300 && resp.ContentLength >= 0 && resp.ContentLength <= bufferMax {
			// read a small answer whole, so that a cut one is retried here
			err = buffer(resp)
		}
		status, wait := "", time.Duration(0)
		switch {
		case err != nil && req.Context().Err() != nil:
			return nil, err
		case err != nil && !transient(err):
			return nil, err
		case err == nil && !retryStatus(resp.StatusCode):
			return resp, nil
		case err == nil:
			status = resp.Status
			wait = retryAfter(resp.Header.Get("Retry-After"))
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if attempt == retryAttempts || !replayable {
			re := &RetryError{Method: req.Method, Path: req.URL.Path, Host: req.URL.Host, Status: status, Err: err, Attempts: attempt}
			if attempt == retryAttempts && err != nil {
				t.giveUp(re)
			}
			return nil, re
		}
		backoff := retryDelay << (attempt - 1)
		backoff = min(backoff, retryMaxDelay)
		backoff += time.Duration(rand.Int64N(int64(backoff)/2+1)) - backoff/4 // ±25%
		asked := wait > 0
		wait = max(wait, backoff)
		what := status
		if what == "" {
			what = netCause(err)
		}
		switch {
		case asked && wait >= time.Second:
			t.log.Warnf("%s asked to wait %s (Retry-After) before %s %s again; retrying", req.URL.Host, wait.Round(time.Second), req.Method, req.URL.Path)
		case wait >= time.Second:
			t.log.Warnf("%s %s: %s; retrying in %s", req.Method, redactURL(req.URL.String()), what, wait.Round(100*time.Millisecond))
		default:
			t.log.Debugf("%s %s: %s; retrying in %s", req.Method, redactURL(req.URL.String()), what, wait.Round(time.Millisecond))
		}
		select {
		case <-time.After(wait):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}

// bodyOf reads a request's body, when it has one of a known size small
// enough to keep, so that it can be sent again.
func bodyOf(req *http.Request) (body []byte, replayable bool, err error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return nil, true, nil
	case req.ContentLength <= 0 || req.ContentLength > requestBufferMax: // 0 with a body: unknown
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(req.Body, req.ContentLength+1))
	req.Body.Close()
	if err == nil && int64(len(body)) != req.ContentLength {
		err = fmt.Errorf("a request body of %d bytes where %d were announced: %w", len(body), req.ContentLength, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, false, err
	}
	return body, true, nil
}

func (t *transport) answered(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reached == nil {
		t.reached = map[string]bool{}
	}
	t.reached[host] = true
	delete(t.down, host)
}

func (t *transport) giveUp(e *RetryError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down == nil {
		t.down = map[string]*RetryError{}
	}
	if t.down[e.Host] == nil {
		t.down[e.Host] = e
	}
}

func (t *transport) isDown(host string) *RetryError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down[host]
}

func (t *transport) hasAnswered(host string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reached[host]
}

// restartable reports whether an operation that failed with err may
// succeed when started over: a request the transport could not replay
// (a streamed upload), or a stream cut while it was read.
func restartable(err error) bool {
	if errors.Is(err, errs.ErrDigestMismatch) {
		return false // altered bytes: a fault to report, not to hide
	}
	var r *RetryError
	if errors.As(err, &r) {
		return r.Attempts < retryAttempts
	}
	return transient(err)
}

// buffer reads an answer's body whole, so that a cut can be retried.
func buffer(resp *http.Response) error {
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.ContentLength >= 0 && int64(len(b)) < resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return err
}

func retryStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transient reports whether a network failure may go away on its own.
func transient(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	case errors.As(err, new(textproto.ProtocolError)):
		return true // an answer cut inside its headers
	}
	// an answer cut inside its status line, or a connection that broke
	// while the request was sent (net/http says so only in words)
	msg := err.Error()
	return strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "transport connection broken")
}

// netCause says what went wrong with a connection, in a word or two.
func netCause(err error) string {
	switch {
	case err == nil:
		return "no answer"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed early (EOF)"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	if transient(err) { // see transient: an answer cut or a connection broken
		return "connection broken mid-answer"
	}
	return redactText(err.Error())
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at retryAfterMax.
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if at, err := http.ParseTime(h); err == nil {
		d = time.Until(at)
	}
	return max(0, min(d, retryAfterMax))
}

// hostTransport returns the transport of one host (host:port), made on
// first use with that host's TLS settings.
func (t *transport) hostTransport(host string) *http.Transport {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr, ok := t.hosts[host]; ok {
		return tr
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = t.tlsConfig(host)
	if t.hosts == nil {
		t.hosts = map[string]*http.Transport{}
	}
	t.hosts[host] = tr
	return tr
}

// tlsConfig is what a host's certificate is checked against.
func (t *transport) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.insecure[host] {
		cfg.InsecureSkipVerify = true // #nosec G402 -- the user named this host --insecure
		return cfg
	}
	var extra [][]byte
	if len(t.extraCA) > 0 {
		extra = append(extra, t.extraCA)
	}
	dirs := []string{filepath.Join(certsDir, host)}
	if h, _, err := net.SplitHostPort(host); err == nil && h != host {
		dirs = append(dirs, filepath.Join(certsDir, h))
	}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				extra = append(extra, b)
			} else {
				t.log.Warnf("reading %s: %v", f, err)
			}
		}
		// a client certificate: NAME.cert with its key NAME.key
		certs, _ := filepath.Glob(filepath.Join(dir, "*.cert"))
		for _, f := range certs {
			pair, err := tls.LoadX509KeyPair(f, strings.TrimSuffix(f, ".cert")+".key")
			if err != nil {
				t.log.Warnf("client certificate %s: %v", f, err)
				continue
			}
			cfg.Certificates = append(cfg.Certificates, pair)
		}
	}
	if len(extra) == 0 {
		return cfg // the system roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, pem := range extra {
		pool.AppendCertsFromPEM(pem)
	}
	cfg.RootCAs = pool
	return cfg
}
