package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"syscall"

	"github.com/regclient/regclient/types/errs"
)

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
	plainRefused                           // a request in plain HTTP not sent (*PlainHTTPError)
	downgrade                              // a redirect or token realm from HTTPS to HTTP, refused by regclient
)

var (
	mismatchRE  = regexp.MustCompile(`expected (sha256:[0-9a-f]+), (?:computed|received|calculated) (sha256:[0-9a-f]+)`)
	mediaTypeRE = regexp.MustCompile(`unexpected media type: expected (\S+), received (\S+)`)
	// regclient's refusal of a redirect or a token realm from HTTPS to
	// HTTP (v0.11.7, internal/regnet/regnet.go, AllowRedirect)
	downgradeRE = regexp.MustCompile(`from an https to non-https server is not allowed \((\S+)\)`)
)

// isAs reports whether err has an error of type T in its chain.
func isAs[T error](err error) bool { return errors.As(err, new(T)) }

// opIs reports whether err has a *net.OpError of operation op in its
// chain.
func opIs(err error, op string) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == op
}

// classes tells each fact of an error, in the order of the class bits.
// Some read the error's words, where net/http or regclient say something
// only in words.
var classes = []struct {
	class class
	is    func(err error, msg string) bool
}{
	{retried, func(err error, _ string) bool { return isAs[*RetryError](err) }},
	{noAnswer, func(err error, _ string) bool { return isAs[*NoAnswerError](err) }},
	{canceled, func(err error, _ string) bool { return errors.Is(err, context.Canceled) }},
	{deadline, func(err error, _ string) bool { return errors.Is(err, context.DeadlineExceeded) }},
	{digestMismatch, func(err error, _ string) bool { return errors.Is(err, errs.ErrDigestMismatch) }},
	{notFound, func(err error, _ string) bool { return errors.Is(err, errs.ErrNotFound) }},
	{unauthorized, func(err error, _ string) bool { return errors.Is(err, errs.ErrHTTPUnauthorized) }},
	{untrusted, func(err error, _ string) bool {
		return isAs[x509.UnknownAuthorityError](err) || isAs[x509.HostnameError](err) || isAs[*tls.CertificateVerificationError](err)
	}},
	{plainHTTP, func(err error, msg string) bool {
		return isAs[tls.RecordHeaderError](err) || strings.Contains(msg, "server gave HTTP response to HTTPS client")
	}},
	{noSuchHost, func(err error, _ string) bool { return isAs[*net.DNSError](err) }},
	{connRefused, func(err error, _ string) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
	{dialFailed, func(err error, _ string) bool { return opIs(err, "dial") }},
	{netOp, func(err error, _ string) bool { return isAs[*net.OpError](err) }},
	{connReset, func(err error, _ string) bool { return errors.Is(err, syscall.ECONNRESET) }},
	{connBroken, func(err error, _ string) bool {
		return errors.Is(err, syscall.EPIPE) || opIs(err, "write") && errors.Is(err, net.ErrClosed)
	}},
	{timedOut, func(err error, _ string) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}},
	{stalled, func(err error, _ string) bool { return isAs[*IdleError](err) }},
	{closedEarly, func(err error, msg string) bool {
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isAs[textproto.ProtocolError](err) ||
			strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "transport connection broken")
	}},
	{httpStatus, func(err error, _ string) bool { return errors.Is(err, errs.ErrHTTPStatus) }},
	{badJSON, func(err error, _ string) bool {
		return isAs[*json.SyntaxError](err) || isAs[*json.UnmarshalTypeError](err)
	}},
	{mediaTypeMismatch, func(_ error, msg string) bool { return mediaTypeRE.MatchString(msg) }},
	{unsupportedMediaType, func(err error, _ string) bool { return errors.Is(err, errs.ErrUnsupportedMediaType) }},
	{plainRefused, func(err error, _ string) bool { return isAs[*PlainHTTPError](err) }},
	{downgrade, func(err error, msg string) bool {
		return errors.Is(err, errs.ErrHTTPRedirectRefused) && downgradeRE.MatchString(msg)
	}},
}

// classify finds what err is: every fact of [classes] that holds.
func classify(err error) class {
	if err == nil {
		return 0
	}
	msg := err.Error()
	var c class
	for _, f := range classes {
		if f.is(err, msg) {
			c |= f.class
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
// opposed to an answer such as 404): the registry could not be asked. A
// request the client would not send in plain HTTP ([PlainHTTPError], or a
// redirect from HTTPS to HTTP that regclient refused) got none either:
// it says nothing of what the registry holds or can do.
func Unanswered(err error) bool {
	c := classify(err)
	return c.unreachable() || c.is(retried|noAnswer|canceled|deadline|plainRefused|downgrade)
}

// shortReason says what went wrong with a connection, err of class c, in
// a few words: "connection refused", "timed out".
func shortReason(err error, c class) string {
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
