package integration

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// trickled answers with the headers of a manifest of n bytes at once,
// then its body a byte every gap, until the client goes away.
func trickled(n int, gap time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		rc.Flush()
		for range n {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			rc.Flush()
		}
	}
}

// A registry that sends a manifest's headers at once, then its body a
// byte a second, each soon enough for the idle limit: the time one
// request may take (2 minutes) ends it, with one line naming the
// request, not retried; --timeout ends it sooner, naming the request too.
func TestTrickledManifest(t *testing.T) {
	t.Parallel()
	h := newHostile(t, trickled(1000, time.Second))
	ref := h.Host + "/app:1"
	res := mtMeasured(t, "--plain-http", "inspect", ref)
	res.fails(t, 1, "error: reading "+ref+": GET "+h.Host+"/v2/app/manifests/1: the answer's body took longer than 2m0s")
	if res.wall > 3*time.Minute { // a bound on ending at all, not a speed
		t.Errorf("ended after %s, well past the request's 2 minutes", res.wall)
	}
	if n := h.requests(); n != 1 {
		t.Errorf("the manifest was asked %d times, want once (the request's time is spent)", n)
	}
	mt(t, "--plain-http", "--timeout", "2s", "inspect", ref).fails(t, 1,
		"error: reading "+ref+": timed out (--timeout 2s) during GET "+h.Host+"/v2/app/manifests/1")
}
