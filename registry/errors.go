package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

var (
	// ErrConfig: a Docker config or CA file named or found cannot be used.
	// Bad input.
	ErrConfig = errors.New("unusable configuration")
)

// OpError is a failed registry operation on one reference. Its text is
// one line: what was being done, to which reference, and the cause in
// plain words with the way out when one is known.
type OpError struct {
	Op  string // "resolving", "pushing the index to", ...
	Ref string
	Err error

	host    string
	creds   string // whose credentials were used ("" for none)
	missing bool   // the image itself does not exist
}

// opError describes a failed operation on r.
func (c *Client) opError(op string, r ref.Ref, err error) *OpError {
	name := r.CommonName()
	if name == "" { // a registry, not an image
		name = r.Registry
	}
	return &OpError{Op: op, Ref: name, Err: err, host: r.Registry, creds: c.creds[r.Registry]}
}

func (e *OpError) Error() string { return e.Op + " " + e.Ref + ": " + e.Cause() }

// Cause says in a few words why the operation failed.
func (e *OpError) Cause() string { return cause(e.Err, e.host, e.creds) }

func (e *OpError) Unwrap() error { return e.Err }

// Is makes the failure to find a member image match manifest.ErrMissing.
func (e *OpError) Is(target error) bool { return target == manifest.ErrMissing && e.missing }

// cause says in a few words why a request to host failed; creds says
// whose credentials were used ("" when there were none).
var (
	mismatchRE  = regexp.MustCompile(`expected (sha256:[0-9a-f]+), (?:computed|received|calculated) (sha256:[0-9a-f]+)`)
	mediaTypeRE = regexp.MustCompile(`unexpected media type: expected (\S+), received (\S+)`)
)

func cause(err error, host, creds string) string {
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
		return host + " answered " + strings.TrimPrefix(redactText(msg), errs.ErrUnsupportedMediaType.Error()+": ") + " for a manifest (Content-Type), not a manifest media type"
	case errors.As(err, &opErr):
		return redactText(opErr.Err.Error())
	case errors.Is(err, errs.ErrHTTPStatus):
		if s := httpStatus(msg); s != "" {
			return s
		}
	}
	return redactText(msg)
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
		return out + " (" + redactText(strings.Join(parts, "; ")) + ")"
	}
	if body != "" {
		if len(body) > 100 {
			body = body[:100] + "…"
		}
		return out + " (" + redactText(body) + ")"
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

// mergeCauses reports a failure that is the registry's, not a member's (a
// certificate, credentials, a refused connection, a host that kept failing
// whatever the request), once, on the first
// member or request it hit, instead of once per member; a missing member is
// each reported. Lists of errors ([spec.Errors]) are taken apart first.
func mergeCauses(errList []error) []error {
	var out []error
	first := map[string]int{}      // cause -> index in out
	groups := map[string][]error{} // cause -> the errors with it
	extra := map[string]int{}      // cause -> members merged at a lower level
	for _, err := range spec.Split(errList...) {
		more := 0
		if m, ok := err.(*merged); ok { // merged once already (per member, then per spec)
			err, more = m.error, m.more
		}
		var op *OpError
		if !errors.As(err, &op) || errors.Is(op.Err, errs.ErrNotFound) {
			out = append(out, withMore(err, more))
			continue
		}
		key := op.Cause()
		var retry *RetryError
		if errors.As(op.Err, &retry) { // a host that keeps failing, whatever the path
			key = retry.Host + ": " + retry.what()
		}
		if _, seen := first[key]; !seen {
			first[key] = len(out)
			out = append(out, err)
		}
		groups[key] = append(groups[key], err)
		extra[key] += more
	}
	for key, i := range first {
		group := groups[key]
		// said by the request that met the failure first-hand, rather
		// than one tried once after its host was given up on
		rep := 0
		for j, err := range group {
			var retry *RetryError
			if errors.As(err, &retry) && retry.Prior == nil {
				rep = j
				break
			}
		}
		n := extra[key]
		for j, err := range group {
			if j != rep && errors.As(err, new(*spec.Error)) {
				n++
			}
		}
		out[i] = withMore(group[rep], n)
	}
	return out
}

// merged is a failure that stands for more members that failed the same
// way.
type merged struct {
	error
	more int // members beside this one
}

func (m *merged) Error() string {
	return fmt.Sprintf("%s (and %s)", m.error, manifest.Plural(m.more, "more member"))
}

func (m *merged) Unwrap() error { return m.error }

func withMore(err error, more int) error {
	if more == 0 {
		return err
	}
	return &merged{err, more}
}
