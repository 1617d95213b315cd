package transport

import (
	"cmp"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy says how often and how long a request is tried; a zero field takes its default.
type Policy struct {
	Attempts        int           // per request, the first included (10)
	Delay, MaxDelay time.Duration // the first backoff (200 ms), doubled each attempt up to MaxDelay (5 s)
	// Budget is the time one request may take, its waits included, and an
	// answer's body that is not a blob's (2 min).
	Budget        time.Duration
	RetryAfterMax time.Duration // caps the wait a Retry-After asks for (60 s)
	// Jitter returns a duration in [0, n], uniformly random by default;
	// a backoff d becomes d + Jitter(d/2) - d/4.
	Jitter func(n time.Duration) time.Duration
}

// attempt is what one try of a request came to, and what the transport
// knows around it: all the policy decides from.
type attempt struct {
	n                          int // 1 for the first
	method, scheme, host, path string
	resp                       *http.Response // the answer, when err is nil
	err                        error          // the failure, a cut answer included
	cancelled                  bool           // the request's context is done
	replayable                 bool           // the body, if any, can be sent again
	spent                      time.Duration  // since the first attempt began
	now                        time.Time      // for a Retry-After date
	answered                   bool           // the host has answered in this run
	closedBefore               bool           // an earlier attempt met a connection closed early
	prior                      *RetryError    // the host was given up on, by this request
	optional                   bool           // a lookup with a fallback ([Optional])
	crossOrigin                bool           // a redirect to another origin than the first request's
}

// action is what the transport does after an attempt.
type action int

const (
	answer    action = iota // hand the answer back
	fail                    // hand the attempt's error back as it is
	notHTTP                 // hand back a *NoAnswerError: the host speaks no HTTP
	givenUp                 // hand back a *RetryError with Prior: the host was given up on
	retry                   // wait, then try again
	exhausted               // hand back a *RetryError: no attempt or time left
)

// decision is the policy's word on an attempt.
type decision struct {
	action action
	err    error         // what is handed back (fail, notHTTP, givenUp, exhausted)
	wait   time.Duration // retry: how long first; exhausted: the RetryError's Wait
	asked  bool          // the answer carried a Retry-After
	why    string        // the status or the failure, in a few words
	closed bool          // this attempt met a connection closed before a whole answer
	down   bool          // exhausted: give up on the host
}

// decide says what comes after attempt a. It only reads a and p (the
// jitter included), so the same attempt gets the same decision.
func (p Policy) decide(a attempt) decision {
	c := classify(a.err)
	d := decision{closed: c.is(closedEarly)}
	status, code, asked := "", 0, time.Duration(0)
	switch {
	case a.err != nil && a.cancelled:
		return decision{action: fail, err: a.err} // interrupted, or --timeout
	case a.err == nil && !slices.Contains(retryStatuses, a.resp.StatusCode):
		return decision{action: answer}
	case a.err == nil && a.notRetried() != "":
		return decision{action: fail, err: &RetryError{Method: a.method, Path: a.path, Host: a.host,
			Status: a.resp.Status, StatusCode: a.resp.StatusCode, Attempts: a.n, NotRetried: a.notRetried()}}
	case a.err == nil:
		status, code, asked = a.resp.Status, a.resp.StatusCode, p.retryAfter(a.resp.Header.Get("Retry-After"), a.now)
	case !c.transient():
		return decision{action: fail, err: a.err}
	case a.n == 1 && !a.answered && c.unreachable():
		// nothing listens (a wrong address, a registry not started)
		return decision{action: fail, err: a.err}
	case c.is(closedEarly) && !a.answered && a.n > 1 && a.closedBefore:
		// no HTTP back, twice (once could be a registry going down)
		return decision{action: notHTTP, err: &NoAnswerError{Host: a.host, Scheme: a.scheme, Err: a.err}}
	case a.prior != nil && c.unreachable():
		return decision{action: givenUp, err: &RetryError{Method: a.method, Path: a.path, Host: a.host, Err: a.err, Attempts: a.n, Prior: a.prior}}
	}
	re := &RetryError{Method: a.method, Path: a.path, Host: a.host, Status: status, StatusCode: code, Err: a.err, Attempts: a.n}
	d.wait, d.asked, d.why = max(asked, p.backoff(a.n)), asked > 0, status
	if status == "" {
		d.why = shortReason(a.err, c)
	}
	if a.n >= p.Attempts || !a.replayable || a.spent+d.wait > p.Budget {
		re.Wait = d.wait
		d.action, d.err, d.down = exhausted, re, a.replayable && c.unreachable()
		return d
	}
	d.action = retry
	return d
}

// notRetried says why an answer 429, retried as a rule, is not, or ""
// when it is:
//   - the limit is spent and nothing says when it reopens: a
//     ratelimit-remaining of 0 without Retry-After, as Docker Hub's pull
//     limit, whose window is hours (docker/docs#22916): no wait within
//     a request's budget would see it reopen;
//   - a lookup with a fallback ([Optional]) redirected to another
//     origin, which limits it: GHCR's referrers API redirects to its web
//     API (artifacthub/hub#4785); the fallback is quicker than any wait.
//
// A 429 with a Retry-After from the registry itself is waited for, within
// the request's attempts and budget.
func (a attempt) notRetried() string {
	if a.resp.StatusCode != http.StatusTooManyRequests {
		return ""
	}
	switch {
	case a.optional && a.crossOrigin:
		return "a lookup with a fallback, redirected to " + a.host + ", which limits it"
	case limitSpent(a.resp.Header) && strings.TrimSpace(a.resp.Header.Get("Retry-After")) == "":
		return "the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After)"
	}
	return ""
}

// limitSpent reports whether an answer's headers say its rate limit is
// spent: RateLimit-Remaining (Docker Hub, the IETF draft) or
// X-RateLimit-Remaining (GitHub) of 0, with or without ";w=…".
func limitSpent(h http.Header) bool {
	for _, name := range []string{"RateLimit-Remaining", "X-RateLimit-Remaining"} {
		if v, _, _ := strings.Cut(h.Get(name), ";"); v != "" && strings.TrimSpace(v) == "0" {
			return true
		}
	}
	return false
}

func (p Policy) withDefaults() Policy {
	p.Attempts = cmp.Or(p.Attempts, 10)
	p.Delay, p.MaxDelay = cmp.Or(p.Delay, 200*time.Millisecond), cmp.Or(p.MaxDelay, 5*time.Second)
	p.Budget, p.RetryAfterMax = cmp.Or(p.Budget, 2*time.Minute), cmp.Or(p.RetryAfterMax, 60*time.Second)
	if p.Jitter == nil {
		p.Jitter = func(n time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(n) + 1)) }
	}
	return p
}

// backoff is the wait after failed attempt n (1 for the first): Delay
// doubled at each attempt, capped at MaxDelay, ±25%.
func (p Policy) backoff(n int) time.Duration {
	d := p.Delay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	return d + p.Jitter(d/2) - d/4
}

// retryAfter reads a Retry-After header (seconds, or an HTTP date from now), capped.
func (p Policy) retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if at, err := http.ParseTime(h); err == nil {
		d = at.Sub(now)
	}
	return max(0, min(d, p.RetryAfterMax))
}

// retryStatuses are the answers tried again.
var retryStatuses = []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// Restartable reports whether an operation that failed with err may
// succeed when started over (a streamed upload the transport could not
// replay, a stream cut while read), and how long to wait first.
func (t *Transport) Restartable(err error) (bool, time.Duration) {
	c := classify(err)
	if c.is(digestMismatch) {
		return false, 0 // altered bytes: a fault to report, not to hide
	}
	var r *RetryError
	if errors.As(err, &r) {
		return r.Attempts < t.policy.Attempts && r.Prior == nil && r.NotRetried == "" && !c.is(connRefused), r.Wait
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || c.is(connReset), t.policy.backoff(1)
}
