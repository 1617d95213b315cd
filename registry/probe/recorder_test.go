package probe

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// The Recorder reads regclient's request records, and passes every record
// on.
func TestRecorder(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	rec := NewRecorder(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log := slog.New(rec).With("host", "reg.example.com")
	log.Debug("reg http request",
		"req-method", "PATCH", "req-url", "https://user:pw@reg.example.com/v2/team/probe/blobs/uploads/u1?_state=SECRET",
		"resp-status", "202 Accepted", "resp-headers", http.Header{"Location": {"/v2/team/probe/blobs/uploads/u1"}})
	log.Debug("reg http request", "req-method", "GET", "req-url", "https://reg.example.com/v2/") // no answer
	log.Info("something else")
	want := []Exchange{
		{Method: "PATCH", Path: "/v2/team/probe/blobs/uploads/u1", Status: http.StatusAccepted, Header: http.Header{"Location": {"/v2/team/probe/blobs/uploads/u1"}}},
		{Method: "GET", Path: "/v2/"},
	}
	if got := rec.Exchanges(); !reflect.DeepEqual(got, want) {
		t.Errorf("exchanges %+v, want %+v", got, want)
	}
	if n := strings.Count(out.String(), "\n"); n != 3 || !strings.Contains(out.String(), "host=reg.example.com") {
		t.Errorf("passed on:\n%s", out.String())
	}
	// a handler made from it records into the same list
	slog.New(rec.WithGroup("g")).LogAttrs(context.Background(), slog.LevelDebug, "reg http request", slog.String("req-method", "HEAD"))
	if got := rec.Exchanges(); len(got) != 3 || got[2].Method != "HEAD" {
		t.Errorf("exchanges %+v", got)
	}
}
