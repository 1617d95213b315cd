package registry

import (
	"bytes"
	"context"
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

	"github.com/manifest-tool/manifest-tool/manifest"
)

// Retry policy.
const (
	retryAttempts    = 10               // attempts per request, the first included (about 26 s of backoff)
	retryAfterMax    = 60 * time.Second // a registry may not make us wait longer at once
	bufferMax        = 8 << 20          // answers read whole (to retry a cut one)
	requestBufferMax = 4 << 20          // request bodies kept (to send again)
	blobAttempts     = 5                // copies of one blob started, the first included
)

// Time limits (variables for the tests): the backoff, retryDelay doubled
// at each attempt up to retryMaxDelay, ±25%; the time one request may
// take, its attempts and waits included; to connect; from a request sent
// to its answer's headers.
var (
	retryDelay, retryMaxDelay = 200 * time.Millisecond, 5 * time.Second
	retryBudget               = 2 * time.Minute
	dialTimeout               = 10 * time.Second
	headerTimeout             = 2 * time.Minute
)

// certsDir is where Docker keeps a registry's extra CA certificates
// (certs.d/<host>/*.crt).
var certsDir = "/etc/docker/certs.d"

// transport is the http.RoundTripper every registry request goes through
// (regclient sends its requests here). It does what regclient leaves out:
//
//   - it retries what is transient: 408, 429, 500, 502, 503, 504, a
//     connection refused, reset or cut short, a timeout, with exponential
//     backoff and jitter, honouring Retry-After in seconds or as an HTTP
//     date (capped at 60 s), and warns of each wait of a second or more;
//     one request gets at most 10 attempts and 2 minutes;
//   - it says at once that a host which never answered cannot be reached,
//     and gives up on a host once a request has used every attempt
//     without reaching it (the other requests try it once more each);
//   - it gives each host its own TLS settings: verified against the system
//     roots, /etc/docker/certs.d/<host>/*.crt and --ca-file, unless the run
//     names the host as insecure, with the client certificates of
//     certs.d/<host>/*.cert (and .key); a redirect to another host is that
//     host's.
//
// A request that still fails is a RetryError naming method, host, path,
// status or cause, and the attempts made.
type transport struct {
	log      *logrus.Logger
	insecure map[string]bool
	extraCA  []byte // --ca-file, for every host

	mu      sync.Mutex
	hosts   map[string]*http.Transport
	reached map[string]bool        // hosts that have answered in this run
	down    map[string]*RetryError // hosts given up on, and the request that showed it
}

// RetryError is a request that failed every attempt it was given.
type RetryError struct {
	Method, Path, Host string
	Status             string // "503 Service Unavailable", or "" for a network failure
	Err                error  // the network failure
	Attempts           int
	// Wait is how long to wait before trying again: what the registry
	// asked for (Retry-After), or the backoff.
	Wait time.Duration
	// Prior, when set, is the request that made the transport give up on
	// the host before this one was tried again.
	Prior *RetryError
}

// what is the status, or the network failure in a few words.
func (e *RetryError) what() string {
	if e.Status != "" {
		return e.Status
	}
	return netCause(e.Err)
}

func (e *RetryError) Error() string {
	if e.Prior != nil {
		return fmt.Sprintf("%s %s%s: %s (given up on %s after %s %s failed %d attempts)",
			e.Method, e.Host, e.Path, e.what(), e.Host, e.Prior.Method, e.Prior.Path, e.Prior.Attempts)
	}
	return fmt.Sprintf("%s %s%s: %s (%s)", e.Method, e.Host, e.Path, e.what(), manifest.Plural(e.Attempts, "attempt"))
}

func (e *RetryError) Unwrap() error { return e.Err }

// NoAnswerError is a host that took the connection and closed it without
// an HTTP answer, the first time it was asked.
type NoAnswerError struct {
	Host, Scheme string
	Err          error
}

func (e *NoAnswerError) Error() string {
	if e.Scheme == "http" {
		return e.Host + " closed the connection without an HTTP answer (if it serves HTTPS, drop --plain-http for it)"
	}
	return e.Host + " closed the connection without an HTTP answer"
}

func (e *NoAnswerError) Unwrap() error { return e.Err }

func (t *transport) RoundTrip(orig *http.Request) (*http.Response, error) {
	host := orig.URL.Host
	base := t.hostTransport(host)
	// a body is sent again only from our own copy of it (a request's
	// GetBody may hand back a reader already read); a large one streams
	// once, and the operation it belongs to starts over instead
	body, replayable, err := bodyOf(orig)
	if err != nil {
		return nil, err
	}
	prior := t.isDown(host)
	start := time.Now()
	closedBefore := false // an attempt met a connection closed without an answer
	for attempt := 1; ; attempt++ {
		req := orig
		if body != nil {
			req = orig.Clone(orig.Context())
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := base.RoundTrip(req)
		if err == nil {
			t.answered(host)
			if (req.Method == "GET" || req.Method == "POST") && resp.StatusCode < 300 {
				// read a small answer whole, so that a cut one is retried here
				err = buffer(resp)
			}
		}
		if err != nil && orig.Context().Err() != nil {
			return nil, err // cancelled, or --timeout
		}
		var status string
		var asked time.Duration
		switch {
		case err == nil && !retryStatus(resp.StatusCode):
			return resp, nil
		case err == nil:
			status, asked = resp.Status, retryAfter(resp.Header.Get("Retry-After"))
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		case !transient(err):
			return nil, err
		case attempt == 1 && !t.hasAnswered(host) && unreachable(err):
			// nothing listens there (a wrong address, a registry not
			// started): said at once
			return nil, err
		case closedEarly(err) && !t.hasAnswered(host) && attempt > 1 && closedBefore:
			// something listens, but does not speak HTTP back, twice (once
			// could be a registry going down as other requests meet it)
			return nil, &NoAnswerError{Host: host, Scheme: req.URL.Scheme, Err: err}
		case prior != nil && unreachable(err):
			return nil, &RetryError{Method: req.Method, Path: req.URL.Path, Host: host, Err: err, Attempts: attempt, Prior: prior}
		}
		closedBefore = closedBefore || err != nil && closedEarly(err)
		wait := max(asked, backoff(attempt))
		if attempt == retryAttempts || !replayable || time.Since(start)+wait > retryBudget {
			re := &RetryError{Method: req.Method, Path: req.URL.Path, Host: host, Status: status, Err: err, Attempts: attempt, Wait: wait}
			if replayable && err != nil && unreachable(err) {
				t.giveUp(re)
			}
			return nil, re
		}
		what := (&RetryError{Status: status, Err: err}).what()
		switch {
		case asked > 0 && wait >= time.Second:
			t.log.Warnf("%s asked to wait %s (Retry-After) before %s %s again; retrying", host, wait.Round(time.Second), req.Method, req.URL.Path)
		case wait >= time.Second:
			t.log.Warnf("%s %s: %s; retrying in %s", req.Method, redactURL(req.URL.String()), what, wait.Round(100*time.Millisecond))
		default:
			t.log.Debugf("%s %s: %s; retrying in %s", req.Method, redactURL(req.URL.String()), what, wait.Round(time.Millisecond))
		}
		if err := sleep(orig.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// backoff is the wait after a failed attempt: retryDelay doubled at each
// attempt, capped, ±25%.
func backoff(attempt int) time.Duration {
	d := min(retryDelay<<(attempt-1), retryMaxDelay)
	return d + time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
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

// unanswered reports whether err says a request got no answer (as
// opposed to an answer such as 404): the registry could not be asked.
func unanswered(err error) bool {
	return errors.As(err, new(*RetryError)) || errors.As(err, new(*NoAnswerError)) || unreachable(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// restartable reports whether an operation that failed with err may
// succeed when started over: a request the transport could not replay
// (a streamed upload), or a stream cut while it was read; and how long
// to wait first.
func restartable(err error) (bool, time.Duration) {
	if errors.Is(err, errs.ErrDigestMismatch) {
		return false, 0 // altered bytes: a fault to report, not to hide
	}
	var r *RetryError
	if errors.As(err, &r) {
		return r.Attempts < retryAttempts && r.Prior == nil && !errors.Is(r.Err, syscall.ECONNREFUSED), r.Wait
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET), backoff(1)
}

// buffer reads an answer's body whole when it is small, so that a cut one
// can be retried; a larger one is left to stream (its first bytes read).
func buffer(resp *http.Response) error {
	if resp.ContentLength > bufferMax {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, bufferMax+1))
	if err == nil && int64(len(b)) > bufferMax { // of unknown length, and large
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return nil
	}
	resp.Body.Close()
	if err == nil && resp.ContentLength >= 0 && int64(len(b)) < resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return err
}

type readCloser struct {
	io.Reader
	io.Closer
}

func retryStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transient reports whether a failure net/http returned for one attempt
// may go away on its own. (It reads the error's words too, so it is for
// the transport's own errors, not for a registry's answers.)
func transient(err error) bool {
	var ne net.Error
	switch {
	case unreachable(err), closedEarly(err), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return false
}

// unreachable: the connection could not be made.
func unreachable(err error) bool {
	var oe *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &oe) && oe.Op == "dial"
}

// closedEarly: the connection ended before a whole answer came: at once,
// or inside the status line, the headers or the body.
func closedEarly(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(textproto.ProtocolError)) {
		return true
	}
	// net/http says these only in words
	msg := err.Error()
	return strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "transport connection broken")
}

// netCause says what went wrong with a connection, in a few words.
func netCause(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "no answer"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "connection broken"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case closedEarly(err):
		return "connection closed before a whole answer"
	case unreachable(err):
		return "cannot connect"
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
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = headerTimeout
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
	// Docker's layout: certs.d/<host:port>/ (or <host>/ on 443)
	dir := filepath.Join(certsDir, host)
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
	if t.insecure[host] {
		cfg.InsecureSkipVerify = true // #nosec G402 -- the user named this host --insecure
		return cfg
	}
	var extra [][]byte
	if len(t.extraCA) > 0 {
		extra = append(extra, t.extraCA)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			extra = append(extra, b)
		} else {
			t.log.Warnf("reading %s: %v", f, err)
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
