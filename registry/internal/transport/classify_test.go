package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

// timeout is a network timeout, as net's own.
type timeout struct{}

func (timeout) Error() string   { return "i/o timeout" }
func (timeout) Timeout() bool   { return true }
func (timeout) Temporary() bool { return true }

// The few words of a RetryError that has no status.
func TestReason(t *testing.T) {
	t.Parallel()
	// what net/http says of an answer that is not HTTP
	req, _ := http.NewRequest("GET", "http://"+garbageServer(t)+"/v2/", nil)
	_, notHTTP := (&http.Transport{}).RoundTrip(req)
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
		{"not HTTP", notHTTP, "connection closed before a whole answer"},
		{"an idle connection the server closed", &url.Error{Op: "Put", URL: "http://reg.example.com/v2/app/blobs/uploads/1", Err: errors.New("http: server closed idle connection")}, "connection closed before a whole answer"},
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

// Whether a request got an answer, for failures made for real (see
// TestCause).
func TestUnanswered(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"retries": true, "retries: stalled": true, "stopped answering": true, "not HTTP": true, "refused": true,
		"cannot connect": true, "interrupted": true, "--timeout": true, "--timeout: after it passed": true,
		"plain HTTP refused": true, "plain HTTP refused by regclient": true,
		"not found": false, "status": false, "no credentials": false, "mislabelled": false, "altered": false, "untrusted": false,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := failureNamed(t, name).err; Unanswered(err) != want {
				t.Errorf("Unanswered(%q) = %v", err, !want)
			}
		})
	}
}

// A connection that could not be made in time is no --timeout, though net
// says its timeout is a context.DeadlineExceeded (as net/http says of its
// wait for headers); the run's deadline is one, said by the context or a
// DeadlineError.
func TestDialTimeoutIsNoDeadline(t *testing.T) {
	t.Parallel()
	_, err := (&net.Dialer{Timeout: time.Nanosecond}).Dial("tcp", closedPort(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dialing: %v, which net no longer says is a context.DeadlineExceeded", err)
	}
	if c := classify(err); c.is(deadline) || !c.is(dialFailed|timedOut) {
		t.Errorf("a dial that timed out: %b, want dialFailed and timedOut, not deadline", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	for _, err := range []error{ctx.Err(), fmt.Errorf("x: %w", ctx.Err()), &DeadlineError{Err: errors.New("canceled")}} {
		if !classify(err).is(deadline) {
			t.Errorf("%v: not the run's deadline", err)
		}
	}
}
