package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/regclient/regclient/types/ref"
)

// deleteTag sends one request, DELETE of the tag, whatever the answer:
// never a stand-in manifest, never a delete by digest (regclient's
// TagDelete falls back to both). A 2xx is success; the registry's
// refusals are told apart from other failures.
func TestDeleteTag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		ok      bool
		refused bool
	}{
		{"202", http.StatusAccepted, "", true, false},
		{"200", http.StatusOK, "", true, false},
		{"204", http.StatusNoContent, "", true, false},
		{"405 UNSUPPORTED (Distribution 3, deletes disabled)", http.StatusMethodNotAllowed, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`, false, true},
		{"400 UNSUPPORTED", http.StatusBadRequest, `{"errors":[{"code":"UNSUPPORTED"}]}`, false, true},
		{"400 DIGEST_INVALID (Distribution 2.8)", http.StatusBadRequest, `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}`, false, true},
		{"403", http.StatusForbidden, `{"errors":[{"code":"DENIED"}]}`, false, true},
		{"404 (a tag a HEAD just found)", http.StatusNotFound, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, false, true},
		// not a refusal: a failure
		{"400 other", http.StatusBadRequest, `{"errors":[{"code":"NAME_INVALID"}]}`, false, false},
		{"501", http.StatusNotImplemented, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Method+" "+r.URL.Path)
				mu.Unlock()
				if r.URL.Path == "/v2/" {
					return
				}
				if tc.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			c, err := New(context.Background(), WithPlainHTTP(host), WithDockerConfig(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			r, _ := ref.New(host + "/app:1.0-linux-amd64")
			err = deleteTag(context.Background(), c.rc, r)
			if (err == nil) != tc.ok || (err != nil && refusedDelete(err) != tc.refused) {
				t.Errorf("error %v (refused %v), want ok %v, refused %v", err, err != nil && refusedDelete(err), tc.ok, tc.refused)
			}
			mu.Lock()
			defer mu.Unlock()
			var sent []string
			for _, s := range seen {
				// a DELETE answered 200 or 204 is confirmed by a HEAD, a read
				if s != "GET /v2/" && s != "HEAD /v2/app/manifests/1.0-linux-amd64" {
					sent = append(sent, s)
				}
			}
			if strings.Join(sent, ";") != "DELETE /v2/app/manifests/1.0-linux-amd64" {
				t.Errorf("requests %q, want the DELETE of the tag alone", sent)
			}
		})
	}
	// a reference that is not a tag alone is not sent
	c, err := New(context.Background(), WithDockerConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"reg.example.com/app@sha256:" + strings.Repeat("0", 64), "reg.example.com/app:1@sha256:" + strings.Repeat("0", 64)} {
		r, _ := ref.New(s)
		if err := deleteTag(context.Background(), c.rc, r); err == nil || !strings.Contains(err.Error(), "not a tag") {
			t.Errorf("%s: %v, want not a tag", s, err)
		}
	}
}
