package transport

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/manifest-tool/manifest-tool/internal/units"
)

// The errors the transport hands back, each one line. [Cause] says any
// error of a registry request, these included, in plain words.

// RetryError is returned for a request that failed every attempt it was
// given.
type RetryError struct {
	Method, Path, Host string
	Status             string // "503 Service Unavailable", or "" for a network failure
	StatusCode         int    // 503, or 0 for a network failure
	Err                error  // the network failure
	Attempts           int
	// Wait is how long to wait before trying again: what the registry
	// asked for (Retry-After), or the backoff.
	Wait time.Duration
	// Prior, when set, is the request that made the transport give up on
	// the host before this one was tried again.
	Prior *RetryError
}

// Reason is the status, or the network failure in a few words.
func (e *RetryError) Reason() string {
	if e.Status != "" {
		return e.Status
	}
	return shortReason(e.Err, classify(e.Err))
}

func (e *RetryError) Error() string {
	if e.Prior != nil {
		return fmt.Sprintf("%s %s%s: %s (given up on %s after %s %s failed %d attempts)",
			e.Method, e.Host, e.Path, e.Reason(), e.Host, e.Prior.Method, e.Prior.Path, e.Prior.Attempts)
	}
	attempts := strconv.Itoa(e.Attempts) + " attempts"
	if e.Attempts == 1 {
		attempts = "1 attempt"
	}
	return fmt.Sprintf("%s %s%s: %s (%s)", e.Method, e.Host, e.Path, e.Reason(), attempts)
}

func (e *RetryError) Unwrap() error { return e.Err }

// NoAnswerError is returned for a host that took the connection and
// closed it without an HTTP answer, the first time it was asked.
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

// IdleError is returned for an attempt on which no byte moved for Limit
// (--idle-timeout): a registry that stopped sending an answer's body, or
// stopped reading a request's. It is retried as a connection reset.
type IdleError struct {
	Limit time.Duration
}

func (e *IdleError) Error() string {
	return fmt.Sprintf("stalled, no byte moved for %s (--idle-timeout)", e.Limit)
}

// DeadlineError is returned for a request cut by its context's deadline
// (--timeout) that was in flight when the deadline passed. It names that
// request, so that the user learns what the run was waiting for. A
// request tried after the deadline had passed fails with the context's
// error as it is.
type DeadlineError struct {
	Method, Host, Path string        // the request, its path without the query
	Limit              time.Duration // the time limit as given ([Options].Timeout), 0 if unknown
	Err                error         // the request's failure
}

func (e *DeadlineError) Error() string {
	limit := "--timeout"
	if e.Limit > 0 {
		limit += " " + e.Limit.String()
	}
	return "timed out (" + limit + ") during " + e.Request()
}

// Request is the request cut: "GET reg:5000/v2/app/manifests/1.0".
func (e *DeadlineError) Request() string { return e.Method + " " + e.Host + e.Path }

func (e *DeadlineError) Unwrap() error { return e.Err }

// Is makes a DeadlineError a context.DeadlineExceeded, whatever the words
// of the failure it wraps.
func (e *DeadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// BodyTimeoutError is returned for an answer, not a blob's, whose body
// was not whole when the request's time ran out ([Policy].Budget). The
// idle limit does not see a registry that sends a byte every few seconds:
// without a bound on the whole answer, such a body would hold a run for
// ever. A blob may take its time on a slow link, and has only the idle
// limit.
type BodyTimeoutError struct {
	Method, Host, Path string // the request, its path without the query
	Limit              time.Duration
}

func (e *BodyTimeoutError) Error() string {
	return fmt.Sprintf("%s %s%s: the answer's body took longer than %s", e.Method, e.Host, e.Path, e.Limit)
}

// SizeError is returned for an answer larger than the transport takes: a
// manifest (GET or HEAD of /manifests/) over the limit
// ([Options].MaxManifestSize, --max-manifest-size), or another answer
// that is not a blob's (a tag list, referrers, a token) over 32 MiB. It
// is refused before its body is read when its Content-Length says so, or
// once more than the limit was read when it does not (limits.go says why
// the transport checks this).
type SizeError struct {
	Method, Host, Path string // the request, its path without the query
	Size               int64  // as announced; -1: unsaid, and more than Limit came
	Limit              int64
	Manifest           bool // a manifest's answer, whose limit a flag raises
}

func (e *SizeError) Error() string {
	what, limit, fix := "the answer", "the limit of "+units.Format(e.Limit)+" for what is not a manifest or a blob", ""
	if e.Manifest {
		what, limit, fix = "the manifest", "the limit of "+units.Format(e.Limit), " (raise it with --max-manifest-size)"
	}
	if e.Size < 0 {
		return fmt.Sprintf("%s %s%s: %s is over %s, more was sent%s", e.Method, e.Host, e.Path, what, limit, fix)
	}
	return fmt.Sprintf("%s %s%s: %s is %d bytes, over %s%s", e.Method, e.Host, e.Path, what, e.Size, limit, fix)
}

// PlainHTTPError is returned for a request in plain HTTP that the
// transport refused to send: its host was not named to be spoken to in
// plain HTTP (--plain-http, --plain-http-registry), and no answer
// received in plain HTTP named it, or one did but that was not enough
// (plain.go says when).
type PlainHTTPError struct {
	Method string
	URL    string // without its query (an upload's state, a signature)
	Host   string // the URL's host[:port], as --plain-http-registry takes it
	// From is the host whose answer over HTTPS named the URL, when known.
	From string
	// NamedBy is the host whose answer in plain HTTP named the URL, when
	// that did not open it because the record of origins named over HTTPS
	// was full.
	NamedBy string
	// Full is the bound (origins) of the record that was full when that
	// decided the refusal: the record of origins named over HTTPS (with
	// NamedBy), or of those named in plain HTTP (an origin named past it
	// is not noted); 0 when no record was full.
	Full int
}

func (e *PlainHTTPError) Error() string {
	why := e.Host + " is not named to be spoken to in plain HTTP"
	switch {
	case e.From != "":
		why = e.From + " is spoken to over HTTPS and its answer named this http:// URL (a proxy in front of it may not forward the scheme)"
	case e.Full > 0 && e.NamedBy != "":
		why += fmt.Sprintf(", and the answer in plain HTTP of %s that named it does not open it: answers over HTTPS named %d http:// origins, the most noted, and past that no plain answer opens one", e.NamedBy, e.Full)
	case e.Full > 0:
		why += fmt.Sprintf(" (answers in plain HTTP named %d origins, the most noted: one they named past that is not)", e.Full)
	}
	return "refused to send " + e.Method + " " + e.URL + " in plain HTTP: " + why + "; --plain-http-registry " + e.Host + " would allow it"
}
