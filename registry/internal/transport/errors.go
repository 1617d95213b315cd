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
	"net/url"
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
	plainRefused                           // a request in plain HTTP not sent (*PlainHTTPError)
	downgrade                              // a redirect or token realm from HTTPS to HTTP, refused by regclient
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
		connBroken:  errors.Is(err, syscall.EPIPE) || op && oe.Op == "write" && errors.Is(err, net.ErrClosed),
		timedOut:    errors.As(err, &ne) && ne.Timeout(),
		stalled:     errors.As(err, new(*IdleError)),
		closedEarly: errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(textproto.ProtocolError)) ||
			strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "transport connection broken"),
		httpStatus:           errors.Is(err, errs.ErrHTTPStatus),
		badJSON:              errors.As(err, new(*json.SyntaxError)) || errors.As(err, new(*json.UnmarshalTypeError)),
		mediaTypeMismatch:    mediaTypeRE.MatchString(msg),
		unsupportedMediaType: errors.Is(err, errs.ErrUnsupportedMediaType),
		plainRefused:         errors.As(err, new(*PlainHTTPError)),
		downgrade:            errors.Is(err, errs.ErrHTTPRedirectRefused) && downgradeRE.MatchString(msg),
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
// opposed to an answer such as 404): the registry could not be asked. A
// request the client would not send in plain HTTP ([PlainHTTPError], or a
// redirect from HTTPS to HTTP that regclient refused) got none either:
// it says nothing of what the registry holds or can do.
func Unanswered(err error) bool {
	c := classify(err)
	return c.unreachable() || c.is(retried|noAnswer|canceled|deadline|plainRefused|downgrade)
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
	// regclient's refusal of a redirect or a token realm from HTTPS to
	// HTTP (v0.11.7, internal/regnet/regnet.go, AllowRedirect)
	downgradeRE = regexp.MustCompile(`from an https to non-https server is not allowed \((\S+)\)`)
)

// Cause says in plain words why a request to host failed, with the way
// out when one is known; creds says whose credentials were used ("" when
// there were none). The host named is the one that failed: the registry,
// or a host it redirected the request to (its blob storage), or its
// token server, said as such.
func Cause(err error, host, creds string) string {
	return cause(err, siteOf(err, host), creds)
}

// LayoutCause says in plain words why reading or writing the OCI layout
// in dir failed: no network is involved, so none of a registry's causes
// is looked for.
func LayoutCause(err error, dir string) string {
	c := classify(err)
	where := "the layout at " + dir
	switch {
	case c.is(digestMismatch):
		return where + " holds bytes that do not match their digest" + mismatchDetail(err.Error())
	case c.is(canceled):
		return "interrupted"
	case c.is(notFound):
		return "not found"
	case c.is(badJSON):
		return where + " holds a manifest that is not valid JSON (" + jsonDetail(err) + ")"
	}
	return Redact(err.Error())
}

// mismatchDetail is " (sha256:… expected, sha256:… received)" from the
// words of a digest mismatch, or "".
func mismatchDetail(msg string) string {
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		return " (" + m[1] + " expected, " + m[2] + " received)"
	}
	return ""
}

// tokenRequestFailed is how regclient (v0.11.7, internal/auth/auth.go,
// bearerHandler.UpdateRequest) wraps the failure of a request to a token
// server: "failed to request auth token (get): %w%.0w" with
// errs.ErrHTTPUnauthorized, so that a token server that cannot be reached
// reads as unauthorized unless its words are looked for.
const tokenRequestFailed = "failed to request auth token"

// site is where a request failed: the registry asked, a host it
// redirected the request to, or its token server.
type site struct {
	host     string // the host:port that failed, when known
	registry string // the registry asked
	realm    bool   // the failure is the token server's
}

// siteOf finds where err happened: at the host of the innermost URL in it
// (net/http names the last URL of a redirect chain, regclient the token
// server's), said by the token server when regclient says so.
func siteOf(err error, registry string) site {
	s := site{registry: registry, realm: strings.Contains(err.Error(), tokenRequestFailed)}
	var ue *url.Error
	for e := err; errors.As(e, &ue); e = ue.Err {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			s.host = u.Host
		}
	}
	return s
}

// elsewhere: the failure was at another host than the registry.
func (s site) elsewhere() bool { return s.host != "" && !sameHost(s.host, s.registry) }

// at is the host that failed.
func (s site) at() string {
	if s.elsewhere() {
		return s.host
	}
	return s.registry
}

// who names the site: "reg:5000", "the token server auth:443".
func (s site) who() string {
	switch {
	case s.realm && s.elsewhere():
		return "the token server " + s.host
	case s.realm:
		return "the token server of " + s.registry
	}
	return s.at()
}

// relation is how the site stands to the registry: "a redirect target
// of reg:5000", "the realm of reg:5000", or "" for the registry itself.
func (s site) relation() string {
	switch {
	case s.realm && s.elsewhere():
		return "the realm of " + s.registry
	case s.elsewhere():
		return "a redirect target of " + s.registry
	}
	return ""
}

// said names the site, with its relation to the registry and a question
// in parentheses: "blob:443 (a redirect target of reg:5000; is it up?)".
func (s site) said(question string) string {
	var parts []string
	for _, p := range []string{s.relation(), question} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return s.who()
	}
	return s.who() + " (" + strings.Join(parts, "; ") + ")"
}

// sameHost: a and b name the same registry (docker.io is
// registry-1.docker.io; :443 is HTTPS's port).
func sameHost(a, b string) bool {
	canon := func(h string) string {
		h = strings.TrimSuffix(strings.ToLower(h), ":443")
		if h == "docker.io" || h == "index.docker.io" {
			return "registry-1.docker.io"
		}
		return h
	}
	return canon(a) == canon(b)
}

// tokenFailure: the kinds of failure of a token server's request that
// are its own, not a refusal of the credentials.
const tokenFailure = untrusted | plainHTTP | noSuchHost | connRefused | dialFailed | netOp | connReset | connBroken |
	timedOut | stalled | closedEarly | noAnswer | badJSON

func cause(err error, s site, creds string) string {
	c := classify(err)
	msg := err.Error()
	host := s.registry
	switch {
	case c.is(plainRefused): // says it all, whatever wraps it (an upload, a token request)
		var refused *PlainHTTPError
		errors.As(err, &refused)
		return refused.Error()
	case c.is(downgrade):
		to := RedactURL(downgradeRE.FindStringSubmatch(msg)[1])
		return host + " sent the request on to " + to + " (a redirect, or its token realm) in plain HTTP, refused from HTTPS: credentials and data would go in clear text"
	case c.is(retried):
		var retry *RetryError
		errors.As(err, &retry)
		if classify(retry.Err).is(connRefused) {
			who := "the registry"
			if rs := (site{host: retry.Host, registry: s.registry, realm: s.realm}); rs.realm {
				who = "the token server"
			} else if rs.elsewhere() {
				who = "the redirect target"
			}
			return retry.Error() + " (" + who + " stopped answering; run again once it is back)"
		}
		return retry.Error()
	case c.is(digestMismatch):
		return "the bytes received do not match their digest" + mismatchDetail(msg) + ": " + s.said("") + ", or something between, is altering data"
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
	case c.is(unauthorized) && s.realm && c.is(tokenFailure):
		// the token server's own failure, said below
	case c.is(unauthorized) && creds == "":
		return "unauthorized: " + host + " requires credentials and none were found (run docker login " + host + ", or pass --username with --password-stdin)"
	case c.is(unauthorized):
		return "unauthorized " + creds + " (check --docker-cfg or docker login " + host + ", --username, and access to the repository)"
	}
	switch {
	case c.is(untrusted):
		skip := "--insecure"
		if s.realm || s.elsewhere() {
			skip = "--insecure-registry " + s.at()
		}
		if s.realm {
			skip += "; --insecure covers registries, not their token servers"
		}
		return "TLS certificate of " + s.said("") + " is not trusted: " + tlsDetail(err) + " (trust its CA with --ca-file or in /etc/docker/certs.d/" + s.at() + "/ca.crt, or skip verification with " + skip + ")"
	case c.is(plainHTTP) && (s.realm || s.elsewhere()):
		return s.said("") + " answers in plain HTTP, not HTTPS, at the https URL " + host + " sent the request to"
	case c.is(plainHTTP):
		return host + " answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"
	case c.is(noSuchHost):
		var dnsErr *net.DNSError
		errors.As(err, &dnsErr)
		if r := s.relation(); r != "" {
			return "cannot resolve host " + dnsErr.Name + " (" + r + ")"
		}
		return "cannot resolve host " + dnsErr.Name
	case c.is(connRefused) && s.realm:
		return "connection refused by " + s.said("is it running?")
	case c.is(connRefused) && s.elsewhere():
		return "connection refused by " + s.said("is the server it redirects to running?")
	case c.is(connRefused):
		return "connection refused by " + host + " (is the registry running, and is the address right?)"
	case c.is(dialFailed) && (s.realm || s.elsewhere()):
		return "cannot connect to " + s.said(words(err)+"; is it reachable from here?")
	case c.is(dialFailed):
		return "cannot connect to " + host + " (" + words(err) + "; is the address right, and the registry reachable from here?)"
	case c.is(connReset):
		return "connection reset by " + s.said("")
	case c.is(noAnswer):
		var e *NoAnswerError
		errors.As(err, &e)
		return e.Error()
	case c.is(closedEarly) && !c.is(httpStatus):
		return s.said("") + " closed the connection before a whole answer"
	case c.is(badJSON) && s.realm:
		return s.said("") + " answered with something that is not a token (" + jsonDetail(err) + ")"
	case c.is(badJSON):
		return "the manifest received is not valid JSON (" + jsonDetail(err) + "): " + s.said("") + ", or something between, sent it cut short or corrupted"
	case s.realm && c.is(tokenFailure):
		return s.said("") + ": " + words(err)
	case c.is(mediaTypeMismatch):
		m := mediaTypeRE.FindStringSubmatch(msg)
		return s.said("") + " labels the manifest " + m[1] + " (Content-Type) but it says it is " + m[2]
	case c.is(unsupportedMediaType):
		return s.said("") + " answered " + strings.TrimPrefix(Redact(msg), errs.ErrUnsupportedMediaType.Error()+": ") + " for a manifest (Content-Type), not a manifest media type"
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

// jsonDetail says what is wrong with JSON that does not decode.
func jsonDetail(err error) string {
	if syntaxErr := new(json.SyntaxError); errors.As(err, &syntaxErr) {
		return syntaxErr.Error()
	}
	return "unexpected field types"
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
