package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

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
		{"refused", &url.Error{Op: "Get", URL: "https://x", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "", "connection refused by reg.example.com (is the registry running, and is the address right?)"},
		{"plain HTTP", errors.New(`Get "https://x/v2/": http: server gave HTTP response to HTTPS client`), "", "reg.example.com answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"},
		{"--timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), "", "timed out (--timeout)"},
		{"interrupted", fmt.Errorf("x: %w", context.Canceled), "", "interrupted"},
		{"no such host", &net.DNSError{Name: "nowhere.invalid", Err: "no such host"}, "", "cannot resolve host nowhere.invalid"},
		{"status with an error body", fmt.Errorf("failed to delete manifest r/a@sha256:1: request failed: %w: Method Not Allowed [http 405]: {\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"The operation is unsupported.\"}]}\n", errs.ErrHTTPStatus), "", "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)"},
		{"status with a page", fmt.Errorf("x: %w: Bad Gateway [http 502]: <html>bad gateway</html>", errs.ErrHTTPStatus), "", "502 Bad Gateway (<html>bad gateway</html>)"},
		{"a signed URL", &url.Error{Op: "Get", URL: "https://s3.example.com/b?X-Amz-Signature=SECRET", Err: errors.New("tls: internal error")}, "", `Get "https://s3.example.com/b": tls: internal error`},
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
