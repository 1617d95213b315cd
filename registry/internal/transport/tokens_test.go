package transport

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The tokens a token server hands out ("token", "access_token",
// "refresh_token" in its JSON answer) are told to Secrets before the
// answer is handed on, so that a scrubber knows them before anything could
// show them; and only those of an answer from a token endpoint that a
// Bearer challenge named (its realm, with any query): a registry cannot
// make any text a "token", to be blotted out of what is shown, by putting
// it in a JSON answer. A manifest or a blob is no token answer, whatever
// its keys.
func TestTokensAreSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		challenge string // the WWW-Authenticate of the registry's 401; "" for none
		path      string // then asked
		body      string // and answered
		want      []string
	}{
		{"Docker's token answer", `Bearer realm="REALM/token",service="reg",scope="repository:app:pull"`, "/token", `{"token":"tok-1234","access_token":"tok-1234","expires_in":300}`, []string{"tok-1234"}},
		{"OAuth2's", `Bearer realm="REALM/oauth2/token"`, "/oauth2/token", `{"access_token":"acc-5678","refresh_token":"ref-9012","token_type":"bearer"}`, []string{"acc-5678", "ref-9012"}},
		{"a realm under /v2/ (Quay)", `Bearer realm="REALM/v2/auth"`, "/v2/auth", ` {"token":"quay-3456"}`, []string{"quay-3456"}},
		{"a relative realm, unquoted", `Bearer realm=/auth/token,service=reg`, "/auth/token", `{"token":"rel-7890"}`, []string{"rel-7890"}},
		{"the second challenge", `Basic realm="x", Bearer service="reg", realm="REALM/t"`, "/t", `{"token":"two-1357"}`, []string{"two-1357"}},
		{"no token in it", `Bearer realm="REALM/token"`, "/token", `{"details":"no"}`, nil},
		{"not JSON", `Bearer realm="REALM/token"`, "/token", `token=abcd`, nil},
		{"no challenge named it", "", "/token", `{"token":"not-a-secret"}`, nil},
		{"a Basic realm", `Basic realm="REALM/token"`, "/token", `{"token":"not-a-secret"}`, nil},
		{"another path than the realm", `Bearer realm="REALM/token"`, "/v2/app/tags/list", `{"token":"not-a-secret"}`, nil},
		{"a manifest named as realm", `Bearer realm="REALM/v2/app/manifests/1"`, "/v2/app/manifests/1", `{"schemaVersion":2,"token":"not-a-secret"}`, nil},
		{"a blob named as realm", `Bearer realm="REALM/v2/app/blobs/sha256:1"`, "/v2/app/blobs/sha256:1", `{"token":"not-a-secret"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					if tc.challenge != "" {
						w.Header().Set("WWW-Authenticate", strings.ReplaceAll(tc.challenge, "REALM", srv.URL))
					}
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			var (
				mu  sync.Mutex
				got []string
			)
			tr, _ := newTransport(t, Options{Retry: fast, Secrets: func(s ...string) {
				mu.Lock()
				got = append(got, s...)
				mu.Unlock()
			}})
			for _, path := range []string{"/v2/", tc.path + "?scope=repository%3Aapp%3Apull&service=reg"} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			mu.Lock()
			told := slices.Clone(got)
			mu.Unlock()
			slices.Sort(told)
			if !slices.Equal(told, tc.want) {
				t.Errorf("told %q, want %q", told, tc.want)
			}
		})
	}
}
