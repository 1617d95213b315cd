package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// What a registry's error answer says goes into the error line cut at
// 100 bytes, before the word the cut would split: its JSON error
// messages, of any length, as its pages. No credential and no token the
// run learnt is shown in part: what is written as a credential is
// redacted before the cut, and a word is shown whole, for the scrubber to
// blot out, or not at all. An answer of megabytes costs little memory or
// time. The memory and time measured are logged.
func TestRegistryErrorBodyBounded(t *testing.T) {
	t.Parallel()
	const rssBound = 100 << 10 // KiB
	token := "4f3a9c1e7b2d8a6f0e5c4b3a2918f7e6d5c4b3a2"
	tests := []struct {
		name, body, said string
	}{
		{"a JSON message of 4 MiB", `{"errors":[{"code":"DENIED","message":"` + strings.Repeat("no ", 4<<20/3) + `"}]}`,
			"DENIED: " + strings.Repeat("no ", 30) + "no…"},
		{"a page of 4 MiB", strings.Repeat("no ", 4<<20/3), strings.Repeat("no ", 33) + "…"},
		{"a page cut inside a character", strings.Repeat("x", 98) + " éé", strings.Repeat("x", 98) + " …"},
		{"a token across the cut", strings.Repeat("x", 80) + ` "token":"` + token + `"`, strings.Repeat("x", 80) + ` "token":"***"`},
	}
	learnt := "c2VjcmV0LXRva2VuLWhhbmRlZC1vdXQtYnktcmVhbG0"
	tests = append(tests, struct{ name, body, said string }{"a learnt token across the cut",
		strings.Repeat("x ", 46) + learnt + " is not allowed", strings.Repeat("x ", 46) + "…"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer "+learnt {
					w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="hostile"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, tc.body)
			})
			h.route("/token", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"token":%q}`, learnt)
			})
			ref := h.Host + "/app:1"
			res := mtMeasured(t, nil, "", "--plain-http", "inspect", ref)
			res.fails(t, 1, "error: reading "+ref+": 400 Bad Request ("+tc.said+")")
			if strings.Contains(res.stderr, token[:8]) || strings.Contains(res.stderr, learnt[:8]) {
				t.Errorf("a part of the token is shown: %s", res.stderr)
			}
			if res.maxRSS > rssBound {
				t.Errorf("max RSS %d KiB, over %d KiB", res.maxRSS, rssBound)
			}
			if res.elapsed > time.Minute { // a bound on ending at all, not a speed
				t.Errorf("ended after %s", res.elapsed)
			}
			t.Logf("measured: %s, inspect: stderr %d bytes, max RSS %d KiB (%.1f MiB), %s", tc.name, len(res.stderr), res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
		})
	}
}
