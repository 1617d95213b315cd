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

	"github.com/manifest-tool/manifest-tool/manifest"
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
	return netCause(e.Err)
}

func (e *RetryError) Error() string {
	if e.Prior != nil {
		return fmt.Sprintf("%s %s%s: %s (given up on %s after %s %s failed %d attempts)",
			e.Method, e.Host, e.Path, e.Reason(), e.Host, e.Prior.Method, e.Prior.Path, e.Prior.Attempts)
	}
	return fmt.Sprintf("%s %s%s: %s (%s)", e.Method, e.Host, e.Path, e.Reason(), manifest.Plural(e.Attempts, "attempt"))
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

// Unanswered reports whether err says a request got no answer (as
// opposed to an answer such as 404): the registry could not be asked.
func Unanswered(err error) bool {
	return errors.As(err, new(*RetryError)) || errors.As(err, new(*NoAnswerError)) || unreachable(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
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
	var (
		uaErr   x509.UnknownAuthorityError
		hostErr x509.HostnameError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		opErr   *net.OpError
		dnsErr  *net.DNSError

		noAnswer  *NoAnswerError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	msg := err.Error()
	var retry *RetryError
	switch {
	case errors.As(err, &retry) && errors.Is(retry.Err, syscall.ECONNREFUSED):
		return retry.Error() + " (the registry stopped answering; run again once it is back)"
	case errors.As(err, &retry):
		return retry.Error()
	case errors.Is(err, errs.ErrDigestMismatch):
		detail := ""
		if m := mismatchRE.FindStringSubmatch(msg); m != nil {
			detail = " (" + m[1] + " expected, " + m[2] + " received)"
		}
		return "the bytes received do not match their digest" + detail + ": " + host + ", or something between, is altering data"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out (--timeout)"
	case errors.Is(err, errs.ErrNotFound):
		return "not found"
	case errors.Is(err, errs.ErrHTTPUnauthorized) && creds == "":
		return "unauthorized: " + host + " requires credentials and none were found (run docker login " + host + ", or pass --username with --password-stdin)"
	case errors.Is(err, errs.ErrHTTPUnauthorized):
		return "unauthorized " + creds + " (check --docker-cfg or docker login " + host + ", --username, and access to the repository)"
	case errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &certErr):
		return "TLS certificate of " + host + " is not trusted: " + tlsDetail(err) + " (trust its CA with --ca-file or in /etc/docker/certs.d/" + host + "/ca.crt, or skip verification with --insecure)"
	case errors.As(err, &recErr) || strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return host + " answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused by " + host + " (is the registry running, and is the address right?)"
	case unreachable(err):
		return "cannot connect to " + host + " (" + netCause(err) + "; is the address right, and the registry reachable from here?)"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by " + host
	case errors.As(err, &noAnswer):
		return noAnswer.Error()
	case !errors.Is(err, errs.ErrHTTPStatus) && closedEarly(err):
		return host + " closed the connection before a whole answer"
	case errors.As(err, &syntaxErr) || errors.As(err, &typeErr):
		detail := "unexpected field types"
		if syntaxErr != nil {
			detail = syntaxErr.Error()
		}
		return "the manifest received is not valid JSON (" + detail + "): " + host + ", or something between, sent it cut short or corrupted"
	case mediaTypeRE.MatchString(msg):
		m := mediaTypeRE.FindStringSubmatch(msg)
		return host + " labels the manifest " + m[1] + " (Content-Type) but it says it is " + m[2]
	case errors.Is(err, errs.ErrUnsupportedMediaType):
		return host + " answered " + strings.TrimPrefix(Redact(msg), errs.ErrUnsupportedMediaType.Error()+": ") + " for a manifest (Content-Type), not a manifest media type"
	case errors.As(err, &opErr):
		return Redact(opErr.Err.Error())
	case errors.Is(err, errs.ErrHTTPStatus):
		if s := httpStatus(msg); s != "" {
			return s
		}
	}
	return Redact(msg)
}

var httpStatusRE = regexp.MustCompile(`\[http (\d{3})\](?::\s*(.*))?`)

// httpStatus turns regclient's "... [http 405]: {"errors":[...]}" into
// "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)".
func httpStatus(msg string) string {
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
