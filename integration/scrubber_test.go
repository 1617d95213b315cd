package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// alone matches s where it stands alone: not next to a letter, a digit or
// one of - _ . + ~ (the scrubber's rule for a short secret).
func alone(s string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9._~+-])` + regexp.QuoteMeta(s) + `($|[^A-Za-z0-9._~+-])`)
}

// A password of 1 to 3 characters, which a hostile registry with basic
// auth echoes in an error body and in a Warning header: it never appears
// in what the runs print, where it stands alone, at --debug, in text and
// JSON logs and in push's --output json, and *** stands where it was. The
// memory and time are measured and held.
func TestShortPasswordScrubbed(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	for _, pass := range []string{"q", "Qz7"} {
		t.Run(pass, func(t *testing.T) {
			t.Parallel()
			echoed := atomic.Int32{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
				if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != pass {
					w.Header().Set("WWW-Authenticate", `Basic realm="short"`)
					http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
					return
				}
				if !strings.HasPrefix(r.URL.Path, "/v2/app/manifests/") {
					http.NotFound(w, r)
					return
				}
				echoed.Add(1)
				w.Header().Set("Warning", fmt.Sprintf(`299 - "login ci noted with password %s."`, pass))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"password %s rejected for ci"}]}`, pass)
			}))
			defer srv.Close()
			host := srv.Listener.Addr().String()
			spec := writeFile(t, "release.yaml", "image: "+host+"/app:2\nmanifests:\n  - image: "+host+"/app:1\n")
			var all strings.Builder
			for _, run := range [][]string{
				{"--debug", "inspect", host + "/app:1"},
				{"--debug", "--log-format", "json", "inspect", host + "/app:1"},
				{"--log-format", "json", "push", "--output", "json", "from-spec", spec},
				{"push", "--output", "json", "from-spec", spec},
			} {
				res := mtMeasured(t, nil, pass+"\n", append([]string{"--plain-http", "--username", "ci", "--password-stdin"}, run...)...)
				t.Logf("measured: password %q, %s: exit %d, max RSS %d KiB, %s", pass, strings.Join(run, " "), res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
				if res.code != 1 {
					t.Errorf("%s: exit %d, want 1", strings.Join(run, " "), res.code)
				}
				if !strings.Contains(res.stdout+res.stderr, "password *** rejected for ci") {
					t.Errorf("%s: the registry's words are not shown, scrubbed", strings.Join(run, " "))
				}
				if res.maxRSS > rssBound || res.elapsed > time.Minute {
					t.Errorf("max RSS %d KiB, %s: over %d KiB or a minute", res.maxRSS, res.elapsed, rssBound)
				}
				all.WriteString(res.stdout + res.stderr)
			}
			if echoed.Load() == 0 {
				t.Fatal("the registry never echoed the password")
			}
			if !strings.Contains(all.String(), "registry says: login ci noted with password ***.") {
				t.Errorf("the Warning header is not shown, scrubbed")
			}
			if m := alone(pass).FindString(all.String()); m != "" {
				t.Errorf("the password appears in the output: %q", m)
			}
		})
	}
}

// A token server of the registry's own that hands out, as its token, the
// registry's host name or the repository's name: every line the runs
// print still shows them (at --debug, each request's URL), in text and
// JSON logs, with no *** in their place. The memory and time are measured
// and held.
func TestLearntTokenKeepsTheRunsWords(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	r := regtest.New(t)
	seed(t, r, "tok/app", "1", false, linuxAMD64)
	for _, kind := range []string{"host", "repository"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			var token atomic.Value // string
			issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"token": token.Load(), "expires_in": 300})
			}))
			defer issuer.Close()
			host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
				if req.Header.Get("Authorization") == "Bearer "+token.Load().(string) {
					return false
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+issuer.URL+`/token",service="tok"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				return true
			})
			token.Store(map[string]string{"host": host, "repository": "tok/app"}[kind])
			for _, run := range [][]string{
				{"inspect", host + "/tok/app:1-linux-amd64"},
				{"--log-format", "json", "push", "from-args", "--platforms", "linux/amd64", "--template", host + "/tok/app:1-OS-ARCH", "--target", host + "/tok/app:" + kind},
			} {
				res := mtMeasured(t, nil, "", append([]string{"--plain-http", "--debug"}, run...)...)
				t.Logf("measured: token %s, %s: exit %d, max RSS %d KiB, %s", kind, run[len(run)-1], res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
				res.ok0(t)
				urls := strings.Count(res.stderr, "http://"+host+"/v2/tok/app/")
				if urls < 2 || strings.Contains(res.stderr, "***") {
					t.Errorf("%s: %d request lines name %s/v2/tok/app/, and *** stands in the logs", run[len(run)-1], urls, host)
				}
				if res.maxRSS > rssBound || res.elapsed > time.Minute {
					t.Errorf("max RSS %d KiB, %s: over %d KiB or a minute", res.maxRSS, res.elapsed, rssBound)
				}
			}
		})
	}
}

// A registry whose answer to a referrers query, not a token endpoint, is
// a JSON object with a "token" key: its value is no secret to the run,
// and the registry's Warning lines that quote it, before and after, are
// shown as they are.
func TestTokenKeyOutsideRealm(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "nontok/app", "1", false, linuxAMD64)
	const word = "quota-Word-7xQ"
	n := atomic.Int32{}
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		w.Header().Set("Warning", fmt.Sprintf(`299 - "%s at request %d"`, word, n.Add(1)))
		if !strings.Contains(req.URL.Path, "/referrers/") {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
		fmt.Fprintf(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"token":%q}`, word)
		return true
	})
	res := mtMeasured(t, nil, "", "--plain-http", "inspect", "--referrers", host+"/nontok/app:1-linux-amd64")
	t.Logf("measured: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	res.ok0(t)
	said := strings.Count(res.stderr, "registry says: "+word+" at request ")
	if said < 2 || strings.Contains(res.stderr, "***") {
		t.Errorf("%d warnings quote %s, and *** stands in the logs", said, word)
	}
	if res.maxRSS > 200<<10 || res.elapsed > time.Minute {
		t.Errorf("max RSS %d KiB, %s: over 200 MiB or a minute", res.maxRSS, res.elapsed)
	}
}

// A registry whose token server hands out 128 KiB of one character as its
// token, and that then answers with an error whose message is 1.5 MiB of
// that character: the error line, which holds the token at every offset,
// is scrubbed in time that follows its length (a minute and a half when
// each place of the token was found and marked one by one, and hours for
// a few MiB), one line, exit 1, the token blotted out. The memory and
// time are measured and held.
func TestLearntTokenRepeatedInALine(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("a", 128<<10)
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="rep"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"%s"}]}`, strings.Repeat("a", 3<<19))
	})
	h.route("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token": token, "expires_in": 300})
	})
	ref := h.Host + "/app:1"
	res := mtMeasured(t, nil, "", "--plain-http", "inspect", ref)
	t.Logf("measured: a 128 KiB token repeated in a 1.5 MiB error line: exit %d, max RSS %d KiB (%.1f MiB), %s, %d bytes on stderr",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), len(res.stderr))
	// what an error answer says is cut at 100 bytes before the word the
	// cut would split: the token is not in the line at all
	res.fails(t, 1, "error: reading "+ref+": 400 Bad Request (DENIED: …)")
	if res.maxRSS > 200<<10 || res.elapsed > 30*time.Second {
		t.Errorf("max RSS %d KiB, %s: over 200 MiB or 30 s", res.maxRSS, res.elapsed)
	}
}
