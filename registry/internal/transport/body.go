package transport

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// answerBody is an answer's body under its attempt's watchdog, whose end
// (EOF, an error, Close) ends the attempt. Once the answer is handed on, a
// failure to read it is the request's, and a GET cut part-way may resume.
type answerBody struct {
	body  io.ReadCloser
	w     *watchdog // nil once the body is another attempt's (resume)
	r     *retrier
	req   *http.Request // the request, as the retrier was handed it
	start time.Time     // when it was first sent
	n     int           // the attempt

	got int64 // bytes read so far
	// whole is the GET of a whole answer of size bytes, which a cut may
	// continue (resume); nil for other answers
	whole   *http.Request
	size    int64
	resumes int

	done, handedOn atomic.Bool // the attempt has ended; the retrier handed the answer on
}

func (b *answerBody) Read(p []byte) (int, error) {
	if b.w != nil {
		b.w.arm()
	}
	n, err := b.body.Read(p)
	if b.w != nil {
		b.w.disarm()
	}
	b.got += int64(n)
	if err != nil {
		if err != io.EOF {
			err = b.explain(err)
			if b.resumable(err) && b.resume(err) {
				return n, nil
			}
		}
		b.end()
	}
	return n, err
}

func (b *answerBody) Close() error {
	err := b.body.Close()
	b.end()
	return err
}

// end ends the attempt, once.
func (b *answerBody) end() {
	if b.done.CompareAndSwap(false, true) && b.w != nil {
		b.w.stop()
	}
}

// explain says a failure to read the body: a late one as a
// [BodyTimeoutError], a stall as an [IdleError]; once the answer was
// handed on, a stall as a [RetryError] naming the request, a cut by the
// deadline as a [DeadlineError].
func (b *answerBody) explain(err error) error {
	handedOn, ctx := b.handedOn.Load(), b.req.Context()
	switch {
	case ctx.Err() != nil:
		if handedOn {
			return b.r.deadlineError(b.req, b.start, err)
		}
	case b.w != nil && b.w.late():
		return &BodyTimeoutError{Method: b.req.Method, Host: b.req.URL.Host, Path: b.req.URL.Path, Limit: b.r.Retry.Budget}
	case b.w != nil && b.w.expired() && handedOn:
		return &RetryError{Method: b.req.Method, Path: b.req.URL.Path, Host: b.req.URL.Host, Err: &IdleError{Limit: b.w.limit},
			Attempts: b.n, Wait: b.r.Retry.backoff(1)}
	case b.w != nil && b.w.expired():
		return &IdleError{Limit: b.w.limit}
	}
	return err
}

// resumable reports whether a failure to read an answer handed on is a
// connection cut or stalled part-way through a GET, not its context's end.
func (b *answerBody) resumable(err error) bool {
	if !b.handedOn.Load() || b.req.Method != http.MethodGet || b.req.Context().Err() != nil {
		return false
	}
	return classify(err).is(closedEarly | connReset | connBroken | stalled)
}

// maxResumes is how many times one answer is continued at most.
const maxResumes = 5

// resume continues a GET whose answer was cut part-way (cause) with a
// request for the rest (Range: bytes=N-), and reports whether the
// registry sent it (206 from byte N); if not, the reader gets the cut.
// regclient would resume too, but within its retry limit, which the
// Client keeps at 1 so that its retries do not multiply the transport's.
func (b *answerBody) resume(cause error) bool {
	if b.whole == nil || b.got >= b.size || b.resumes >= maxResumes {
		return false
	}
	b.resumes++
	name := b.req.Method + " " + b.req.URL.Host + b.req.URL.Path
	b.r.Log.Debugf("%s: cut after %d of %d bytes (%v); asking for the rest", name, b.got, b.size, cause)
	req := b.whole.Clone(b.req.Context())
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", b.got))
	resp, err := b.r.resend.RoundTrip(req)
	if err != nil {
		b.r.Log.Debugf("%s: the rest could not be had (%v)", name, err)
		return false
	}
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", b.got)) {
		b.r.Log.Debugf("%s: asked for the rest, the registry answered %s without it; starting over", name, resp.Status)
		resp.Body.Close()
		return false
	}
	b.body.Close()
	b.body = resp.Body // watched by its own attempt
	b.w.stop()
	b.w = nil
	return true
}
