package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// errIdle is what the watchdog cancels an attempt's context with.
var errIdle = errors.New("no byte moved for the idle limit")

// watchdog cancels one attempt of a request when it waits on the network
// for longer than its limit: while the transport holds body bytes it was
// handed to send and has not asked for more (the registry stopped reading
// the request), or while a read of the answer's body waits (it stopped
// sending). The wait for the answer's headers is not watched: that is
// the header timeout's.
type watchdog struct {
	limit  time.Duration
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	timer   *time.Timer
	due     time.Time // when it fires; zero while disarmed
	sending bool      // no answer yet: the request's body counts
	fired   bool
	over    bool // the attempt has ended: never armed again

	deadline *time.Timer // the answer's body must be whole by then (until)
	late     bool        // the deadline cancelled the attempt
}

// newWatchdog makes the watchdog of an attempt, and the context the
// attempt is sent with.
func newWatchdog(ctx context.Context, limit time.Duration) (context.Context, *watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	return actx, &watchdog{limit: limit, cancel: cancel, sending: true}
}

// arm starts the countdown again, from now.
func (w *watchdog) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over || w.fired {
		return
	}
	w.due = time.Now().Add(w.limit)
	if w.timer == nil {
		w.timer = time.AfterFunc(w.limit, w.fire)
	} else {
		w.timer.Reset(w.limit)
	}
}

// disarm stops the countdown.
func (w *watchdog) disarm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.due = time.Time{}
	if w.timer != nil {
		w.timer.Stop()
	}
}

// fire cancels the attempt, unless the countdown was stopped or started
// again since the timer was set (a timer's function may already be on
// its way when it is stopped or reset).
func (w *watchdog) fire() {
	w.mu.Lock()
	if w.over || w.fired || w.late || w.due.IsZero() || time.Now().Before(w.due) {
		w.mu.Unlock()
		return
	}
	w.fired = true
	w.mu.Unlock()
	w.cancel(errIdle)
}

// sent: the transport took bytes of the request's body to send (on
// true), or asks for more, having sent them (on false).
func (w *watchdog) sent(holding bool) {
	w.mu.Lock()
	sending := w.sending
	w.mu.Unlock()
	switch {
	case !sending: // answered: the rest of the body does not count
	case holding:
		w.arm()
	default:
		w.disarm()
	}
}

// answered: the headers came; from now on only the answer's body counts.
func (w *watchdog) answered() {
	w.mu.Lock()
	w.sending = false
	w.mu.Unlock()
	w.disarm()
}

// expired reports whether the watchdog cancelled the attempt for want of
// bytes moving.
func (w *watchdog) expired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// until cancels the attempt at dl unless it has ended by then: its
// answer's body must be whole by dl, however it trickles in.
func (w *watchdog) until(dl time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over {
		return
	}
	w.deadline = time.AfterFunc(time.Until(dl), func() {
		w.mu.Lock()
		if w.over || w.fired {
			w.mu.Unlock()
			return
		}
		w.late = true
		w.mu.Unlock()
		w.cancel(errLate)
	})
}

// overdue reports whether the deadline of until cancelled the attempt.
func (w *watchdog) overdue() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.late
}

// stop ends the attempt: the watchdog is disarmed for good and the
// attempt's context released.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.over = true
	if w.deadline != nil {
		w.deadline.Stop()
	}
	w.mu.Unlock()
	w.disarm()
	w.cancel(context.Canceled)
}

// sending is a request's body under the watchdog.
type sending struct {
	body io.ReadCloser
	w    *watchdog
}

func (s *sending) Read(p []byte) (int, error) {
	s.w.sent(false)
	n, err := s.body.Read(p)
	if n > 0 && err == nil {
		s.w.sent(true)
	}
	return n, err
}

func (s *sending) Close() error { return s.body.Close() }

// receiving is an answer's body under the watchdog. Its end (EOF, an
// error or Close) ends the attempt; once the transport has handed the
// answer on, it ends the request's flight too, and a failure is said as
// the request's.
type receiving struct {
	body io.ReadCloser
	w    *watchdog
	t    *Transport
	f    *flight
	ctx  context.Context // the request's own
	n    int             // the attempt

	got int64 // bytes read so far
	// whole is the GET of a whole answer of size bytes, which a cut may
	// continue (resume); nil for other answers
	whole   *http.Request
	size    int64
	resumes int

	mu            sync.Mutex
	ended, handed bool
}

func (r *receiving) Read(p []byte) (int, error) {
	if r.w != nil {
		r.w.arm()
	}
	n, err := r.body.Read(p)
	if r.w != nil {
		r.w.disarm()
	}
	r.got += int64(n)
	if err != nil {
		if err != io.EOF {
			err = r.explain(err)
			if r.resumable(err) && r.resume(err) {
				return n, nil
			}
		}
		r.end()
	}
	return n, err
}

// maxResumes is how many times one answer is continued at most.
const maxResumes = 5

// resume continues a GET whose answer was cut part-way (cause) with a
// request for the rest (Range: bytes=N-), and reads on from its answer
// when the registry sends that part (206 from byte N): the bytes already
// read, and hashed by whoever reads them, are not sent again. regclient
// would do the same, but only within its own retry limit, which this
// client keeps at 1 so that its retries do not multiply the transport's.
// It reports whether the answer goes on; where the registry ignores Range,
// the reader gets the cut, and the copy starts over as before.
func (r *receiving) resume(cause error) bool {
	if r.whole == nil || r.got >= r.size || r.resumes >= maxResumes {
		return false
	}
	r.resumes++
	r.t.log.Debugf("%s %s%s: cut after %d of %d bytes (%v); asking for the rest", r.f.method, r.f.host, r.f.path, r.got, r.size, cause)
	req := r.whole.Clone(r.ctx)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", r.got))
	resp, err := r.t.RoundTrip(req)
	if err != nil {
		r.t.log.Debugf("%s %s%s: the rest could not be had (%v)", r.f.method, r.f.host, r.f.path, err)
		return false
	}
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", r.got)) {
		r.t.log.Debugf("%s %s%s: asked for the rest, the registry answered %s without it; starting over", r.f.method, r.f.host, r.f.path, resp.Status)
		resp.Body.Close()
		return false
	}
	r.body.Close()
	r.body = resp.Body // watched by its own attempt
	r.w.stop()
	r.w = nil
	return true
}

// resumable reports whether a failure to read an answer handed on is a
// connection cut or stalled part-way through a GET, which a request for the
// rest can mend, rather than the run's deadline or an interrupt.
func (r *receiving) resumable(err error) bool {
	r.mu.Lock()
	handed := r.handed
	r.mu.Unlock()
	if !handed || r.f.method != http.MethodGet || r.ctx.Err() != nil {
		return false
	}
	c := classify(err)
	return c.is(closedEarly | connReset | connBroken | stalled)
}

func (r *receiving) Close() error {
	err := r.body.Close()
	r.end()
	return err
}

// explain says a failure to read the body: as it is, while the transport
// still decides on the attempt; once the answer was handed on, a stall as
// a [RetryError] naming the request, a cut by the deadline as a
// [DeadlineError].
func (r *receiving) explain(err error) error {
	r.mu.Lock()
	handed := r.handed
	r.mu.Unlock()
	switch {
	case r.ctx.Err() != nil:
		if handed && errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
			return r.t.deadlineError(r.f, err)
		}
	case r.w != nil && r.w.overdue():
		return &BodyTimeoutError{Method: r.f.method, Host: r.f.host, Path: r.f.path, Limit: r.t.policy.Budget}
	case r.w != nil && r.w.expired() && handed:
		return &RetryError{Method: r.f.method, Path: r.f.path, Host: r.f.host, Err: &IdleError{Limit: r.w.limit},
			Attempts: r.n, Wait: r.t.policy.backoff(1)}
	case r.w != nil && r.w.expired():
		return &IdleError{Limit: r.w.limit}
	}
	return err
}

// end ends the attempt, and the flight when the answer was handed on.
func (r *receiving) end() {
	r.mu.Lock()
	first, handed := !r.ended, r.handed
	r.ended = true
	r.mu.Unlock()
	if first {
		if r.w != nil {
			r.w.stop()
		}
		if handed {
			r.t.land(r.f)
		}
	}
}

// hand: the transport hands the answer on; the flight ends with the body.
func (r *receiving) hand() {
	r.mu.Lock()
	r.handed = true
	ended := r.ended
	r.mu.Unlock()
	if ended {
		r.t.land(r.f)
	}
}

// flight is a request in the transport: from RoundTrip until its answer's
// body is read or closed.
type flight struct {
	method, host, path string
	start              time.Time
	deadline           time.Time // its context's; zero for none
}

// oldest is the flight that started first among those whose context has
// deadline dl: the request to name when dl passes.
func oldest(flights []flight, dl time.Time) (flight, bool) {
	var (
		best  flight
		found bool
	)
	for _, f := range flights {
		if f.deadline.Equal(dl) && (!found || f.start.Before(best.start)) {
			best, found = f, true
		}
	}
	return best, found
}

func (t *Transport) depart(f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.flights == nil {
		t.flights = map[*flight]bool{}
	}
	t.flights[f] = true
}

func (t *Transport) land(f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.flights, f)
}

// inFlight counts the requests in flight.
func (t *Transport) inFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.flights)
}

// deadlineError says err, the failure of request f cut by its context's
// deadline, as a [DeadlineError] naming the oldest request in flight when
// the deadline passed: the same one for every request it cut.
func (t *Transport) deadlineError(f *flight, err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cut == nil || !t.cut.deadline.Equal(f.deadline) {
		all := make([]flight, 0, len(t.flights)+1)
		all = append(all, *f)
		for g := range t.flights {
			all = append(all, *g)
		}
		o, _ := oldest(all, f.deadline) // f is among them
		t.cut = &o
	}
	return &DeadlineError{Method: t.cut.method, Host: t.cut.host, Path: t.cut.path, Limit: t.timeout, Err: err}
}
