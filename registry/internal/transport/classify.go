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
	"slices"
	"strings"
	"syscall"

	"github.com/regclient/regclient/types/errs"
)

// class is what an error was found to be, as a set of facts: a dial that
// timed out is dialFailed and timedOut. [RetryError.Reason] and [Cause]
// each say the fact that tells most, each in its own order.
type class uint32

const (
	retried              class = 1 << iota // a request failed every attempt (*RetryError)
	noAnswer                               // a host spoke no HTTP (*NoAnswerError)
	canceled                               // the run was interrupted
	deadline                               // the run's --timeout passed (not a timeout of net's)
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

// A fact tells whether an error, whose words are msg, is of a class.
type fact func(err error, msg string) bool

// classes tells each fact of an error, in the order of the class bits;
// some read its words, where net/http or regclient say it only in words.
var classes = []struct {
	class class
	is    fact
}{
	{retried, asType[*RetryError]},
	{noAnswer, asType[*NoAnswerError]},
	{canceled, isErr(context.Canceled)},
	{deadline, anyOf(asType[*DeadlineError], isItself(context.DeadlineExceeded))},
	{digestMismatch, isErr(errs.ErrDigestMismatch)},
	{notFound, isErr(errs.ErrNotFound)},
	{unauthorized, isErr(errs.ErrHTTPUnauthorized)},
	{untrusted, anyOf(asType[x509.UnknownAuthorityError], asType[x509.HostnameError], asType[*tls.CertificateVerificationError])},
	{plainHTTP, anyOf(asType[tls.RecordHeaderError], saysWords("server gave HTTP response to HTTPS client"))},
	{noSuchHost, asType[*net.DNSError]},
	{connRefused, isErr(syscall.ECONNREFUSED)},
	{dialFailed, netOpIs("dial")},
	{netOp, asType[*net.OpError]},
	{connReset, isErr(syscall.ECONNRESET)},
	{connBroken, anyOf(isErr(syscall.EPIPE), allOf(anyOf(netOpIs("write"), netOpIs("readfrom")), isErr(net.ErrClosed)))},
	{timedOut, func(err error, _ string) bool { ne := errorAs[net.Error](err); return ne != nil && ne.Timeout() }},
	{stalled, asType[*IdleError]},
	{closedEarly, anyOf(isErr(io.EOF), isErr(io.ErrUnexpectedEOF), asType[textproto.ProtocolError],
		saysWords("malformed HTTP"), saysWords("transport connection broken"),
		saysWords("server closed idle connection"))}, // net/http's words for a reused connection the server had closed
	{httpStatus, isErr(errs.ErrHTTPStatus)},
	{badJSON, anyOf(asType[*json.SyntaxError], asType[*json.UnmarshalTypeError])},
	{mediaTypeMismatch, matches(mediaTypeRE)},
	{unsupportedMediaType, isErr(errs.ErrUnsupportedMediaType)},
	{plainRefused, asType[*PlainHTTPError]},
	{downgrade, allOf(isErr(errs.ErrHTTPRedirectRefused), matches(downgradeRE))},
}

// The facts [classes] is made of.
func isErr(target error) fact {
	return func(err error, _ string) bool { return errors.Is(err, target) }
}
func asType[T error](err error, _ string) bool { return errors.As(err, new(T)) }

// isItself is a fact that holds when err's chain has target itself, not
// an error that only says it is target: net's and net/http's timeouts
// (to connect, to get headers) say they are context.DeadlineExceeded,
// whatever deadline passed.
func isItself(target error) fact {
	var holds func(err error) bool
	holds = func(err error) bool {
		switch u := err.(type) {
		case nil:
			return false
		case interface{ Unwrap() []error }:
			return err == target || slices.ContainsFunc(u.Unwrap(), holds)
		case interface{ Unwrap() error }:
			return err == target || holds(u.Unwrap())
		}
		return err == target
	}
	return func(err error, _ string) bool { return holds(err) }
}
func saysWords(w string) fact {
	return func(_ error, msg string) bool { return strings.Contains(msg, w) }
}
func matches(re *regexp.Regexp) fact {
	return func(_ error, msg string) bool { return re.MatchString(msg) }
}
func netOpIs(op string) fact {
	return func(err error, _ string) bool { oe := errorAs[*net.OpError](err); return oe != nil && oe.Op == op }
}
func anyOf(facts ...fact) fact {
	return func(err error, msg string) bool {
		return slices.ContainsFunc(facts, func(f fact) bool { return f(err, msg) })
	}
}
func allOf(facts ...fact) fact {
	return func(err error, msg string) bool {
		return !slices.ContainsFunc(facts, func(f fact) bool { return !f(err, msg) })
	}
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

// transient: a failure of one attempt that may go away on its own (for
// the transport's own errors, not a registry's answers: words count).
func (c class) transient() bool {
	return c.unreachable() || c.is(closedEarly|connReset|connBroken|timedOut|stalled)
}

// Unanswered reports whether err says a request got no answer (as
// opposed to an answer such as 404): the registry could not be asked, or
// the request would not be sent in plain HTTP (a [PlainHTTPError], or
// regclient's refusal of a redirect from HTTPS to HTTP).
func Unanswered(err error) bool {
	c := classify(err)
	return c.unreachable() || c.is(retried|noAnswer|canceled|deadline|plainRefused|downgrade)
}

// shortReason says a connection's failure, err of class c, in a few words: "timed out".
func shortReason(err error, c class) string {
	switch {
	case err == nil:
		return "no answer"
	case c.is(stalled):
		return errorAs[*IdleError](err).Error()
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
