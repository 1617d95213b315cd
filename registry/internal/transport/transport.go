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

// Transport is the http.RoundTripper every registry request goes through.
// It is safe for concurrent use; see the package doc for what it does.
type Transport struct {
	stack  http.RoundTripper // the layers New composes
	policy Policy
	// the layers that hold state of the run, for the tests to look into
	hosts *hosts
	plain *plainGuard
	notes *answerNotes
}

// New makes a Transport: a stack of RoundTrippers, each with one concern,
// every request going through all of them from the top:
//
//   - originGuard (redirect.go): a redirect to another origin goes
//     without the credentials, so that neither the retries below nor
//     anything shown of the request has them;
//   - answerTap (observe.go): the final answer of a request, after its
//     retries, has its tokens told to [Options].Secrets (tokens.go) and
//     is shown to the request's [Observer], once a request, before it is
//     handed on; a request given up on or refused is shown too;
//   - retrier (retry.go): the attempts of a request, each under a
//     watchdog (watch.go, body.go), the retry policy's decision after
//     each (policy.go), and the waits between them;
//   - sizeLimits (limits.go): each attempt's answer held to its size
//     limit before the retrier reads it whole, so that one too large is
//     refused unread, not read to 8 MiB first;
//   - plainGuard (plain.go): each attempt in plain HTTP checked closest
//     to the wire, whatever built it (regclient, net/http's redirects,
//     a resume), and every answer's named origins and realms noted
//     (notes.go), those of answers that are retried too;
//   - hosts (hosts.go): each host's own connections and TLS settings,
//     and which hosts answered in this run and which were given up on.
func New(o Options) *Transport {
	o = o.withDefaults()
	t := &Transport{policy: o.Retry, notes: &answerNotes{}}
	t.hosts = newHosts(o)
	t.plain = newPlainGuard(t.hosts, o.PlainHTTP, t.notes)
	retry := &retrier{
		next:  &sizeLimits{next: t.plain, maxManifest: o.MaxManifestSize},
		hosts: t.hosts, policy: o.Retry, log: o.Log, idle: o.IdleTimeout, timeout: o.Timeout,
	}
	t.stack = originGuard{next: &answerTap{next: retry, notes: t.notes, secrets: o.Secrets}}
	retry.resend = t.stack // the rest of a cut answer is a request of its own
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
