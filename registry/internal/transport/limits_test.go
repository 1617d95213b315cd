package transport

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// trickle answers 200 with a body of n bytes sent one at a time, every
// gap, at once (Content-Length n) or chunked; it stops when the client
// goes away.
func trickle(n int, gap time.Duration, chunked bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !chunked {
			w.Header().Set("Content-Length", fmt.Sprint(n))
		}
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		rc.Flush()
		for range n {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			rc.Flush()
		}
	}
}

// budget is the time one request may take in these tests.
const budget = 300 * time.Millisecond

// An answer that is not a blob's, whose body trickles in a byte at a
// time, each soon enough for the idle limit: it fails once the request's
// budget is spent, not retried, and says so naming the request. Read
// whole here (a manifest, a token) or handed on (an error's body).
func TestBodyBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		path    string
		handler http.HandlerFunc
	}{
		{"a manifest", "GET", "/v2/app/manifests/1", trickle(40, 20*time.Millisecond, false)},
		{"a manifest of unknown length", "GET", "/v2/app/manifests/1", trickle(40, 20*time.Millisecond, true)},
		{"a tag list", "GET", "/v2/app/tags/list", trickle(40, 20*time.Millisecond, false)},
		{"a token", "POST", "/token", trickle(40, 20*time.Millisecond, false)},
		{"an error's body, handed on", "GET", "/v2/app/referrers/sha256:1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "40")
			w.WriteHeader(http.StatusNotFound)
			for range 40 {
				time.Sleep(20 * time.Millisecond)
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				http.NewResponseController(w).Flush()
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &script{steps: []http.HandlerFunc{tc.handler}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			tr, _ := newTransport(t, Options{IdleTimeout: time.Second, Retry: Policy{Budget: budget, Delay: time.Millisecond}})
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path+"?q=1", nil)
			resp, err := tr.RoundTrip(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var late *BodyTimeoutError
			if !errors.As(err, &late) {
				t.Fatalf("got %v, want a BodyTimeoutError", err)
			}
			host := srv.Listener.Addr().String()
			want := tc.method + " " + host + tc.path + ": the answer's body took longer than 300ms"
			if err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
			if got := LimitCause(fmt.Errorf("failed to get manifest %s/app:1: %w", host, err)); got != want {
				t.Errorf("LimitCause: %q, want %q", got, want)
			}
			if seen, _ := s.requests(); len(seen) != 1 {
				t.Errorf("sent %d times, want once: the budget is spent", len(seen))
			}
			if again, _ := tr.Restartable(err); again {
				t.Error("a request out of time is not worth starting over")
			}
		})
	}
}

// A blob's body is not bound by the budget, only by the idle limit: a
// slow link may take its time over a large layer. A redirect to storage,
// whose path says nothing of blobs, is the blob's too.
func TestBodyBudgetNotForBlobs(t *testing.T) {
	t.Parallel()
	storage := httptest.NewServer(trickle(30, 20*time.Millisecond, false))
	defer storage.Close()
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/app/blobs/sha256:away" {
			http.Redirect(w, r, storage.URL+"/bucket/1", http.StatusTemporaryRedirect)
			return
		}
		trickle(30, 20*time.Millisecond, false)(w, r)
	}))
	defer reg.Close()
	tr, _ := newTransport(t, Options{IdleTimeout: time.Second, Retry: Policy{Budget: budget, Delay: time.Millisecond}})
	for _, path := range []string{"/v2/app/blobs/sha256:1", "/v2/app/blobs/sha256:away"} {
		resp, err := (&http.Client{Transport: tr}).Get(reg.URL + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != strings.Repeat("x", 30) {
			t.Errorf("%s: read %d bytes, %v; want all 30 (a slow blob is not late)", path, len(b), err)
		}
	}
}
