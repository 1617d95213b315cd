package spec

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// WaitError is a read of a local file or of standard input that the run's
// context (an interrupt, --timeout) ended before it was done: a named pipe
// that no writer opened, a pipe or a terminal that never closed, a lock
// another process holds. It is not bad input: it matches the context's
// error, not [ErrInvalid].
type WaitError struct {
	// What the run was doing, in words that follow "while":
	// "reading the spec from standard input".
	What string
	Err  error // the context's error
}

func (e *WaitError) Error() string {
	why := "interrupted"
	if errors.Is(e.Err, context.DeadlineExceeded) {
		why = "timed out"
	}
	return why + " while " + e.What
}

func (e *WaitError) Unwrap() error { return e.Err }

// OpenFile opens the file at path for reading, giving up when ctx ends.
// Opening a named pipe for reading waits, in the system call, until a
// writer opens it, and no context can end a system call: the open of
// anything but a regular file is left to a goroutine, which closes what
// it opens once it is no longer wanted.
// what names the file in the [WaitError] ("the spec x.yaml").
func OpenFile(ctx context.Context, what, path string) (*os.File, error) {
	if fi, err := os.Stat(path); ctx.Done() == nil || err != nil || fi.Mode().IsRegular() {
		return os.Open(path) // no wait: a file, or nothing there
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		select {
		case o := <-ch:
			return o.f, o.err
		default:
		}
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, &WaitError{What: "waiting for a writer to " + what, Err: ctx.Err()}
	}
}

// ReadAll reads r to its end, but no more than limit+1 bytes, so that the
// caller can tell a reader over limit without holding all of it; unless r
// is a regular file, whose read ends, it gives up when ctx ends. A pipe that stays open (standard input from a process
// that neither writes nor exits) holds a read in its system call: the
// read is left to a goroutine, which a read deadline ends when r has one
// (a named pipe, opened by [OpenFile]); otherwise it ends with the
// process. what names r in the [WaitError] ("the spec from standard
// input").
func ReadAll(ctx context.Context, what string, r io.Reader, limit int64) ([]byte, error) {
	if ctx.Done() == nil || isRegular(r) { // a file's read ends
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	r = io.LimitReader(r, limit+1)
	type read struct {
		b   []byte
		err error
	}
	ch := make(chan read, 1)
	go func() {
		b, err := io.ReadAll(r)
		ch <- read{b, err}
	}()
	select {
	case res := <-ch:
		return res.b, res.err
	case <-ctx.Done():
		select {
		case res := <-ch: // done at the same time: the read counts
			return res.b, res.err
		default:
		}
		if d, ok := r.(*io.LimitedReader).R.(interface{ SetReadDeadline(time.Time) error }); ok {
			_ = d.SetReadDeadline(time.Now())
		}
		return nil, &WaitError{What: "reading " + what, Err: ctx.Err()}
	}
}

// isRegular says whether r is a regular file.
func isRegular(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}
