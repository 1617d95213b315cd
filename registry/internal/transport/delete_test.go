package transport

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A manifest or blob DELETE answered 200 or 204 is handed on as 202, with
// AnsweredHeader, once a HEAD finds it gone; one still there, or one whose
// HEAD fails otherwise, is handed on as answered.
func TestDeletedConfirmed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		path       string
		status     int // the DELETE's answer
		headStatus int
		want       int
	}{
		{"manifest 200, gone", "/v2/app/manifests/sha256:aa", http.StatusOK, http.StatusNotFound, http.StatusAccepted},
		{"tag 204, gone", "/v2/app/manifests/1.0", http.StatusNoContent, http.StatusNotFound, http.StatusAccepted},
		{"blob 200, gone", "/v2/app/blobs/sha256:aa", http.StatusOK, http.StatusNotFound, http.StatusAccepted},
		{"manifest 200, still there", "/v2/app/manifests/sha256:aa", http.StatusOK, http.StatusOK, http.StatusOK},
		{"manifest 204, HEAD refused", "/v2/app/manifests/sha256:aa", http.StatusNoContent, http.StatusUnauthorized, http.StatusNoContent},
		{"manifest 202", "/v2/app/manifests/sha256:aa", http.StatusAccepted, http.StatusOK, http.StatusAccepted},
		{"an upload's 204", "/v2/app/blobs/uploads/x", http.StatusNoContent, http.StatusNotFound, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			heads := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead {
					heads++
					if r.URL.Path != tc.path || r.Header.Get("Authorization") != "Bearer t" {
						t.Errorf("HEAD %s with %q, want %s with the DELETE's credentials", r.URL.Path, r.Header.Get("Authorization"), tc.path)
					}
					w.WriteHeader(tc.headStatus)
					return
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodDelete, srv.URL+tc.path, nil)
			req.Header.Set("Authorization", "Bearer t")
			resp, err := acceptedWrites{next: http.DefaultTransport}.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("answered %d, want %d", resp.StatusCode, tc.want)
			}
			if got := resp.Header.Get(AnsweredHeader); (got != "") != (tc.want != tc.status) {
				t.Errorf("%s %q", AnsweredHeader, got)
			}
			if confirms := tc.status != http.StatusAccepted && tc.path != "/v2/app/blobs/uploads/x"; (heads == 1) != confirms {
				t.Errorf("%d HEAD requests", heads)
			}
		})
	}
}
