package probe

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Recorder is a log handler that keeps an [Exchange] for each HTTP request
// regclient logs ("reg http request", with req-method, req-url,
// resp-status and resp-headers), and passes every record on to the next
// handler. A regclient client logging to a Recorder, with the Recorder's
// Exchanges, is a [Registry]. It is safe for concurrent use.
type Recorder struct {
	log  *exchangeLog
	next slog.Handler
}

type exchangeLog struct {
	mu        sync.Mutex
	exchanges []Exchange
}

// NewRecorder returns a Recorder that passes every record on to next.
func NewRecorder(next slog.Handler) *Recorder {
	return &Recorder{log: &exchangeLog{}, next: next}
}

// Exchanges returns the exchanges recorded so far, oldest first.
func (r *Recorder) Exchanges() []Exchange {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return append([]Exchange(nil), r.log.exchanges...)
}

// Add records an exchange regclient does not log: a redirect followed,
// which its record shows as one request.
func (r *Recorder) Add(e Exchange) {
	r.log.mu.Lock()
	r.log.exchanges = append(r.log.exchanges, e)
	r.log.mu.Unlock()
}

func (r *Recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *Recorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Recorder{log: r.log, next: r.next.WithAttrs(attrs)}
}

func (r *Recorder) WithGroup(name string) slog.Handler {
	return &Recorder{log: r.log, next: r.next.WithGroup(name)}
}

func (r *Recorder) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Message == "reg http request" {
		var e Exchange
		rec.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "req-method":
				e.Method = a.Value.String()
			case "req-url":
				if u, err := url.Parse(a.Value.String()); err == nil {
					e.Path = u.Path
				}
			case "resp-status": // "200 OK"
				e.Status, _ = strconv.Atoi(strings.SplitN(a.Value.String(), " ", 2)[0])
			case "resp-headers":
				if h, ok := a.Value.Any().(http.Header); ok {
					e.Header = h.Clone()
				}
			}
			return true
		})
		r.log.mu.Lock()
		r.log.exchanges = append(r.log.exchanges, e)
		r.log.mu.Unlock()
	}
	if r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}
