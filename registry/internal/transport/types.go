package transport

import (
	"context"
	"fmt"
	"time"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/internal/units"
)

// RetryError is returned for a request that failed every attempt it was given.
type RetryError struct {
	Method, Path, Host string
	Status             string // "503 Service Unavailable", or "" for a network failure
	StatusCode         int    // 503, or 0 for a network failure
	Err                error  // the network failure
	Attempts           int
	Wait               time.Duration // before trying again: the Retry-After asked for, or the backoff
	Prior              *RetryError   // the request that gave up on the host, when one did
	// NotRetried says why an answer retried as a rule was not (a rate
	// limit spent, with nothing said of when it reopens); "" when it was.
	NotRetried string
	said       said // the registry's words in its last answer
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
	if e.NotRetried != "" {
		return fmt.Sprintf("%s %s%s: %s%s, not retried: %s", e.Method, e.Host, e.Path, e.Reason(), e.said.in(), e.NotRetried)
	}
	return fmt.Sprintf("%s %s%s: %s%s (%s)", e.Method, e.Host, e.Path, e.Reason(), e.said.in(), text.Plural(e.Attempts, "attempt"))
}

// Said is the registry's words in the last answer, one line: the code
// and message of each of its errors, or its text; "" when it said none.
func (e *RetryError) Said() string { return e.said.words }

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
// (--idle-timeout); it is retried as a connection reset.
type IdleError struct{ Limit time.Duration }

func (e *IdleError) Error() string {
	return fmt.Sprintf("stalled, no byte moved for %s (--idle-timeout)", e.Limit)
}

// DeadlineError is returned for a request in flight when its context's
// deadline (--timeout) passed, naming it: what the run was waiting for.
type DeadlineError struct {
	Method, Host, Path string        // the request, its path without the query
	Limit              time.Duration // [Options].Timeout, 0 if unknown
	Err                error
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

// Is makes a DeadlineError a context.DeadlineExceeded, whatever it wraps.
func (e *DeadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// BodyTimeoutError is returned for an answer, not a blob's, whose body
// was not whole when the request's time ([Policy].Budget) ran out.
type BodyTimeoutError struct {
	Method, Host, Path string
	Limit              time.Duration
}

func (e *BodyTimeoutError) Error() string {
	return fmt.Sprintf("%s %s%s: the answer's body took longer than %s", e.Method, e.Host, e.Path, e.Limit)
}

// SizeError is returned for an answer over its size limit: a manifest's
// ([Options].MaxManifestSize) or another's that is not a blob (32 MiB).
type SizeError struct {
	Method, Host, Path string
	Size               int64 // as announced; -1: unsaid, and more than Limit came
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

// PlainHTTPError is returned for a request in plain HTTP refused (plain.go says when).
type PlainHTTPError struct {
	Method string
	URL    string // without its query (an upload's state, a signature)
	Host   string // the URL's host[:port], as --plain-http-registry takes it
	From   string // the host whose answer over HTTPS named the URL, when known
	// NamedBy is the host whose answer in plain HTTP named the URL, and
	// Full the bound of the record that was full when that decided the
	// refusal: of origins named over HTTPS (with NamedBy), or in plain
	// HTTP (without); 0 when none was.
	NamedBy string
	Full    int
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
