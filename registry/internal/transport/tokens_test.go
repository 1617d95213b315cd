package transport

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// The tokens a token server hands out ("token", "access_token",
// "refresh_token" in its JSON answer) are told to Secrets before the
// answer is handed on, so that a scrubber knows them before anything could
// show them. A manifest or a blob is no token answer, whatever its keys.
func TestTokensAreSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body string
		want             []string
	}{
		{"Docker's token answer", "/token", `{"token":"tok-1234","access_token":"tok-1234","expires_in":300}`, []string{"tok-1234"}},
		{"OAuth2's", "/oauth2/token", `{"access_token":"acc-5678","refresh_token":"ref-9012","token_type":"bearer"}`, []string{"acc-5678", "ref-9012"}},
		{"a realm under /v2/ (Quay)", "/v2/auth", ` {"token":"quay-3456"}`, []string{"quay-3456"}},
		{"no token in it", "/token", `{"details":"no"}`, nil},
		{"not JSON", "/token", `token=abcd`, nil},
		{"a manifest", "/v2/app/manifests/1", `{"schemaVersion":2,"token":"not-a-secret"}`, nil},
		{"a blob", "/v2/app/blobs/sha256:1", `{"token":"not-a-secret"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(ok(tc.body))
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
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			told := slices.Clone(got) // when the answer is handed on
			mu.Unlock()
			resp.Body.Close()
			slices.Sort(told)
			if !slices.Equal(told, tc.want) {
				t.Errorf("told %q, want %q", told, tc.want)
			}
		})
	}
}
