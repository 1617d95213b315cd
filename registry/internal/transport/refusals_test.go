package transport

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A refusal (401, 403) of a request for a repository is noted with its
// words and its challenge's scope and error, its body handed on whole;
// other answers are not noted, and the notes are bounded.
func TestRefusals(t *testing.T) {
	t.Parallel()
	answer := func(status int, path, challenge, body string) (*http.Request, *http.Response) {
		req := &http.Request{Method: "POST", URL: &url.URL{Scheme: "https", Host: "Reg:5000", Path: path}}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		if challenge != "" {
			resp.Header.Set("WWW-Authenticate", challenge)
		}
		return req, resp
	}
	tr := New(Options{})
	body := `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`
	req, resp := answer(401, "/v2/org/app/blobs/uploads/", `Bearer realm="https://auth/token",service="reg",scope="repository:org/app:pull,push",error="insufficient_scope"`, body)
	tr.refused.note(req, resp)
	if handed, _ := io.ReadAll(resp.Body); string(handed) != body {
		t.Errorf("the body handed on is %q", handed)
	}
	got := tr.Refusal("reg:5000", "org/app")
	if got.Status != 401 || got.Scope != "repository:org/app:pull,push" || got.Error != "insufficient_scope" ||
		got.said.words != "DENIED: requested access to the resource is denied" || !got.tells() {
		t.Errorf("noted %+v", got)
	}
	req, resp = answer(401, "/v2/other/manifests/1", `Bearer realm="https://auth/token",scope="repository:other:pull"`, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
	tr.refused.note(req, resp)
	if r := tr.Refusal("reg:5000", "other"); r.Status != 401 || r.tells() {
		t.Errorf("an ordinary challenge: %+v, tells %v", r, r.tells())
	}
	for _, status := range []int{200, 404, 429} {
		req, resp = answer(status, "/v2/quiet/manifests/1", "", `{"errors":[{"code":"DENIED","message":"x"}]}`)
		tr.refused.note(req, resp)
	}
	if r := tr.Refusal("reg:5000", "quiet"); r.Status != 0 {
		t.Errorf("noted %+v", r)
	}
	for i := range maxNoted + 10 {
		req, resp = answer(403, "/v2/r"+itoa(i)+"/manifests/1", "", body)
		tr.refused.note(req, resp)
	}
	if n := len(tr.refused.by); n != maxNoted {
		t.Errorf("%d refusals noted, want at most %d", n, maxNoted)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBearerParams(t *testing.T) {
	t.Parallel()
	challenges := []string{`Basic realm="x", Bearer realm="https://auth/token",service="reg",scope="repository:app:pull,push",error="insufficient_scope", Bearer realm="other"`}
	for param, want := range map[string][]string{"realm": {"https://auth/token", "other"}, "scope": {"repository:app:pull,push"}, "error": {"insufficient_scope"}, "service": {"reg"}} {
		if got := bearerParams(challenges, param); !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", param, got, want)
		}
	}
	if got := bearerParams([]string{`Basic realm="x"`}, "realm"); len(got) != 0 {
		t.Errorf("no Bearer challenge: got %q", got)
	}
}
