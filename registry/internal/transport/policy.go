package transport

import (
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy says how often and how long a request is tried. A zero field
// takes its default.
type Policy struct {
	// Attempts per request, the first included (10: about 26 s of
	// backoff).
	Attempts int
	// Delay is the first backoff (200 ms), doubled at each attempt up to
	// MaxDelay (5 s), ±25%.
	Delay, MaxDelay time.Duration
	// Budget is the time one request may take, its attempts and waits
	// included (2 min).
	Budget time.Duration
	// RetryAfterMax caps the wait a registry may ask for at once with
	// Retry-After (60 s).
	RetryAfterMax time.Duration
	// Jitter returns a duration in [0, n], uniformly random by default;
	// a backoff d becomes d + Jitter(d/2) - d/4.
	Jitter func(n time.Duration) time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.Attempts == 0 {
		p.Attempts = 10
	}
	if p.Delay == 0 {
		p.Delay = 200 * time.Millisecond
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.Budget == 0 {
		p.Budget = 2 * time.Minute
	}
	if p.RetryAfterMax == 0 {
		p.RetryAfterMax = 60 * time.Second
	}
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

// retryAfter reads a Retry-After header, in seconds or as an HTTP date
// (from now), capped at RetryAfterMax.
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

func retryStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Restartable reports whether an operation that failed with err may
// succeed when started over: a request the transport could not replay
// (a streamed upload), or a stream cut while it was read; and how long
// to wait first.
func (t *Transport) Restartable(err error) (bool, time.Duration) {
	c := classify(err)
	if c.is(digestMismatch) {
		return false, 0 // altered bytes: a fault to report, not to hide
	}
	var r *RetryError
	if errors.As(err, &r) {
		return r.Attempts < t.policy.Attempts && r.Prior == nil && !classify(r.Err).is(connRefused), r.Wait
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || c.is(connReset), t.policy.backoff(1)
}
