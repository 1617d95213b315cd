package transport

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

// respond is an answer with code, and a Retry-After when one is given.
func respond(code int, retryAfter ...string) *http.Response {
	h := http.Header{}
	for _, v := range retryAfter {
		h.Set("Retry-After", v)
	}
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Header: h}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	// no jitter: the backoff after attempt n is 200 ms doubled n-1 times, at most 5 s
	p := Policy{Jitter: func(n time.Duration) time.Duration { return n / 2 }}.withDefaults()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	noRoute := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	prior := &RetryError{Method: "GET", Path: "/v2/", Host: "reg:5000", Err: refused, Attempts: 10}
	tests := []struct {
		name string
		edit func(a *attempt) // on the first attempt of GET http://reg:5000/v2/x, no body, to a host that answered before
		want decision
		err  string // the text of want.err, when it is made by decide
	}{
		// answers
		{"200 is the answer", func(a *attempt) { a.resp = respond(200) }, decision{action: answer}, ""},
		{"404 is the answer", func(a *attempt) { a.resp = respond(404) }, decision{action: answer}, ""},
		{"401 is the answer", func(a *attempt) { a.resp = respond(401) }, decision{action: answer}, ""},
		{"an answer after the context ended", func(a *attempt) { a.resp = respond(200); a.cancelled = true }, decision{action: answer}, ""},

		// statuses tried again, with backoff
		{"408", func(a *attempt) { a.resp = respond(408) }, decision{action: retry, wait: 200 * time.Millisecond, why: "408 Request Timeout"}, ""},
		{"429", func(a *attempt) { a.resp = respond(429) }, decision{action: retry, wait: 200 * time.Millisecond, why: "429 Too Many Requests"}, ""},
		{"500", func(a *attempt) { a.resp = respond(500) }, decision{action: retry, wait: 200 * time.Millisecond, why: "500 Internal Server Error"}, ""},
		{"502", func(a *attempt) { a.resp = respond(502) }, decision{action: retry, wait: 200 * time.Millisecond, why: "502 Bad Gateway"}, ""},
		{"503", func(a *attempt) { a.resp = respond(503) }, decision{action: retry, wait: 200 * time.Millisecond, why: "503 Service Unavailable"}, ""},
		{"504", func(a *attempt) { a.resp = respond(504) }, decision{action: retry, wait: 200 * time.Millisecond, why: "504 Gateway Timeout"}, ""},
		{"501 is the answer", func(a *attempt) { a.resp = respond(501) }, decision{action: answer}, ""},
		{"the backoff doubles", func(a *attempt) { a.n = 3; a.resp = respond(503) }, decision{action: retry, wait: 800 * time.Millisecond, why: "503 Service Unavailable"}, ""},
		{"the backoff is capped", func(a *attempt) { a.n = 9; a.resp = respond(503) }, decision{action: retry, wait: 5 * time.Second, why: "503 Service Unavailable"}, ""},
		{"a 503 after the context ended waits (the wait sees the context)", func(a *attempt) { a.resp = respond(503); a.cancelled = true }, decision{action: retry, wait: 200 * time.Millisecond, why: "503 Service Unavailable"}, ""},

		// Retry-After
		{"Retry-After longer than the backoff", func(a *attempt) { a.resp = respond(429, "3") }, decision{action: retry, wait: 3 * time.Second, asked: true, why: "429 Too Many Requests"}, ""},
		{"Retry-After shorter than the backoff", func(a *attempt) { a.n = 9; a.resp = respond(429, "1") }, decision{action: retry, wait: 5 * time.Second, asked: true, why: "429 Too Many Requests"}, ""},
		{"Retry-After capped", func(a *attempt) { a.resp = respond(503, "3600") }, decision{action: retry, wait: time.Minute, asked: true, why: "503 Service Unavailable"}, ""},
		{"Retry-After as a date", func(a *attempt) { a.resp = respond(429, now.Add(10*time.Second).Format(http.TimeFormat)) }, decision{action: retry, wait: 10 * time.Second, asked: true, why: "429 Too Many Requests"}, ""},
		{"Retry-After unreadable", func(a *attempt) { a.resp = respond(429, "soon") }, decision{action: retry, wait: 200 * time.Millisecond, why: "429 Too Many Requests"}, ""},

		// a 429 not waited for
		{"a rate limit spent, no Retry-After", func(a *attempt) { a.resp = respond(429); a.resp.Header.Set("RateLimit-Remaining", "0;w=21600") }, decision{action: fail},
			"GET reg:5000/v2/x: 429 Too Many Requests, not retried: the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After)"},
		{"a rate limit spent, GitHub's header", func(a *attempt) { a.resp = respond(429); a.resp.Header.Set("X-RateLimit-Remaining", "0") }, decision{action: fail},
			"GET reg:5000/v2/x: 429 Too Many Requests, not retried: the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After)"},
		{"a rate limit spent, with Retry-After", func(a *attempt) { a.resp = respond(429, "2"); a.resp.Header.Set("RateLimit-Remaining", "0") }, decision{action: retry, wait: 2 * time.Second, asked: true, why: "429 Too Many Requests"}, ""},
		{"a rate limit not spent", func(a *attempt) { a.resp = respond(429); a.resp.Header.Set("RateLimit-Remaining", "10;w=21600") }, decision{action: retry, wait: 200 * time.Millisecond, why: "429 Too Many Requests"}, ""},
		{"a 503 with a rate limit spent", func(a *attempt) { a.resp = respond(503); a.resp.Header.Set("RateLimit-Remaining", "0") }, decision{action: retry, wait: 200 * time.Millisecond, why: "503 Service Unavailable"}, ""},
		{"an optional lookup redirected to another origin", func(a *attempt) { a.resp = respond(429); a.optional, a.crossOrigin = true, true }, decision{action: fail},
			"GET reg:5000/v2/x: 429 Too Many Requests, not retried: a lookup with a fallback, redirected to reg:5000, which limits it"},
		{"an optional lookup at its own origin", func(a *attempt) { a.resp = respond(429); a.optional = true }, decision{action: retry, wait: 200 * time.Millisecond, why: "429 Too Many Requests"}, ""},
		{"a lookup without fallback redirected to another origin", func(a *attempt) { a.resp = respond(429); a.crossOrigin = true }, decision{action: retry, wait: 200 * time.Millisecond, why: "429 Too Many Requests"}, ""},

		// failures handed back as they are
		{"interrupted", func(a *attempt) { a.err = fmt.Errorf("x: %w", context.Canceled); a.cancelled = true }, decision{action: fail}, ""},
		{"a reset after the context ended", func(a *attempt) { a.err = reset; a.cancelled = true }, decision{action: fail}, ""},
		{"timed out (--timeout) while sending", func(a *attempt) { a.err = fmt.Errorf("x: %w", context.DeadlineExceeded); a.cancelled = true }, decision{action: fail}, ""},
		{"not transient: a certificate", func(a *attempt) { a.err = x509.UnknownAuthorityError{} }, decision{action: fail}, ""},
		{"refused by a host that never answered", func(a *attempt) { a.err = refused; a.answered = false }, decision{action: fail}, ""},
		{"no route to a host that never answered", func(a *attempt) { a.err = noRoute; a.answered = false }, decision{action: fail}, ""},

		// failures tried again
		{"refused by a host that answered before", func(a *attempt) { a.err = refused }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection refused"}, ""},
		{"refused again by a host that never answered", func(a *attempt) { a.n = 2; a.err = refused; a.answered = false }, decision{action: retry, wait: 400 * time.Millisecond, why: "connection refused"}, ""},
		{"reset", func(a *attempt) { a.err = reset }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection reset"}, ""},
		{"broken", func(a *attempt) { a.err = syscall.EPIPE }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection broken"}, ""},
		// net/http closed the connection under a write when the registry
		// closed its side: "write tcp …: use of closed network connection"
		{"closed under a write", func(a *attempt) { a.err = &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed} }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection broken"}, ""},
		// a body sent with sendfile: "readfrom tcp …: write tcp …: use of closed network connection"
		{"closed under a body's write", func(a *attempt) {
			a.err = &net.OpError{Op: "readfrom", Net: "tcp", Err: &net.OpError{Op: "write", Net: "tcp", Err: net.ErrClosed}}
		}, decision{action: retry, wait: 200 * time.Millisecond, why: "connection broken"}, ""},
		{"timed out", func(a *attempt) { a.err = &url.Error{Op: "Get", URL: "http://reg:5000/v2/x", Err: timeout{}} }, decision{action: retry, wait: 200 * time.Millisecond, why: "timed out"}, ""},
		{"a network timeout", func(a *attempt) { a.err = &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded} }, decision{action: retry, wait: 200 * time.Millisecond, why: "timed out"}, ""},
		{"stalled", func(a *attempt) { a.err = &IdleError{Limit: time.Minute} }, decision{action: retry, wait: 200 * time.Millisecond, why: "stalled, no byte moved for 1m0s (--idle-timeout)"}, ""},
		{"stalled by a host that never answered", func(a *attempt) { a.err = &IdleError{Limit: time.Minute}; a.answered = false }, decision{action: retry, wait: 200 * time.Millisecond, why: "stalled, no byte moved for 1m0s (--idle-timeout)"}, ""},
		{"a cut answer", func(a *attempt) { a.resp = respond(200); a.err = io.ErrUnexpectedEOF }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection closed before a whole answer", closed: true}, ""},
		{"closed at once by a host that never answered", func(a *attempt) { a.err = io.EOF; a.answered = false }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection closed before a whole answer", closed: true}, ""},
		{"closed on a second attempt, the first refused", func(a *attempt) { a.n = 2; a.err = io.EOF; a.answered = false }, decision{action: retry, wait: 400 * time.Millisecond, why: "connection closed before a whole answer", closed: true}, ""},
		{"closed twice by a host that answered before", func(a *attempt) { a.n = 2; a.err = io.EOF; a.closedBefore = true }, decision{action: retry, wait: 400 * time.Millisecond, why: "connection closed before a whole answer", closed: true}, ""},

		// a host that speaks no HTTP
		{"closed twice by a host that never answered", func(a *attempt) { a.n = 2; a.err = io.EOF; a.answered = false; a.closedBefore = true }, decision{action: notHTTP},
			"reg:5000 closed the connection without an HTTP answer (if it serves HTTPS, drop --plain-http for it)"},
		{"closed twice, over HTTPS", func(a *attempt) {
			a.n = 2
			a.scheme = "https"
			a.err = io.EOF
			a.answered = false
			a.closedBefore = true
		}, decision{action: notHTTP},
			"reg:5000 closed the connection without an HTTP answer"},

		// a host given up on
		{"given up on, and still unreachable", func(a *attempt) { a.method = "PUT"; a.path = "/v2/other"; a.err = refused; a.prior = prior }, decision{action: givenUp},
			"PUT reg:5000/v2/other: connection refused (given up on reg:5000 after GET /v2/ failed 10 attempts)"},
		{"given up on, but an answer", func(a *attempt) { a.resp = respond(503); a.prior = prior }, decision{action: retry, wait: 200 * time.Millisecond, why: "503 Service Unavailable"}, ""},
		{"given up on, but reset", func(a *attempt) { a.err = reset; a.prior = prior }, decision{action: retry, wait: 200 * time.Millisecond, why: "connection reset"}, ""},

		// no attempt or time left
		{"the last attempt", func(a *attempt) { a.n = 10; a.resp = respond(503) }, decision{action: exhausted, wait: 5 * time.Second, why: "503 Service Unavailable"},
			"GET reg:5000/v2/x: 503 Service Unavailable (10 attempts)"},
		{"the last attempt asked to wait", func(a *attempt) { a.n = 10; a.resp = respond(429, "30") }, decision{action: exhausted, wait: 30 * time.Second, asked: true, why: "429 Too Many Requests"},
			"GET reg:5000/v2/x: 429 Too Many Requests (10 attempts)"},
		{"the last attempt, unreachable: the host is given up on", func(a *attempt) { a.n = 10; a.err = refused }, decision{action: exhausted, wait: 5 * time.Second, why: "connection refused", down: true},
			"GET reg:5000/v2/x: connection refused (10 attempts)"},
		{"the last attempt, reset: the host is kept", func(a *attempt) { a.n = 10; a.err = reset }, decision{action: exhausted, wait: 5 * time.Second, why: "connection reset"},
			"GET reg:5000/v2/x: connection reset (10 attempts)"},
		{"the last attempt, cut", func(a *attempt) { a.n = 10; a.err = io.ErrUnexpectedEOF }, decision{action: exhausted, wait: 5 * time.Second, why: "connection closed before a whole answer", closed: true},
			"GET reg:5000/v2/x: connection closed before a whole answer (10 attempts)"},
		{"the last attempt, stalled", func(a *attempt) { a.n = 10; a.err = &IdleError{Limit: 300 * time.Millisecond} }, decision{action: exhausted, wait: 5 * time.Second, why: "stalled, no byte moved for 300ms (--idle-timeout)"},
			"GET reg:5000/v2/x: stalled, no byte moved for 300ms (--idle-timeout) (10 attempts)"},
		{"a stream stalled", func(a *attempt) { a.method = "PUT"; a.err = &IdleError{Limit: time.Minute}; a.replayable = false }, decision{action: exhausted, wait: 200 * time.Millisecond, why: "stalled, no byte moved for 1m0s (--idle-timeout)"},
			"PUT reg:5000/v2/x: stalled, no byte moved for 1m0s (--idle-timeout) (1 attempt)"},
		{"a body that cannot be sent again", func(a *attempt) { a.method = "PUT"; a.resp = respond(503); a.replayable = false }, decision{action: exhausted, wait: 200 * time.Millisecond, why: "503 Service Unavailable"},
			"PUT reg:5000/v2/x: 503 Service Unavailable (1 attempt)"},
		{"a body that cannot be sent again, unreachable: the host is kept", func(a *attempt) { a.method = "PUT"; a.err = refused; a.replayable = false }, decision{action: exhausted, wait: 200 * time.Millisecond, why: "connection refused"},
			"PUT reg:5000/v2/x: connection refused (1 attempt)"},
		{"out of time", func(a *attempt) { a.n = 2; a.resp = respond(503); a.spent = 2*time.Minute - 399*time.Millisecond }, decision{action: exhausted, wait: 400 * time.Millisecond, why: "503 Service Unavailable"},
			"GET reg:5000/v2/x: 503 Service Unavailable (2 attempts)"},
		{"just in time", func(a *attempt) { a.n = 2; a.resp = respond(503); a.spent = 2*time.Minute - 400*time.Millisecond }, decision{action: retry, wait: 400 * time.Millisecond, why: "503 Service Unavailable"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := attempt{n: 1, method: "GET", scheme: "http", host: "reg:5000", path: "/v2/x", replayable: true, answered: true, now: now}
			tc.edit(&a)
			got := p.decide(a)
			switch {
			case tc.err != "":
				if got.err == nil || got.err.Error() != tc.err {
					t.Errorf("error %v, want %q", got.err, tc.err)
				}
			case got.action == fail:
				if got.err != a.err {
					t.Errorf("error %v, want the attempt's own %v", got.err, a.err)
				}
			case got.err != nil:
				t.Errorf("error %v, want none", got.err)
			}
			got.err = nil
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	p := Policy{}.withDefaults()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name, h string
		want    time.Duration
	}{
		{"none", "", 0},
		{"seconds", "3", 3 * time.Second},
		{"seconds with spaces", " 20 ", 20 * time.Second},
		{"negative", "-4", 0},
		{"capped", "3600", 60 * time.Second},
		{"not a number or a date", "soon", 0},
		{"a date", date(10 * time.Second), 10 * time.Second},
		{"a date past", date(-time.Hour), 0},
		{"a date far ahead, capped", date(24 * time.Hour), 60 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := p.retryAfter(tc.h, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %s, want %s", tc.h, got, tc.want)
			}
		})
	}
}

// The backoff moves by up to ±25% with the jitter.
func TestBackoff(t *testing.T) {
	t.Parallel()
	low := Policy{Jitter: func(time.Duration) time.Duration { return 0 }}.withDefaults()
	high := Policy{Jitter: func(n time.Duration) time.Duration { return n }}.withDefaults()
	tests := []struct {
		name     string
		n        int
		min, max time.Duration
	}{
		{"after the first attempt", 1, 150 * time.Millisecond, 250 * time.Millisecond},
		{"after the second", 2, 300 * time.Millisecond, 500 * time.Millisecond},
		{"after the fifth", 5, 2400 * time.Millisecond, 4 * time.Second},
		{"capped after the sixth", 6, 3750 * time.Millisecond, 6250 * time.Millisecond},
		{"capped after the ninth", 9, 3750 * time.Millisecond, 6250 * time.Millisecond},
	}
	random := Policy{}.withDefaults()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := low.backoff(tc.n); got != tc.min {
				t.Errorf("the least backoff(%d) = %s, want %s", tc.n, got, tc.min)
			}
			if got := high.backoff(tc.n); got != tc.max {
				t.Errorf("the most backoff(%d) = %s, want %s", tc.n, got, tc.max)
			}
			for range 100 {
				if got := random.backoff(tc.n); got < tc.min || got > tc.max {
					t.Fatalf("backoff(%d) = %s, out of %s..%s", tc.n, got, tc.min, tc.max)
				}
			}
		})
	}
}
