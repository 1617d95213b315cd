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
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regclient/regclient/types/errs"
)

func TestCause(t *testing.T) {
	t.Parallel()
	host := "reg.example.com"
	tests := []struct {
		name  string
		err   error
		creds string
		want  string
	}{
		{"not found", fmt.Errorf("x: %w", errs.ErrNotFound), "", "not found"},
		{"no credentials", fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized), "", "unauthorized: reg.example.com requires credentials and none were found (run docker login reg.example.com, or pass --username with --password-stdin)"},
		{"credentials refused", fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized), `as user "ci"`, `unauthorized as user "ci" (check --docker-cfg or docker login reg.example.com, --username, and access to the repository)`},
		{"refused", &url.Error{Op: "Get", URL: "https://reg.example.com/v2/", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "", "connection refused by reg.example.com (is the registry running, and is the address right?)"},
		{"plain HTTP", errors.New(`Get "https://x/v2/": http: server gave HTTP response to HTTPS client`), "", "reg.example.com answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"},
		{"--timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), "", "timed out (--timeout)"},
		{"--timeout, during a request", fmt.Errorf("x: %w", &url.Error{Op: "Get", URL: "http://reg.example.com/v2/", Err: &DeadlineError{Method: "GET", Host: host, Path: "/v2/app/manifests/1.0", Limit: 2 * time.Second, Err: context.DeadlineExceeded}}), "", "timed out (--timeout 2s) during GET reg.example.com/v2/app/manifests/1.0"},
		{"--timeout unknown, during a request", &DeadlineError{Method: "PUT", Host: host, Path: "/v2/app/blobs/uploads/1", Err: errors.New("net/http: request canceled")}, "", "timed out (--timeout) during PUT reg.example.com/v2/app/blobs/uploads/1"},
		{"stalled", &url.Error{Op: "Get", URL: "http://reg.example.com/v2/", Err: &RetryError{Method: "GET", Host: host, Path: "/v2/app/blobs/sha256:1", Err: &IdleError{Limit: time.Minute}, Attempts: 10}}, "", "GET reg.example.com/v2/app/blobs/sha256:1: stalled, no byte moved for 1m0s (--idle-timeout) (10 attempts)"},
		{"interrupted", fmt.Errorf("x: %w", context.Canceled), "", "interrupted"},
		{"no such host", &net.DNSError{Name: "nowhere.invalid", Err: "no such host"}, "", "cannot resolve host nowhere.invalid"},
		{"status with an error body", fmt.Errorf("failed to delete manifest r/a@sha256:1: request failed: %w: Method Not Allowed [http 405]: {\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"The operation is unsupported.\"}]}\n", errs.ErrHTTPStatus), "", "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)"},
		{"status with a page", fmt.Errorf("x: %w: Bad Gateway [http 502]: <html>bad gateway</html>", errs.ErrHTTPStatus), "", "502 Bad Gateway (<html>bad gateway</html>)"},
		{"a signed URL", &url.Error{Op: "Get", URL: "https://s3.example.com/b?X-Amz-Signature=SECRET", Err: errors.New("tls: internal error")}, "", `Get "https://s3.example.com/b": tls: internal error`},
		{"cannot connect", &url.Error{Op: "Get", URL: "https://reg.example.com/v2/", Err: &net.OpError{Op: "dial", Err: timeout{}}}, "", "cannot connect to reg.example.com (timed out; is the address right, and the registry reachable from here?)"},
		{"stopped answering", fmt.Errorf("x: %w", &url.Error{Op: "Put", URL: "https://reg.example.com/v2/", Err: &RetryError{Method: "PUT", Host: host, Path: "/v2/a/manifests/1", Err: syscall.ECONNREFUSED, Attempts: 10}}), "", "PUT reg.example.com/v2/a/manifests/1: connection refused (10 attempts) (the registry stopped answering; run again once it is back)"},
		{"retries", &RetryError{Method: "GET", Host: host, Path: "/v2/", Status: "503 Service Unavailable", Attempts: 5}, "", "GET reg.example.com/v2/: 503 Service Unavailable (5 attempts)"},
		{"not HTTP", &url.Error{Op: "Get", URL: "http://reg.example.com/v2/", Err: &NoAnswerError{Host: host, Scheme: "http", Err: io.EOF}}, "", "reg.example.com closed the connection without an HTTP answer (if it serves HTTPS, drop --plain-http for it)"},
		{"closed early", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), "", "reg.example.com closed the connection before a whole answer"},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, "", "connection reset by reg.example.com"},
		{"untrusted", &url.Error{Op: "Get", URL: "https://reg.example.com/v2/", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, "", "TLS certificate of reg.example.com is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/reg.example.com/ca.crt, or skip verification with --insecure)"},
		{"altered", fmt.Errorf("%w: expected sha256:aa, computed sha256:bb", errs.ErrDigestMismatch), "", "the bytes received do not match their digest (sha256:aa expected, sha256:bb received): reg.example.com, or something between, is altering data"},
		{"bad JSON", fmt.Errorf("x: %w", &json.SyntaxError{}), "", "the manifest received is not valid JSON (): reg.example.com, or something between, sent it cut short or corrupted"},
		{"plain HTTP refused", fmt.Errorf("failed to put blob: %w", &url.Error{Op: "Put", URL: "http://reg.example.com/v2/a/blobs/uploads/1", Err: &PlainHTTPError{Method: "PUT", URL: "http://reg.example.com/v2/a/blobs/uploads/1", Host: host, From: host}}), "", "refused to send PUT http://reg.example.com/v2/a/blobs/uploads/1 in plain HTTP: reg.example.com is spoken to over HTTPS and its answer named this http:// URL (a proxy in front of it may not forward the scheme); --plain-http-registry reg.example.com would allow it"},
		{"plain HTTP refused by regclient", fmt.Errorf("failed to get manifest reg.example.com/a:1: redirect from an https to non-https server is not allowed (http://auth.example.com/token?account=x)%.0w", errs.ErrHTTPRedirectRefused), "", "reg.example.com sent the request on to http://auth.example.com/token (a redirect, or its token realm) in plain HTTP, refused from HTTPS: credentials and data would go in clear text"},
		{"mislabelled", errors.New("unexpected media type: expected application/vnd.oci.image.index.v1+json, received application/vnd.oci.image.manifest.v1+json"), "", "reg.example.com labels the manifest application/vnd.oci.image.index.v1+json (Content-Type) but it says it is application/vnd.oci.image.manifest.v1+json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Cause(tc.err, host, tc.creds); got != tc.want {
				t.Errorf("Cause(%v)\n got: %s\nwant: %s", tc.err, got, tc.want)
			}
		})
	}
}

// Where a request failed: the registry, a host it redirected to, or its
// token server (errors made as net/http and regclient v0.11.7 make them).
func TestCauseNamesTheHostThatFailed(t *testing.T) {
	t.Parallel()
	host := "reg.example.com"
	manifest := func(err error) error { return fmt.Errorf("failed to get manifest reg.example.com/app:1: %w", err) }
	// a 307 to the storage: net/http names the last URL
	redirected := func(err error) error {
		return manifest(&url.Error{Op: "Get", URL: "https://blobs.example.com/v2/app/blobs/sha256:1?sig=SECRET", Err: err})
	}
	// regclient's internal/auth bearerHandler.UpdateRequest
	token := func(err error) error {
		return manifest(fmt.Errorf("failed to request auth token (get): %w%.0w", err, errs.ErrHTTPUnauthorized))
	}
	realm := func(err error) error {
		return token(&url.Error{Op: "Get", URL: "https://auth.example.com/token?account=ci&scope=repository%3Aapp%3Apull", Err: err})
	}
	untrusted := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name  string
		err   error
		creds string
		want  string
	}{
		{"a redirect target's certificate", redirected(untrusted), "",
			"TLS certificate of blobs.example.com (a redirect target of reg.example.com) is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/blobs.example.com/ca.crt, or skip verification with --insecure-registry blobs.example.com)"},
		{"a redirect target refuses", redirected(refused), "",
			"connection refused by blobs.example.com (a redirect target of reg.example.com; is the server it redirects to running?)"},
		{"a redirect target cannot be reached", redirected(&net.OpError{Op: "dial", Net: "tcp", Err: timeout{}}), "",
			"cannot connect to blobs.example.com (a redirect target of reg.example.com; timed out; is it reachable from here?)"},
		{"a redirect target does not resolve", redirected(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Name: "blobs.example.com", Err: "no such host"}}), "",
			"cannot resolve host blobs.example.com (a redirect target of reg.example.com)"},
		{"a redirect target answers in plain HTTP", redirected(errors.New("http: server gave HTTP response to HTTPS client")), "",
			"blobs.example.com (a redirect target of reg.example.com) answers in plain HTTP, not HTTPS, at the https URL reg.example.com sent the request to"},
		{"a redirect target resets", redirected(&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), "",
			"connection reset by blobs.example.com (a redirect target of reg.example.com)"},
		{"a redirect target gone after retries", redirected(&RetryError{Method: "GET", Host: "blobs.example.com", Path: "/b", Err: syscall.ECONNREFUSED, Attempts: 10}), "",
			"GET blobs.example.com/b: connection refused (10 attempts) (the redirect target stopped answering; run again once it is back)"},
		{"altered on the way from a redirect target", redirected(fmt.Errorf("%w: expected sha256:aa, computed sha256:bb", errs.ErrDigestMismatch)), "",
			"the bytes received do not match their digest (sha256:aa expected, sha256:bb received): blobs.example.com (a redirect target of reg.example.com), or something between, is altering data"},
		{"the token server's certificate", realm(untrusted), `as user "ci"`,
			"TLS certificate of the token server auth.example.com (the realm of reg.example.com) is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/auth.example.com/ca.crt, or skip verification with --insecure-registry auth.example.com; --insecure covers registries, not their token servers)"},
		{"the token server refuses", realm(refused), "",
			"connection refused by the token server auth.example.com (the realm of reg.example.com; is it running?)"},
		{"the token server does not resolve", realm(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Name: "auth.example.com", Err: "no such host"}}), "",
			"cannot resolve host auth.example.com (the realm of reg.example.com)"},
		{"the token server times out", realm(timeout{}), "",
			"the token server auth.example.com (the realm of reg.example.com): timed out"},
		{"the token server answers no token", token(&json.SyntaxError{}), "",
			"the token server of reg.example.com answered with something that is not a token ()"},
		{"the token server refuses the credentials", token(errs.ErrHTTPUnauthorized), `as user "ci"`,
			`unauthorized as user "ci" (check --docker-cfg or docker login reg.example.com, --username, and access to the repository)`},
		{"the registry itself, under another name", manifest(&url.Error{Op: "Get", URL: "https://REG.example.com:443/v2/", Err: refused}), "",
			"connection refused by reg.example.com (is the registry running, and is the address right?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Cause(tc.err, host, tc.creds); got != tc.want {
				t.Errorf("Cause(%v)\n got: %s\nwant: %s", tc.err, got, tc.want)
			}
		})
	}
	// Docker Hub is asked as docker.io, at registry-1.docker.io
	hub := &url.Error{Op: "Get", URL: "https://registry-1.docker.io/v2/library/alpine/manifests/3", Err: untrusted}
	if got, want := Cause(hub, "docker.io", ""), "TLS certificate of docker.io is not trusted"; !strings.HasPrefix(got, want) {
		t.Errorf("Docker Hub: %s", got)
	}
}

// An OCI layout is named by its directory.
func TestLayoutCause(t *testing.T) {
	t.Parallel()
	dir := "/srv/layouts/app"
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"altered manifest", fmt.Errorf("manifest %w, expected sha256:aa, computed sha256:bb", errs.ErrDigestMismatch),
			"the layout at /srv/layouts/app holds bytes that do not match their digest (sha256:aa expected, sha256:bb received)"},
		{"altered blob", fmt.Errorf("%w [expected sha256:aa, calculated sha256:bb]: %w", errs.ErrDigestMismatch, io.EOF),
			"the layout at /srv/layouts/app holds bytes that do not match their digest (sha256:aa expected, sha256:bb received)"},
		{"a manifest that is not JSON", fmt.Errorf("x: %w", &json.SyntaxError{}), "the layout at /srv/layouts/app holds a manifest that is not valid JSON ()"},
		{"not found", fmt.Errorf("x: %w", errs.ErrNotFound), "not found"},
		// a file cut short is no connection closed by a host
		{"a manifest cut short", fmt.Errorf("failed to read manifest: %w", io.ErrUnexpectedEOF), "failed to read manifest: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := LayoutCause(tc.err, dir); got != tc.want {
				t.Errorf("LayoutCause(%v)\n got: %s\nwant: %s", tc.err, got, tc.want)
			}
		})
	}
}

// timeout is a network timeout, as net's own.
type timeout struct{}

func (timeout) Error() string   { return "i/o timeout" }
func (timeout) Timeout() bool   { return true }
func (timeout) Temporary() bool { return true }

// The few words of a RetryError that has no status.
func TestReason(t *testing.T) {
	t.Parallel()
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no error", nil, "no answer"},
		{"refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), "connection refused"},
		{"reset", &url.Error{Op: "Get", URL: "http://reg.example.com/v2/", Err: syscall.ECONNRESET}, "connection reset"},
		{"broken", syscall.EPIPE, "connection broken"},
		{"timed out", timeout{}, "timed out"},
		{"timed out connecting", dial(timeout{}), "timed out"},
		{"stalled", &IdleError{Limit: 300 * time.Millisecond}, "stalled, no byte moved for 300ms (--idle-timeout)"},
		{"closed at once", io.EOF, "connection closed before a whole answer"},
		{"closed in the body", io.ErrUnexpectedEOF, "connection closed before a whole answer"},
		{"not HTTP", errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x15\x03"`), "connection closed before a whole answer"},
		{"no route", dial(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), "cannot connect"},
		{"other words, redacted", errors.New(`Get "https://x/b?sig=SECRET": odd`), `Get "https://x/b": odd`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (&RetryError{Err: tc.err}).Reason(); got != tc.want {
				t.Errorf("Reason() = %q, want %q", got, tc.want)
			}
			if got := (&RetryError{Err: tc.err, Status: "429 Too Many Requests"}).Reason(); got != "429 Too Many Requests" {
				t.Errorf("with a status: %q", got)
			}
		})
	}
}

func TestUnanswered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"retried", fmt.Errorf("x: %w", &RetryError{Status: "503 Service Unavailable"}), true},
		{"not HTTP", &NoAnswerError{Host: "h"}, true},
		{"refused", syscall.ECONNREFUSED, true},
		{"cannot connect", &net.OpError{Op: "dial", Err: timeout{}}, true},
		{"interrupted", context.Canceled, true},
		{"--timeout", context.DeadlineExceeded, true},
		{"--timeout, during a request", &DeadlineError{Method: "GET", Err: errors.New("net/http: request canceled")}, true},
		{"stalled, every attempt", &RetryError{Err: &IdleError{Limit: time.Minute}, Attempts: 10}, true},
		{"not sent in plain HTTP", fmt.Errorf("uploading: %w", &PlainHTTPError{Method: "PUT", URL: "http://reg/v2/x", Host: "reg", From: "reg"}), true},
		{"a redirect from HTTPS to HTTP refused", fmt.Errorf("x: %w: redirect from an https to non-https server is not allowed (http://reg/x)", errs.ErrHTTPRedirectRefused), true},
		{"an answer: not found", fmt.Errorf("x: %w", errs.ErrNotFound), false},
		{"an answer: a status", fmt.Errorf("x: %w: [http 403]", errs.ErrHTTPStatus), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Unanswered(tc.err); got != tc.want {
				t.Errorf("Unanswered(%v) = %v", tc.err, got)
			}
		})
	}
}
