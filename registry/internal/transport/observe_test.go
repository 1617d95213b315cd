package transport

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// An observer under a request's context sees the answer it was handed
// back with, after retries: the status, and the body when read whole; a
// request under another context is not shown to it.
func TestObserver(t *testing.T) {
	t.Parallel()
	s := &script{steps: []http.HandlerFunc{status(503), ok("the answer"), status(404)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	var seen []string
	ctx := WithObserver(context.Background(), func(req *http.Request, status int, body []byte) {
		seen = append(seen, fmt.Sprintf("%s %s %d %q", req.Method, req.URL.Path, status, body))
	})
	for _, c := range []context.Context{ctx, ctx, context.Background()} {
		req, err := http.NewRequestWithContext(c, "GET", srv.URL+"/v2/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(seen) > 0 && resp.StatusCode == 200 && string(b) != "the answer" {
			t.Errorf("the body handed on after the observer saw it: %q", b)
		}
	}
	want := []string{`GET /v2/x 200 "the answer"`, `GET /v2/x 404 ""`}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("seen %q, want %q", seen, want)
	}
}

// A request given up on after its answers (a 503 each time) shows the
// observer the last one's status.
func TestObserverGivenUp(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&script{steps: []http.HandlerFunc{status(503)}})
	defer srv.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	var seen []int
	ctx := WithObserver(context.Background(), func(req *http.Request, status int, body []byte) { seen = append(seen, status) })
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/app/referrers/sha256:1", nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("no error after ten 503s")
	}
	if fmt.Sprint(seen) != "[503]" {
		t.Errorf("seen %v, want [503]", seen)
	}
}
