package transport

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// The causes the watchdog cancels an attempt's context with.
var (
	errIdle = errors.New("no byte moved for the idle limit")
	errLate = errors.New("the answer's body took too long")
)

// watchdog cancels one attempt of a request when it waits on the network
// for longer than its limit, or when the answer's body is not whole by
// the time set with dueBy. The package doc has its states in a table.
type watchdog struct {
	limit  time.Duration
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	timer    *time.Timer
	fireAt   time.Time // when the countdown ends; zero while disarmed
	sending  bool      // no answer yet: the request's body counts
	fired    bool      // the idle limit cancelled the attempt
	ended    bool      // the attempt has ended: never armed again
	dueTimer *time.Timer
	pastDue  bool // the due time cancelled the attempt
}

// newWatchdog makes an attempt's watchdog, and the context it is sent with.
func newWatchdog(ctx context.Context, limit time.Duration) (context.Context, *watchdog) {
	actx, cancel := context.WithCancelCause(ctx)
	return actx, &watchdog{limit: limit, cancel: cancel, sending: true}
}

// arm starts the countdown again, from now.
func (w *watchdog) arm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.fired {
		return
	}
	w.fireAt = time.Now().Add(w.limit)
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
	w.fireAt = time.Time{}
	if w.timer != nil {
		w.timer.Stop()
	}
}

// fire cancels the attempt, unless the countdown was stopped or started
// again since the timer was set (a timer's function may already be on
// its way when it is stopped or reset).
func (w *watchdog) fire() {
	w.cancelFor(&w.fired, errIdle, func() bool { return !w.fireAt.IsZero() && !time.Now().Before(w.fireAt) })
}

// cancelFor cancels the attempt with cause, and sets *flag, when ok holds
// (under the lock) and the attempt has neither ended nor been cancelled.
func (w *watchdog) cancelFor(flag *bool, cause error, ok func() bool) {
	w.mu.Lock()
	if w.ended || w.fired || w.pastDue || !ok() {
		w.mu.Unlock()
		return
	}
	*flag = true
	w.mu.Unlock()
	w.cancel(cause)
}

// holdingBody: the transport took bytes of the request's body to send (on
// true), or asks for more, having sent them (on false).
func (w *watchdog) holdingBody(holding bool) {
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

// expired reports whether the idle limit cancelled the attempt.
func (w *watchdog) expired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}

// dueBy cancels the attempt at due unless it has ended by then: its
// answer's body must be whole by due, however it trickles in.
func (w *watchdog) dueBy(due time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return
	}
	w.dueTimer = time.AfterFunc(time.Until(due), func() { w.cancelFor(&w.pastDue, errLate, func() bool { return true }) })
}

// late reports whether the due time of dueBy cancelled the attempt.
func (w *watchdog) late() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pastDue
}

// stop ends the attempt for good, and releases its context.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.ended = true
	if w.dueTimer != nil {
		w.dueTimer.Stop()
	}
	w.mu.Unlock()
	w.disarm()
	w.cancel(context.Canceled)
}

// requestBody is a request's body under the watchdog.
type requestBody struct {
	body io.ReadCloser
	w    *watchdog
}

func (s *requestBody) Read(p []byte) (int, error) {
	s.w.holdingBody(false)
	n, err := s.body.Read(p)
	if n > 0 && err == nil {
		s.w.holdingBody(true)
	}
	return n, err
}

func (s *requestBody) Close() error { return s.body.Close() }
