package registry

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// exchange is one HTTP request and its answer, as regclient logs it.
type exchange struct {
	Method string
	URL    string // query string dropped
	Status int    // 0 when no answer came
	Header http.Header
}

// exchanges is the list a recorder fills.
type exchanges struct {
	mu  sync.Mutex
	log []exchange
}

// since returns the exchanges recorded after the first n.
func (x *exchanges) since(n int) []exchange {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]exchange(nil), x.log[min(n, len(x.log)):]...)
}

// count is how many exchanges were recorded so far.
func (x *exchanges) count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.log)
}

// recorder keeps regclient's per-request records, for the probe, which
// needs to see what regclient does not return: auth challenges, response
// headers, which endpoints answered. Every record also goes on to next
// (the run's log).
type recorder struct {
	x    *exchanges
	next slog.Handler
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &recorder{x: r.x, next: r.next.WithAttrs(attrs)}
}

func (r *recorder) WithGroup(name string) slog.Handler {
	return &recorder{x: r.x, next: r.next.WithGroup(name)}
}

func (r *recorder) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Message == "reg http request" {
		var e exchange
		rec.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "req-method":
				e.Method = a.Value.String()
			case "req-url":
				e.URL = redactURL(a.Value.String())
			case "resp-status": // "200 OK"
				e.Status, _ = strconv.Atoi(strings.SplitN(a.Value.String(), " ", 2)[0])
			case "resp-headers":
				if h, ok := a.Value.Any().(http.Header); ok {
					e.Header = h.Clone()
				}
			}
			return true
		})
		r.x.mu.Lock()
		r.x.log = append(r.x.log, e)
		r.x.mu.Unlock()
	}
	if r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}
