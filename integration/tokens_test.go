package integration

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// opaqueIssuer is a token server on loopback that hands out opaque
// tokens, random words rather than JWTs (which Redact's patterns would
// know), with a refresh token, to whoever gives its basic credentials.
type opaqueIssuer struct {
	URL  string
	mu   sync.Mutex
	sent []string // every token and refresh token handed out
}

func newOpaqueIssuer(t *testing.T, user, pass string) *opaqueIssuer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	is := &opaqueIssuer{URL: "http://" + ln.Addr().String() + "/token"}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="tokens"`)
			http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
			return
		}
		token, refresh := randomWord("tk"), randomWord("rf")
		is.mu.Lock()
		is.sent = append(is.sent, token, refresh)
		is.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"token": token, "access_token": token, "refresh_token": refresh, "expires_in": 300})
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return is
}

// valid reports whether token is one handed out.
func (is *opaqueIssuer) valid(token string) bool {
	is.mu.Lock()
	defer is.mu.Unlock()
	for _, s := range is.sent {
		if s == token && strings.HasPrefix(s, "tk") {
			return true
		}
	}
	return false
}

func (is *opaqueIssuer) secrets() []string {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]string(nil), is.sent...)
}

func randomWord(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// A registry with bearer tokens from a token server that hands out opaque
// ones, which echoes the token it was sent, bare and in its Authorization
// header, in the body of the errors it answers (a manifest read or
// written that it denies): the tokens never appear in what the runs
// print, at --debug, in text or JSON, and *** stands where they were.
func TestTokensNeverEchoed(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "echo/app", "1", false, linuxAMD64)
	is := newOpaqueIssuer(t, authUser, authPass)
	echoed := 0
	var mu sync.Mutex
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		auth := req.Header.Get("Authorization")
		if !is.valid(strings.TrimPrefix(auth, "Bearer ")) {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q,service="echo",scope="repository:echo/app:pull"`, is.URL))
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return true
		}
		denied := strings.HasSuffix(req.URL.Path, "/manifests/denied") || req.Method == "PUT" && strings.Contains(req.URL.Path, "/manifests/")
		if !denied {
			return false // the registry answers
		}
		mu.Lock()
		echoed++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest) // a 401 or 403 is said as unauthorized, its body unshown
		token := strings.TrimPrefix(auth, "Bearer ")
		fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"session %s may not do this","detail":"Authorization: %s"}]}`, token, auth)
		return true
	})
	creds := []string{"--plain-http", "--debug", "--username", authUser, "--password", authPass}
	var all strings.Builder
	for _, format := range []string{"text", "json"} {
		flags := append(append([]string{}, creds...), "--log-format", format)
		mt(t, append(flags, "inspect", host+"/echo/app:1-linux-amd64")...).ok0(t) // the tokens work
		for _, cmd := range [][]string{
			{"inspect", host + "/echo/app:denied"},
			{"push", "from-args", "--platforms", "linux/amd64", "--template", host + "/echo/app:1-OS-ARCH", "--target", host + "/echo/app:2"},
		} {
			res := mt(t, append(flags, cmd...)...)
			if res.code != 1 {
				t.Errorf("%s %s: exit %d, want 1", format, cmd[0], res.code)
			}
			if !strings.Contains(res.stderr, "DENIED: session *** may not do this") {
				t.Errorf("%s %s: the registry's words are not shown, scrubbed", format, cmd[0])
			}
			all.WriteString(res.stdout + res.stderr)
		}
	}
	if echoed < 4 {
		t.Errorf("the registry echoed %d times, want every denied run", echoed)
	}
	tokens := is.secrets()
	if len(tokens) == 0 {
		t.Fatal("no token was handed out")
	}
	for _, s := range tokens {
		if strings.Contains(all.String(), s) {
			t.Errorf("a token appears in the output: %.6s…", s)
		}
	}
}
