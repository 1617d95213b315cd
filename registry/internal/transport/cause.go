package transport

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/regclient/regclient/types/errs"
)

// Cause says in plain words why a request to host failed, naming the host
// that failed (the registry, a redirect target, its token server), with
// the way out when one is known; creds says whose credentials were used,
// "" for none. The first of [causes] that holds says it.
func Cause(err error, host, creds string) string {
	return CauseFor(err, Asked{Host: host, Creds: creds})
}

// CauseFor is [Cause] for an operation that asked a of the registry: a
// refusal has the registry's own words (its errors' code and message),
// and the way out its code names for the repository asked (wayout.go).
func CauseFor(err error, a Asked) string {
	msg := err.Error()
	f := &failure{err: err, msg: msg, class: classify(err), at: siteOf(err, msg, a.Host), creds: a.Creds, asked: a}
	for _, r := range causes {
		if r.when(f) {
			return r.say(f)
		}
	}
	return Redact(msg)
}

// failure is what [Cause] knows of an error: the facts its rules look at.
type failure struct {
	class
	err   error
	msg   string // err's words
	at    site
	creds string // whose credentials were used, "" for none
	asked Asked
}

// Says reports whether the registry's answer that err failed on carried
// the error code (errors[].code of the distribution spec, "NAME_UNKNOWN"):
// a 404 of a registry with no such repository tells apart from one of a
// server that has no such endpoint only by its code.
func Says(err error, code string) bool {
	if err == nil {
		return false
	}
	f := &failure{err: err, msg: err.Error()}
	return f.said().has(code)
}

// said is what the registry said in the answer that failed: the last
// answer of a request given up on, the body regclient quotes after the
// status, or, for a refusal regclient quotes nothing of (a 401), what the
// transport noted of the last refusal for the repository.
func (f *failure) said() said {
	if retry := errorAs[*RetryError](f.err); retry != nil {
		return retry.said
	}
	if m := httpStatusRE.FindStringSubmatch(f.msg); m != nil && strings.TrimSpace(m[2]) != "" {
		return saidIn(m[2])
	}
	if f.is(unauthorized) && f.asked.Refused.tells() {
		return f.asked.Refused.said
	}
	return said{}
}

// atOtherHost: the failure was the token server's or a redirect target's.
func (f *failure) atOtherHost() bool { return f.at.realm || f.at.other }

// tokenServerFailed: the token server failed on its own, not by refusing
// the credentials (regclient wraps both as unauthorized).
func (f *failure) tokenServerFailed() bool {
	return f.at.realm && f.is(untrusted|plainHTTP|noSuchHost|connRefused|dialFailed|netOp|connReset|connBroken|timedOut|stalled|closedEarly|noAnswer|badJSON)
}

// A causeRule says a failure in plain words, when it holds.
type causeRule struct {
	name string // as the case of TestCause that shows it
	when func(f *failure) bool
	say  func(f *failure) string
}

// has is the when of a rule that holds for any of the facts c.
func has(c class) func(*failure) bool { return func(f *failure) bool { return f.is(c) } }

// says is the say of a rule that says s.
func says(s string) func(*failure) string { return func(*failure) string { return s } }

// causes are the rules of [Cause], in order: the first that holds says
// the failure. A new kind of failure is a new rule, at its place.
var causes = []causeRule{
	// says it all, whatever wraps it (an upload, a token request)
	{"plain HTTP refused", has(plainRefused), func(f *failure) string { return errorAs[*PlainHTTPError](f.err).Error() }},
	{"plain HTTP refused by regclient", has(downgrade), func(f *failure) string {
		return f.at.registry + " sent the request on to " + RedactURL(downgradeRE.FindStringSubmatch(f.msg)[1]) +
			" (a redirect, or its token realm) in plain HTTP, refused from HTTPS: credentials and data would go in clear text"
	}},
	{"stopped answering", func(f *failure) bool { return f.is(retried) && f.is(connRefused) }, func(f *failure) string {
		retry := errorAs[*RetryError](f.err)
		return retry.Error() + " (" + siteAt(retry.Host, f.at.registry, f.at.realm).role() + " stopped answering; run again once it is back)"
	}},
	{"retries", has(retried), func(f *failure) string { return errorAs[*RetryError](f.err).Error() + wayOut(f, "; ") }},
	{"unconfirmed write", func(f *failure) bool { return errorAs[*UnconfirmedError](f.err) != nil }, func(f *failure) string {
		return errorAs[*UnconfirmedError](f.err).Error()
	}},
	{"altered", has(digestMismatch), func(f *failure) string {
		return "the bytes received do not match their digest" + mismatchDetail(f.msg) + ": " + f.at.describe("") + ", or something between, is altering data"
	}},
	{"interrupted", has(canceled), says("interrupted")},
	{"--timeout", has(deadline), func(f *failure) string {
		if cut := errorAs[*DeadlineError](f.err); cut != nil {
			return cut.Error()
		}
		return "timed out (--timeout)"
	}},
	{"not found", has(notFound), func(f *failure) string { return "not found" + f.said().in() + wayOut(f, "; ") }},
	{"no credentials", func(f *failure) bool { return f.is(unauthorized) && !f.tokenServerFailed() && f.creds == "" }, func(f *failure) string {
		return "unauthorized" + f.said().in() + ": " + f.at.registry + " requires credentials and none were found (run docker login " + f.at.registry + ", or pass --username with --password-stdin)"
	}},
	{"credentials refused", func(f *failure) bool { return f.is(unauthorized) && !f.tokenServerFailed() }, func(f *failure) string {
		if way := wayOut(f, ""); way != "" {
			return "unauthorized " + f.creds + f.said().in() + ": " + way
		}
		return "unauthorized " + f.creds + f.said().in() + " (check --docker-cfg or docker login " + f.at.registry + ", --username, and access to the repository)"
	}},
	{"untrusted", has(untrusted), untrustedWords},
	{"plain HTTP at another host", func(f *failure) bool { return f.is(plainHTTP) && f.atOtherHost() }, func(f *failure) string {
		return f.at.describe("") + " answers in plain HTTP, not HTTPS, at the https URL " + f.at.registry + " sent the request to"
	}},
	{"plain HTTP", has(plainHTTP), func(f *failure) string {
		return f.at.registry + " answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"
	}},
	{"no such host", has(noSuchHost), func(f *failure) string {
		if r := f.at.relationToRegistry(); r != "" {
			return "cannot resolve host " + errorAs[*net.DNSError](f.err).Name + " (" + r + ")"
		}
		return "cannot resolve host " + errorAs[*net.DNSError](f.err).Name
	}},
	{"refused by the token server", func(f *failure) bool { return f.is(connRefused) && f.at.realm }, func(f *failure) string {
		return "connection refused by " + f.at.describe("is it running?")
	}},
	{"refused by a redirect target", func(f *failure) bool { return f.is(connRefused) && f.at.other }, func(f *failure) string {
		return "connection refused by " + f.at.describe("is the server it redirects to running?")
	}},
	{"refused", has(connRefused), func(f *failure) string {
		return "connection refused by " + f.at.registry + " (is the registry running, and is the address right?)"
	}},
	{"cannot connect to another host", func(f *failure) bool { return f.is(dialFailed) && f.atOtherHost() }, func(f *failure) string {
		return "cannot connect to " + f.at.describe(shortReason(f.err, f.class)+"; is it reachable from here?")
	}},
	{"cannot connect", has(dialFailed), func(f *failure) string {
		return "cannot connect to " + f.at.registry + " (" + shortReason(f.err, f.class) + "; is the address right, and the registry reachable from here?)"
	}},
	{"reset", has(connReset), func(f *failure) string { return "connection reset by " + f.at.describe("") }},
	{"not HTTP", has(noAnswer), func(f *failure) string { return errorAs[*NoAnswerError](f.err).Error() }},
	{"closed early", func(f *failure) bool { return f.is(closedEarly) && !f.is(httpStatus) }, func(f *failure) string {
		return f.at.describe("") + " closed the connection before a whole answer"
	}},
	{"no token", func(f *failure) bool { return f.is(badJSON) && f.at.realm }, func(f *failure) string {
		return f.at.describe("") + " answered with something that is not a token (" + jsonDetail(f.err) + ")"
	}},
	{"bad JSON", has(badJSON), func(f *failure) string {
		return "the manifest received is not valid JSON (" + jsonDetail(f.err) + "): " + f.at.describe("") + ", or something between, sent it cut short or corrupted"
	}},
	{"the token server failed", (*failure).tokenServerFailed, func(f *failure) string { return f.at.describe("") + ": " + shortReason(f.err, f.class) }},
	{"mislabelled", has(mediaTypeMismatch), func(f *failure) string {
		m := mediaTypeRE.FindStringSubmatch(f.msg)
		return f.at.describe("") + " labels the manifest " + m[1] + " (Content-Type) but it says it is " + m[2]
	}},
	{"not a manifest media type", has(unsupportedMediaType), func(f *failure) string {
		return f.at.describe("") + " answered " + strings.TrimPrefix(Redact(f.msg), errs.ErrUnsupportedMediaType.Error()+": ") + " for a manifest (Content-Type), not a manifest media type"
	}},
	{"network", has(netOp), func(f *failure) string { return Redact(errorAs[*net.OpError](f.err).Err.Error()) }},
	{"status", func(f *failure) bool { return f.is(httpStatus) && httpStatusRE.MatchString(f.msg) }, func(f *failure) string {
		return statusWords(f.msg) + wayOut(f, "; ")
	}},
}

// errorAs is the first error of type T in err's chain, or T's zero value.
func errorAs[T error](err error) T {
	var t T
	errors.As(err, &t)
	return t
}

// untrustedWords says a certificate not trusted, and how to trust it or not check it.
func untrustedWords(f *failure) string {
	skip := "--insecure"
	if f.atOtherHost() {
		skip = "--insecure-registry " + f.at.host
	}
	if f.at.realm {
		skip += "; --insecure covers registries, not their token servers"
	}
	return "TLS certificate of " + f.at.describe("") + " is not trusted: " + tlsDetail(f.err) +
		" (trust its CA with --ca-file or in /etc/docker/certs.d/" + f.at.host + "/ca.crt, or skip verification with " + skip + ")"
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

// jsonDetail says what is wrong with JSON that does not decode.
func jsonDetail(err error) string {
	if syntaxErr := new(json.SyntaxError); errors.As(err, &syntaxErr) {
		return syntaxErr.Error()
	}
	return "unexpected field types"
}

// httpStatusRE is regclient's words of an answer it did not expect
// (v0.11.7, internal/reghttp/http.go: "request failed: %w: %s", the
// status, then the answer's body).
var httpStatusRE = regexp.MustCompile(`\[http (\d{3})\](?::\s*(.*))?`)

// maxBodyWords bounds, in bytes, the words of an error's body that go
// into a line. They are redacted before they are cut, so that a
// credential across the cut is found whole, and cut before a word the cut
// would split, so that a secret the run knows is shown whole, for the
// scrubber, or not at all; a body is cut to redactWindow first.
const (
	maxBodyWords = 100
	redactWindow = 16 << 10
)

// statusWords turns regclient's "... [http 405]: {"errors":[...]}", msg
// of the rule "status", into
// "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)".
func statusWords(msg string) string {
	m := httpStatusRE.FindStringSubmatch(msg)
	code, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("%d %s", code, http.StatusText(code)) + saidIn(m[2]).in()
}

// cutWords is s cut to at most n bytes, with "…", before the word the cut
// would split (the characters since the last space), so that no word and
// no character is shown in part.
func cutWords(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if r, _ := utf8.DecodeRuneInString(s[n:]); !unicode.IsSpace(r) {
		at := strings.LastIndexFunc(s[:n], unicode.IsSpace)
		n = 0
		if at >= 0 {
			_, size := utf8.DecodeRuneInString(s[at:])
			n = at + size
		}
	}
	return s[:n] + "…"
}

func tlsDetail(err error) string {
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, new(x509.UnknownAuthorityError)):
		return "signed by an unknown authority"
	case errors.As(err, &hostErr):
		return hostErr.Error()
	}
	return "verification failed"
}
