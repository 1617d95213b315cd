package transport

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"
)

// Options configure a Transport. A zero field takes its default.
type Options struct {
	Log           *logrus.Logger // waits of a second or more, certificate files not used; nil: silent
	Insecure      []string       // hosts (host:port) whose certificate is not verified
	CA            []byte         // PEM certificates trusted for every host (--ca-file)
	CertsDir      string         // Docker's per-host certificates (/etc/docker/certs.d)
	DialTimeout   time.Duration  // to make a connection (10 s)
	HeaderTimeout time.Duration  // from a request sent to its answer's headers (2 min)
	IdleTimeout   time.Duration  // no byte moved (60 s; --idle-timeout): an [IdleError]
	// Timeout is the limit the requests' contexts carry (--timeout), for
	// a [DeadlineError] to name; the contexts enforce it.
	Timeout         time.Duration
	Retry           Policy
	MaxManifestSize int64           // DefaultMaxManifestSize; --max-manifest-size
	Secrets         func(...string) // told the tokens of token answers (tokens.go)
	PlainHTTP       []string        // hosts (host[:port]) that may be spoken to in plain HTTP
}

// withDefaults is o with each zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = logrus.New()
		o.Log.SetOutput(io.Discard)
	}
	o.CertsDir = cmp.Or(o.CertsDir, "/etc/docker/certs.d")
	o.DialTimeout, o.HeaderTimeout = cmp.Or(o.DialTimeout, 10*time.Second), cmp.Or(o.HeaderTimeout, 2*time.Minute)
	o.IdleTimeout = cmp.Or(max(o.IdleTimeout, 0), time.Minute)
	o.MaxManifestSize = cmp.Or(max(o.MaxManifestSize, 0), DefaultMaxManifestSize)
	o.Retry = o.Retry.withDefaults()
	return o
}

// Transport is the RoundTripper every registry request goes through, safe for concurrent use.
type Transport struct {
	stack  http.RoundTripper // the layers New composes
	policy Policy
	// the layers that hold state of the run, for the tests to look into
	hosts   *hosts
	plain   *plainGuard
	notes   *answerNotes
	passed  *passedHosts
	scopes  *scopeNotes
	refused *refusals
}

// New makes a Transport: a stack of RoundTrippers, each request going
// through all of them from the top:
//
//   - originGuard (redirect.go): a redirect to another origin goes
//     without the credentials, so that nothing below or shown has them;
//   - acceptedWrites (accept.go): a write answered with another 2xx than
//     the spec's is confirmed by its digest, then handed on as the spec's;
//   - answerTap (observe.go): a request's final answer has its tokens
//     told to [Options].Secrets, is shown to its [Observer], and notes
//     its host as passed when it is not a 401 (passed.go), and the
//     scopes of each token against the 401s it meets (scopes.go);
//   - retrier (retry.go): the attempts, each under a watchdog (watch.go,
//     body.go), the policy's decision (policy.go), the waits;
//   - sizeLimits (limits.go): each attempt's answer held to its limit
//     before the retrier reads it whole;
//   - plainGuard (plain.go): each attempt in plain HTTP checked closest
//     to the wire, whoever built it, and each answer's names noted
//     (notes.go), those of answers retried too;
//   - hosts (hosts.go): each host's connections and TLS settings, and
//     which hosts answered and which were given up on.
func New(o Options) *Transport {
	o = o.withDefaults()
	t := &Transport{policy: o.Retry, notes: &answerNotes{}, passed: &passedHosts{}, scopes: &scopeNotes{}, refused: &refusals{}}
	t.hosts = &hosts{Options: o, byHost: map[string]*http.Transport{}, answered: map[string]bool{}, down: map[string]*RetryError{}}
	t.plain = newPlainGuard(t.hosts, o.PlainHTTP, t.notes)
	retry := &retrier{Options: o, next: &sizeLimits{next: t.plain, maxManifest: o.MaxManifestSize}, hosts: t.hosts}
	t.stack = originGuard{next: acceptedWrites{next: &answerTap{next: retry, notes: t.notes, passed: t.passed, scopes: t.scopes, refused: t.refused, secrets: o.Secrets}}}
	retry.resend = t.stack
	return t
}

// RoundTrip sends a request through the stack New composed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.stack.RoundTrip(req)
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
