package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

const (
	bufferMax        = 8 << 20 // answers read whole (to retry a cut one)
	requestBufferMax = 4 << 20 // request bodies kept (to send again)
)

// retrier sends a request, and again while the retry policy says so:
// each attempt under a watchdog, the policy's decision, then the wait.
type retrier struct {
	Options                   // its policy (Retry), log, idle limit and --timeout
	next    http.RoundTripper // sends one attempt
	hosts   *hosts
	resend  http.RoundTripper // the stack, for the rest of a cut answer
}

// RoundTrip sends a request, and again while the retry policy says so.
func (r *retrier) RoundTrip(orig *http.Request) (*http.Response, error) {
	// sent again from our own copy (a GetBody may hand back a reader read)
	body, replayable, err := bodyOf(orig)
	if err != nil {
		return nil, err
	}
	host, start := orig.URL.Host, time.Now()
	prior := r.hosts.givenUpOn(host)
	closedBefore := false // an attempt met a connection closed without an answer
	for n := 1; ; n++ {
		a := r.send(orig, body, n, start)
		now := time.Now()
		d := r.Retry.decide(attempt{
			n: n, method: orig.Method, scheme: orig.URL.Scheme, host: host, path: orig.URL.Path,
			resp: a.resp, err: a.err, cancelled: orig.Context().Err() != nil, replayable: replayable,
			spent: now.Sub(start), now: now, answered: r.hosts.hasAnswered(host), closedBefore: closedBefore, prior: prior,
			optional: isOptional(orig.Context()), crossOrigin: origin(firstOf(orig).URL) != origin(orig.URL),
		})
		if d.action == answer {
			return a.handOn(), nil
		}
		if re, ok := d.err.(*RetryError); ok && re.StatusCode != 0 && a.err == nil {
			re.said = a.said() // the last answer's words, for the final error
		}
		a.drop()
		if d.action != retry {
			if re, ok := d.err.(*RetryError); ok && d.down {
				r.hosts.giveUp(re)
			}
			return nil, r.deadlineError(orig, start, d.err)
		}
		closedBefore = closedBefore || d.closed
		r.logWait(orig, d)
		if err := Sleep(orig.Context(), d.wait); err != nil {
			return nil, r.deadlineError(orig, start, err)
		}
	}
}

// sent is one attempt of a request: its answer, its body watched, or its failure.
type sent struct {
	resp  *http.Response
	err   error
	watch *watchdog
	body  *answerBody // nil for an answer without a body
}

// send makes attempt n of orig, first sent at start, with body (our copy
// of orig's, or nil to stream orig's own). A successful GET or POST's
// answer is read whole when small, so that a cut one is retried here.
func (r *retrier) send(orig *http.Request, body []byte, n int, start time.Time) sent {
	ctx, watch := newWatchdog(orig.Context(), r.IdleTimeout)
	resp, err := r.next.RoundTrip(watched(orig.WithContext(ctx), orig, body, watch))
	if err != nil {
		if watch.expired() && orig.Context().Err() == nil {
			err = &IdleError{Limit: r.IdleTimeout}
		}
		return sent{err: err, watch: watch}
	}
	watch.answered()
	if bounded(firstOf(orig).URL.Path) { // an answer's body, but a blob's, must be whole within the budget
		watch.dueBy(start.Add(r.Retry.Budget))
	}
	t := sent{resp: resp, watch: watch}
	if resp.Body != nil && resp.Body != http.NoBody {
		t.body = &answerBody{body: resp.Body, w: watch, r: r, req: orig, start: start, n: n}
		if orig.Method == http.MethodGet && resp.StatusCode == http.StatusOK && resp.ContentLength > 0 && orig.Header.Get("Range") == "" {
			t.body.whole, t.body.size = orig, resp.ContentLength
		}
		resp.Body = t.body
	}
	if (orig.Method == http.MethodGet || orig.Method == http.MethodPost) && resp.StatusCode < 300 {
		t.err = buffer(resp) // a *BodyTimeoutError when the body is late
	}
	return t
}

// handOn hands the answer on; its body, if any, stays watched until read or closed.
func (t sent) handOn() *http.Response {
	if t.body != nil {
		t.body.handedOn.Store(true)
	} else {
		t.watch.stop()
	}
	return t.resp
}

// maxSaidBody bounds what is read of an error answer's body for its
// words: as much as regclient reads of one (v0.11.7, reghttp.ReadBodyLimit),
// so that a long message in the spec's JSON is still read as JSON.
const maxSaidBody = 8 << 20

// said reads what the attempt's answer says in its body, up to maxSaidBody.
func (t sent) said() said {
	b, _ := io.ReadAll(io.LimitReader(t.resp.Body, maxSaidBody))
	return saidIn(string(b))
}

// drop lets go of an attempt that is not handed on.
func (t sent) drop() {
	if t.err == nil { // an answer to try again: read and let go
		_, _ = io.Copy(io.Discard, io.LimitReader(t.resp.Body, 64<<10))
		t.resp.Body.Close()
	}
	t.watch.stop()
}

// logWait logs the wait d before orig is tried again, a warning from a second on.
func (r *retrier) logWait(orig *http.Request, d decision) {
	switch {
	case d.asked && d.wait >= time.Second:
		r.Log.Warnf("%s asked to wait %s (Retry-After) before %s %s again; retrying", orig.URL.Host, d.wait.Round(time.Second), orig.Method, orig.URL.Path)
	case d.wait >= time.Second:
		r.Log.Warnf("%s %s: %s; retrying in %s", orig.Method, RedactURL(orig.URL.String()), d.why, d.wait.Round(100*time.Millisecond))
	default:
		r.Log.Debugf("%s %s: %s; retrying in %s", orig.Method, RedactURL(orig.URL.String()), d.why, d.wait.Round(time.Millisecond))
	}
}

// deadlineError is err, the failure of request orig first sent at start,
// as a [DeadlineError] when its context's deadline passed while it was in
// flight; as it is otherwise.
func (r *retrier) deadlineError(orig *http.Request, start time.Time, err error) error {
	ctx := orig.Context()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !start.Before(dl) {
		return err
	}
	return &DeadlineError{Method: orig.Method, Host: orig.URL.Host, Path: orig.URL.Path, Limit: r.Timeout, Err: err}
}

// watched is req, one attempt of orig, with its body (our copy of it, or
// orig's own stream) under the watchdog.
func watched(req, orig *http.Request, body []byte, w *watchdog) *http.Request {
	switch {
	case body != nil:
		req.Body = &requestBody{io.NopCloser(bytes.NewReader(body)), w}
		req.GetBody = func() (io.ReadCloser, error) { return &requestBody{io.NopCloser(bytes.NewReader(body)), w}, nil }
	case orig.Body != nil && orig.Body != http.NoBody:
		req.Body = &requestBody{orig.Body, w}
		if orig.GetBody != nil {
			req.GetBody = func() (io.ReadCloser, error) {
				b, err := orig.GetBody()
				if err != nil {
					return nil, err
				}
				return &requestBody{b, w}, nil
			}
		}
	}
	return req
}

// bodyOf reads a request's body, when it has one of a known size small
// enough to keep, so that it can be sent again.
func bodyOf(req *http.Request) (body []byte, replayable bool, err error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return nil, true, nil
	case req.ContentLength <= 0 || req.ContentLength > requestBufferMax: // 0 with a body: unknown
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(req.Body, req.ContentLength+1))
	req.Body.Close()
	if err == nil && int64(len(body)) != req.ContentLength {
		err = fmt.Errorf("a request body of %d bytes where %d were announced: %w", len(body), req.ContentLength, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, false, err
	}
	return body, true, nil
}

// buffer reads an answer's body whole into a [wholeBody] when it is small,
// so that a cut one can be retried; a larger one is left to stream.
func buffer(resp *http.Response) error {
	if resp.ContentLength > bufferMax {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, bufferMax+1))
	if err == nil && int64(len(b)) > bufferMax { // of unknown length, and large
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return nil
	}
	resp.Body.Close()
	if err == nil && resp.ContentLength >= 0 && int64(len(b)) < resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	resp.Body = &wholeBody{Reader: bytes.NewReader(b), bytes: b}
	return err
}

// wholeBody is an answer's body read whole, which the answer tap shows.
type wholeBody struct {
	*bytes.Reader
	bytes []byte
}

func (*wholeBody) Close() error { return nil }

// wholeOf is the body of resp when it was read whole, nil otherwise.
func wholeOf(resp *http.Response) []byte {
	if w, ok := resp.Body.(*wholeBody); ok {
		return w.bytes
	}
	return nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
