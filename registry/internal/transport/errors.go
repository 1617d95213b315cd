package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/regclient/regclient/types/errs"
)

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

// Reason is the status, or the network failure in a few words.
func (e *RetryError) Reason() string {
	if e.Status != "" {
		return e.Status
	}
	return words(e.Err)
}

func (e *RetryError) Error() string {
	if e.Prior != nil {
		return fmt.Sprintf("%s %s%s: %s (given up on %s after %s %s failed %d attempts)",
			e.Method, e.Host, e.Path, e.Reason(), e.Host, e.Prior.Method, e.Prior.Path, e.Prior.Attempts)
	}
	attempts := fmt.Sprintf("%d attempts", e.Attempts)
	if e.Attempts == 1 {
		attempts = "1 attempt"
	}
	return fmt.Sprintf("%s %s%s: %s (%s)", e.Method, e.Host, e.Path, e.Reason(), attempts)
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

// IdleError is an attempt on which no byte moved for Limit
// (--idle-timeout): a registry that stopped sending an answer's body, or
// stopped reading a request's. It is retried as a connection reset.
type IdleError struct {
	Limit time.Duration
}

func (e *IdleError) Error() string {
	return fmt.Sprintf("stalled, no byte moved for %s (--idle-timeout)", e.Limit)
}

// DeadlineError is a request cut by its context's deadline (--timeout).
// It names the request in flight when the deadline passed (the oldest, if
// there were several; the same for every request cut), so that the user
// learns what the run was waiting for.
type DeadlineError struct {
	Method, Host, Path string        // the request in flight, its path without the query
	Limit              time.Duration // the time limit as given ([Options].Timeout), 0 if unknown
	Err                error         // the failure of the request cut
}

func (e *DeadlineError) Error() string {
	limit := "--timeout"
	if e.Limit > 0 {
		limit += " " + e.Limit.String()
	}
	return "timed out (" + limit + ") during " + e.Request()
}

// Request is the request in flight: "GET reg:5000/v2/app/manifests/1.0".
func (e *DeadlineError) Request() string { return e.Method + " " + e.Host + e.Path }

func (e *DeadlineError) Unwrap() error { return e.Err }

// Is makes a DeadlineError a context.DeadlineExceeded, whatever the words
// of the failure it wraps.
func (e *DeadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// class is what an error was found to be, as a set of facts: one error
// can be several (a dial that timed out is dialFailed and timedOut). The
// few words of [RetryError.Reason] and the sentence of [Cause] each say
// the fact that tells most, each in its own order.
type class uint32

const (
	retried              class = 1 << iota // a request failed every attempt (*RetryError)
	noAnswer                               // a host spoke no HTTP (*NoAnswerError)
	canceled                               // the run was interrupted
	deadline                               // the run's --timeout passed
	digestMismatch                         // bytes that do not match their digest
	notFound                               // nothing there (a 404)
	unauthorized                           // the registry answered 401
	untrusted                              // a TLS certificate that is not trusted
	plainHTTP                              // a plain-HTTP answer to HTTPS
	noSuchHost                             // a host name that does not resolve
	connRefused                            // a connection refused
	dialFailed                             // a connection that could not be made
	netOp                                  // a failure of the network (*net.OpError)
	connReset                              // a connection reset
	connBroken                             // a connection broken while writing
	timedOut                               // a network timeout
	stalled                                // no byte moved for the idle limit (*IdleError)
	closedEarly                            // a connection closed before a whole answer
	httpStatus                             // an answer regclient did not expect
	badJSON                                // a manifest that does not parse
	mediaTypeMismatch                      // a Content-Type the manifest contradicts
	unsupportedMediaType                   // a Content-Type that is no manifest's
)

// classify finds what err is. It reads the error's words too, where
// net/http or regclient say something only in words.
func classify(err error) class {
	if err == nil {
		return 0
	}
	msg := err.Error()
	var (
		c  class
		ne net.Error
		oe *net.OpError
	)
	op := errors.As(err, &oe)
	for f, ok := range map[class]bool{
		retried:        errors.As(err, new(*RetryError)),
		noAnswer:       errors.As(err, new(*NoAnswerError)),
		canceled:       errors.Is(err, context.Canceled),
		deadline:       errors.Is(err, context.DeadlineExceeded),
		digestMismatch: errors.Is(err, errs.ErrDigestMismatch),
		notFound:       errors.Is(err, errs.ErrNotFound),
		unauthorized:   errors.Is(err, errs.ErrHTTPUnauthorized),
		untrusted: errors.As(err, new(x509.UnknownAuthorityError)) || errors.As(err, new(x509.HostnameError)) ||
			errors.As(err, new(*tls.CertificateVerificationError)),
		plainHTTP:   errors.As(err, new(tls.RecordHeaderError)) || strings.Contains(msg, "server gave HTTP response to HTTPS client"),
		noSuchHost:  errors.As(err, new(*net.DNSError)),
		connRefused: errors.Is(err, syscall.ECONNREFUSED),
		dialFailed:  op && oe.Op == "dial",
		netOp:       op,
		connReset:   errors.Is(err, syscall.ECONNRESET),
		connBroken:  errors.Is(err, syscall.EPIPE),
		timedOut:    errors.As(err, &ne) && ne.Timeout(),
		stalled:     errors.As(err, new(*IdleError)),
		closedEarly: errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(textproto.ProtocolError)) ||
			strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "transport connection broken"),
		httpStatus:           errors.Is(err, errs.ErrHTTPStatus),
		badJSON:              errors.As(err, new(*json.SyntaxError)) || errors.As(err, new(*json.UnmarshalTypeError)),
		mediaTypeMismatch:    mediaTypeRE.MatchString(msg),
		unsupportedMediaType: errors.Is(err, errs.ErrUnsupportedMediaType),
	} {
		if ok {
			c |= f
		}
	}
	return c
}

// is reports whether c has any of the facts f.
func (c class) is(f class) bool { return c&f != 0 }

// unreachable: the connection could not be made.
func (c class) unreachable() bool { return c.is(connRefused | dialFailed) }

// transient: a failure of one attempt that may go away on its own. (The
// words of an error count, so it is for the transport's own errors, not
// for a registry's answers.)
func (c class) transient() bool {
	return c.unreachable() || c.is(closedEarly|connReset|connBroken|timedOut|stalled)
}

// Unanswered reports whether err says a request got no answer (as
// opposed to an answer such as 404): the registry could not be asked.
func Unanswered(err error) bool {
	c := classify(err)
	return c.unreachable() || c.is(retried|noAnswer|canceled|deadline)
}

// words says what went wrong with a connection, in a few words.
func words(err error) string {
	c := classify(err)
	switch {
	case err == nil:
		return "no answer"
	case c.is(stalled):
		var idle *IdleError
		errors.As(err, &idle)
		return idle.Error()
	case c.is(connRefused):
		return "connection refused"
	case c.is(connReset):
		return "connection reset"
	case c.is(connBroken):
		return "connection broken"
	case c.is(timedOut):
		return "timed out"
	case c.is(closedEarly):
		return "connection closed before a whole answer"
	case c.is(dialFailed):
		return "cannot connect"
	}
	return Redact(err.Error())
}

var (
	mismatchRE  = regexp.MustCompile(`expected (sha256:[0-9a-f]+), (?:computed|received|calculated) (sha256:[0-9a-f]+)`)
	mediaTypeRE = regexp.MustCompile(`unexpected media type: expected (\S+), received (\S+)`)
)

// Cause says in plain words why a request to host failed, with the way
// out when one is known; creds says whose credentials were used ("" when
// there were none).
func Cause(err error, host, creds string) string {
	c := classify(err)
	msg := err.Error()
	switch {
	case c.is(retried):
		var retry *RetryError
		errors.As(err, &retry)
		if classify(retry.Err).is(connRefused) {
			return retry.Error() + " (the registry stopped answering; run again once it is back)"
		}
		return retry.Error()
	case c.is(digestMismatch):
		detail := ""
		if m := mismatchRE.FindStringSubmatch(msg); m != nil {
			detail = " (" + m[1] + " expected, " + m[2] + " received)"
		}
		return "the bytes received do not match their digest" + detail + ": " + host + ", or something between, is altering data"
	case c.is(canceled):
		return "interrupted"
	case c.is(deadline):
		var cut *DeadlineError
		if errors.As(err, &cut) {
			return cut.Error()
		}
		return "timed out (--timeout)"
	case c.is(notFound):
		return "not found"
	case c.is(unauthorized) && creds == "":
		return "unauthorized: " + host + " requires credentials and none were found (run docker login " + host + ", or pass --username with --password-stdin)"
	case c.is(unauthorized):
		return "unauthorized " + creds + " (check --docker-cfg or docker login " + host + ", --username, and access to the repository)"
	case c.is(untrusted):
		return "TLS certificate of " + host + " is not trusted: " + tlsDetail(err) + " (trust its CA with --ca-file or in /etc/docker/certs.d/" + host + "/ca.crt, or skip verification with --insecure)"
	case c.is(plainHTTP):
		return host + " answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"
	case c.is(noSuchHost):
		var dnsErr *net.DNSError
		errors.As(err, &dnsErr)
		return "cannot resolve host " + dnsErr.Name
	case c.is(connRefused):
		return "connection refused by " + host + " (is the registry running, and is the address right?)"
	case c.is(dialFailed):
		return "cannot connect to " + host + " (" + words(err) + "; is the address right, and the registry reachable from here?)"
	case c.is(connReset):
		return "connection reset by " + host
	case c.is(noAnswer):
		var e *NoAnswerError
		errors.As(err, &e)
		return e.Error()
	case c.is(closedEarly) && !c.is(httpStatus):
		return host + " closed the connection before a whole answer"
	case c.is(badJSON):
		detail := "unexpected field types"
		if syntaxErr := new(json.SyntaxError); errors.As(err, &syntaxErr) {
			detail = syntaxErr.Error()
		}
		return "the manifest received is not valid JSON (" + detail + "): " + host + ", or something between, sent it cut short or corrupted"
	case c.is(mediaTypeMismatch):
		m := mediaTypeRE.FindStringSubmatch(msg)
		return host + " labels the manifest " + m[1] + " (Content-Type) but it says it is " + m[2]
	case c.is(unsupportedMediaType):
		return host + " answered " + strings.TrimPrefix(Redact(msg), errs.ErrUnsupportedMediaType.Error()+": ") + " for a manifest (Content-Type), not a manifest media type"
	case c.is(netOp):
		var opErr *net.OpError
		errors.As(err, &opErr)
		return Redact(opErr.Err.Error())
	case c.is(httpStatus):
		if s := statusWords(msg); s != "" {
			return s
		}
	}
	return Redact(msg)
}

var httpStatusRE = regexp.MustCompile(`\[http (\d{3})\](?::\s*(.*))?`)

// statusWords turns regclient's "... [http 405]: {"errors":[...]}" into
// "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)".
func statusWords(msg string) string {
	m := httpStatusRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	code, _ := strconv.Atoi(m[1])
	out := fmt.Sprintf("%d %s", code, http.StatusText(code))
	body := strings.TrimSpace(m[2])
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) == nil && len(e.Errors) > 0 {
		var parts []string
		for _, x := range e.Errors {
			parts = append(parts, strings.TrimSpace(x.Code+": "+x.Message))
		}
		return out + " (" + Redact(strings.Join(parts, "; ")) + ")"
	}
	if body != "" {
		if len(body) > 100 {
			body = body[:100] + "…"
		}
		return out + " (" + Redact(body) + ")"
	}
	return out
}

func tlsDetail(err error) string {
	var uaErr x509.UnknownAuthorityError
	if errors.As(err, &uaErr) {
		return "signed by an unknown authority"
	}
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return hostErr.Error()
	}
	return "verification failed"
}
