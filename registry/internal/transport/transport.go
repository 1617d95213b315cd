package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

const (
	bufferMax        = 8 << 20 // answers read whole (to retry a cut one)
	requestBufferMax = 4 << 20 // request bodies kept (to send again)
)

// Options configure a Transport. A zero field takes its default.
type Options struct {
	// Log receives a warning for each wait of a second or more, and for
	// each certificate file that cannot be used; nil: silent.
	Log *logrus.Logger
	// Insecure names the hosts (host:port, as in their URLs) whose
	// certificate is not verified.
	Insecure []string
	// CA holds PEM certificates trusted for every host (--ca-file).
	CA []byte
	// CertsDir is Docker's directory of per-host certificates,
	// <CertsDir>/<host>/*.crt, *.cert and *.key (/etc/docker/certs.d).
	CertsDir string
	// DialTimeout bounds making a connection (10 s).
	DialTimeout time.Duration
	// HeaderTimeout bounds the wait from a request sent to its answer's
	// headers (2 min).
	HeaderTimeout time.Duration
	// IdleTimeout fails an attempt on which no byte moved for that long
	// (60 s; --idle-timeout): while its body is sent, or while a read of
	// its answer's body waits. It is retried as a connection reset.
	IdleTimeout time.Duration
	// Timeout is the time limit the requests' contexts carry, as the user
	// gave it (--timeout), for a [DeadlineError] to name; the contexts
	// enforce it, not the transport.
	Timeout time.Duration
	// Retry is the retry policy; its zero fields take their defaults.
	Retry Policy
	// MaxManifestSize is the largest manifest answer taken
	// (DefaultMaxManifestSize; --max-manifest-size); see
	// [SizeError].
	MaxManifestSize int64
	// Secrets, when set, is told of each token a token server hands out
	// (see tokens.go), before the answer is handed on.
	Secrets func(...string)
	// PlainHTTP names the hosts (host[:port], as in references) that may
	// be spoken to in plain HTTP; any other http:// request is refused
	// (see plain.go), but where an answer received in plain HTTP sent it.
	PlainHTTP []string
}

// Transport is the http.RoundTripper every registry request goes through.
// It is safe for concurrent use; see the package doc for what it does.
type Transport struct {
	log           *logrus.Logger
	insecure      map[string]bool
	ca            []byte
	certsDir      string
	dialTimeout   time.Duration
	headerTimeout time.Duration
	idleTimeout   time.Duration
	timeout       time.Duration
	policy        Policy
	maxManifest   int64
	secrets       func(...string)
	plain         map[string]bool                                                   // origins that may be spoken to in plain HTTP
	plainAll      bool                                                              // tests: any origin may be
	dial          func(ctx context.Context, network, addr string) (net.Conn, error) // tests: instead of a net.Dialer

	mu      sync.Mutex
	hosts   map[string]*http.Transport
	reached map[string]bool        // hosts that have answered in this run
	down    map[string]*RetryError // hosts given up on, and the request that showed it
	flights map[*flight]bool       // requests in flight
	cut     *flight                // the request named when the last deadline passed
	handed  map[string]string      // http origins a plain-HTTP answer named -> the host that answered
	offered map[string]string      // http origins an HTTPS answer named -> the host that answered
	realms  map[string]bool        // token endpoints (origin and path) a challenge named
	// realms noted per host that challenged
	realmsBy map[string]int
}

// New makes a Transport.
func New(o Options) *Transport {
	t := &Transport{
		log:           o.Log,
		insecure:      map[string]bool{},
		ca:            o.CA,
		certsDir:      o.CertsDir,
		dialTimeout:   o.DialTimeout,
		headerTimeout: o.HeaderTimeout,
		idleTimeout:   o.IdleTimeout,
		timeout:       o.Timeout,
		policy:        o.Retry.withDefaults(),
		maxManifest:   o.MaxManifestSize,
		secrets:       o.Secrets,
		plain:         map[string]bool{},
	}
	for _, h := range o.PlainHTTP {
		t.plain[plainOrigin(h)] = true
	}
	if t.maxManifest <= 0 {
		t.maxManifest = DefaultMaxManifestSize
	}
	for _, h := range o.Insecure {
		t.insecure[h] = true
	}
	if t.log == nil {
		t.log = logrus.New()
		t.log.SetOutput(io.Discard)
	}
	if t.certsDir == "" {
		t.certsDir = "/etc/docker/certs.d"
	}
	if t.dialTimeout == 0 {
		t.dialTimeout = 10 * time.Second
	}
	if t.headerTimeout == 0 {
		t.headerTimeout = 2 * time.Minute
	}
	if t.idleTimeout <= 0 {
		t.idleTimeout = time.Minute
	}
	return t
}

// RoundTrip sends a request, and again while the retry policy says so.
func (t *Transport) RoundTrip(orig *http.Request) (*http.Response, error) {
	if err := t.checkPlain(orig); err != nil { // nothing goes out in plain HTTP that was not allowed
		if see := observerOf(orig.Context()); see != nil {
			see(orig, 0, []byte(err.Error()))
		}
		return nil, err
	}
	orig = ownCredentials(orig) // a redirect elsewhere goes without them
	first := firstOf(orig)
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
	f := &flight{method: orig.Method, host: host, path: orig.URL.Path, start: start}
	f.deadline, _ = orig.Context().Deadline()
	// an answer's body, but a blob's, must be whole within the budget
	var due time.Time
	if bounded(first.URL.Path) {
		due = start.Add(t.policy.Budget)
	}
	t.depart(f)
	closedBefore := false // an attempt met a connection closed without an answer
	for n := 1; ; n++ {
		ctx, watch := newWatchdog(orig.Context(), t.idleTimeout)
		req := watched(orig.WithContext(ctx), orig, body, watch)
		resp, err := base.RoundTrip(req)
		var rb *receiving
		var whole []byte // the body, when read whole
		if err == nil {
			watch.answered()
			if !due.IsZero() {
				watch.until(due)
			}
			t.answered(host)
			t.note(orig, resp)
			if resp.Body != nil && resp.Body != http.NoBody {
				rb = &receiving{body: resp.Body, w: watch, t: t, f: f, ctx: orig.Context(), n: n}
				if orig.Method == http.MethodGet && resp.StatusCode == http.StatusOK && resp.ContentLength > 0 && orig.Header.Get("Range") == "" {
					rb.whole, rb.size = orig, resp.ContentLength
				}
				resp.Body = rb
			}
			if limit, big := t.sizeLimit(first, resp); limit > 0 {
				switch {
				case resp.ContentLength > limit: // refused unread
					resp.Body.Close()
					err = big
				case resp.ContentLength < 0 && rb != nil:
					resp.Body = &capped{ReadCloser: rb, left: limit, err: big}
				}
			}
			if err == nil && (req.Method == "GET" || req.Method == "POST") && resp.StatusCode < 300 {
				// read a small answer whole, so that a cut one is retried here
				whole, err = buffer(resp) // a *BodyTimeoutError when the body is late
			}
		} else if watch.expired() && orig.Context().Err() == nil {
			err = &IdleError{Limit: t.idleTimeout}
		}
		now := time.Now()
		d := t.policy.decide(attempt{
			n: n, method: req.Method, scheme: req.URL.Scheme, host: host, path: req.URL.Path,
			resp: resp, err: err, cancelled: orig.Context().Err() != nil, replayable: replayable,
			spent: now.Sub(start), now: now, answered: t.hasAnswered(host), closedBefore: closedBefore, prior: prior,
		})
		if d.action == answer {
			if t.secrets != nil && resp.StatusCode < 300 && t.isRealm(first.URL) {
				if tokens := tokensIn(first.URL.Path, whole); len(tokens) > 0 {
					t.secrets(tokens...) // before anything could show them
				}
			}
			if see := observerOf(orig.Context()); see != nil {
				see(orig, resp.StatusCode, whole)
			}
			if rb != nil {
				rb.hand() // the flight ends with the body
			} else {
				watch.stop()
				t.land(f)
			}
			return resp, nil
		}
		if err == nil { // an answer to try again: read and let go
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		watch.stop()
		if d.action != retry {
			if re, ok := d.err.(*RetryError); ok && d.down {
				t.giveUp(re)
			}
			if see := observerOf(orig.Context()); see != nil && err == nil {
				see(orig, resp.StatusCode, nil) // the last answer of those given up on
			}
			return nil, t.failed(orig, f, d.err)
		}
		closedBefore = closedBefore || d.closed
		switch {
		case d.asked && d.wait >= time.Second:
			t.log.Warnf("%s asked to wait %s (Retry-After) before %s %s again; retrying", host, d.wait.Round(time.Second), req.Method, req.URL.Path)
		case d.wait >= time.Second:
			t.log.Warnf("%s %s: %s; retrying in %s", req.Method, RedactURL(req.URL.String()), d.why, d.wait.Round(100*time.Millisecond))
		default:
			t.log.Debugf("%s %s: %s; retrying in %s", req.Method, RedactURL(req.URL.String()), d.why, d.wait.Round(time.Millisecond))
		}
		if err := Sleep(orig.Context(), d.wait); err != nil {
			return nil, t.failed(orig, f, err)
		}
	}
}

// watched is req, one attempt of orig, with its body (our copy of it, or
// orig's own stream) under the watchdog.
func watched(req, orig *http.Request, body []byte, w *watchdog) *http.Request {
	switch {
	case body != nil:
		req.Body = &sending{io.NopCloser(bytes.NewReader(body)), w}
		req.GetBody = func() (io.ReadCloser, error) { return &sending{io.NopCloser(bytes.NewReader(body)), w}, nil }
	case orig.Body != nil && orig.Body != http.NoBody:
		req.Body = &sending{orig.Body, w}
		if orig.GetBody != nil {
			req.GetBody = func() (io.ReadCloser, error) {
				b, err := orig.GetBody()
				if err != nil {
					return nil, err
				}
				return &sending{b, w}, nil
			}
		}
	}
	return req
}

// failed ends request f with err: a [DeadlineError] when its context's
// deadline passed.
func (t *Transport) failed(orig *http.Request, f *flight, err error) error {
	if errors.Is(orig.Context().Err(), context.DeadlineExceeded) {
		err = t.deadlineError(f, err)
	}
	t.land(f)
	return err
}

// Sleep waits d, or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
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

// buffer reads an answer's body whole when it is small, so that a cut one
// can be retried, and returns it; a larger one is left to stream (its
// first bytes read), and nil returned.
func buffer(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > bufferMax {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, bufferMax+1))
	if err == nil && int64(len(b)) > bufferMax { // of unknown length, and large
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return nil, nil
	}
	resp.Body.Close()
	if err == nil && resp.ContentLength >= 0 && int64(len(b)) < resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (t *Transport) answered(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reached == nil {
		t.reached = map[string]bool{}
	}
	t.reached[host] = true
	delete(t.down, host)
}

func (t *Transport) giveUp(e *RetryError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down == nil {
		t.down = map[string]*RetryError{}
	}
	if t.down[e.Host] == nil {
		t.down[e.Host] = e
	}
}

func (t *Transport) isDown(host string) *RetryError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down[host]
}

func (t *Transport) hasAnswered(host string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reached[host]
}

// hostTransport returns the transport of one host (host:port), made on
// first use with that host's TLS settings.
func (t *Transport) hostTransport(host string) *http.Transport {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr, ok := t.hosts[host]; ok {
		return tr
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: t.dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	if t.dial != nil {
		tr.DialContext = t.dial
	}
	tr.ResponseHeaderTimeout = t.headerTimeout
	tr.TLSClientConfig = t.tlsConfig(host)
	if t.hosts == nil {
		t.hosts = map[string]*http.Transport{}
	}
	t.hosts[host] = tr
	return tr
}

// tlsConfig is what a host's certificate is checked against.
func (t *Transport) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	// Docker's layout: certs.d/<host:port>/ (or <host>/ on 443)
	dir := filepath.Join(t.certsDir, host)
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
	if len(t.ca) > 0 {
		extra = append(extra, t.ca)
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
