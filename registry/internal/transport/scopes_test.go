package transport

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// tokenRequest is a token request for scopes, by GET or by POST's form.
func tokenRequest(t *testing.T, post bool, scopes ...string) *http.Request {
	t.Helper()
	q := url.Values{"service": {"reg"}, "scope": scopes}
	if post {
		req, err := http.NewRequest(http.MethodPost, "https://auth.example/token", strings.NewReader(url.Values{"scope": {strings.Join(scopes, " ")}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	req, err := http.NewRequest(http.MethodGet, "https://auth.example/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// refusal is a 401 to a request to path on reg.example sent with token,
// whose challenge names scope.
func refusal(path, token, scope string) (*http.Request, *http.Response) {
	req, _ := http.NewRequest(http.MethodGet, "https://Reg.example"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp := &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}, Request: req}
	resp.Header.Set("WWW-Authenticate", `Bearer realm="https://auth.example/token",service="reg",scope="`+scope+`",error="insufficient_scope"`)
	return req, resp
}

func TestScopeNotes(t *testing.T) {
	for _, post := range []bool{false, true} {
		var s scopeNotes
		s.token(tokenRequest(t, post, "repository:a/app:pull", "repository:b/app:pull,push"), []string{"tk1"})
		// a 401 for a scope the token was not asked for is the usual
		// way to learn a new scope: nothing narrowed
		s.challenged(refusal("/v2/c/app/manifests/1", "tk1", "repository:c/app:pull"))
		// a 401 sent without a token of the run, or not a 401, neither
		s.challenged(refusal("/v2/a/app/manifests/1", "tk9", "repository:a/app:pull"))
		if len(s.narrowed) != 0 {
			t.Fatalf("post %v: narrowed %v before any scope asked was refused", post, s.narrowed)
		}
		// a scope it was asked for: the token service left it out
		s.challenged(refusal("/v2/b/app/blobs/uploads/", "tk1", "repository:b/app:push,pull repository:a/app:pull"))
		if got := s.narrowed["reg.example"]; got != "repository:b/app:push,pull repository:a/app:pull" {
			t.Errorf("post %v: narrowed %q", post, got)
		}
		s.challenged(refusal("/v2/a/app/manifests/1", "tk1", "repository:a/app:pull"))
		if s.refused["reg.example/a/app"] != "repository:a/app:pull" || s.narrowed["reg.example"] == "repository:a/app:pull" {
			t.Errorf("post %v: refused %v, narrowed %v: want a/app's own, and the host's first", post, s.refused, s.narrowed)
		}
	}
}

// Hostile: a registry's challenge with control characters and a length
// past the bound, and a run of many tokens, keep the notes bounded.
func TestScopeNotesBounded(t *testing.T) {
	var s scopeNotes
	for i := range maxTokens * 2 {
		s.token(tokenRequest(t, false, fmt.Sprintf("repository:r%d:pull", i)), []string{fmt.Sprint("tk", i)})
	}
	if len(s.asked) != maxTokens || len(s.order) != maxTokens {
		t.Fatalf("%d tokens kept, want %d", len(s.asked), maxTokens)
	}
	last := fmt.Sprint("tk", maxTokens*2-1)
	long := "repository:r" + fmt.Sprint(maxTokens*2-1) + ":pull"
	s.token(tokenRequest(t, false, long+"\x1b[2J"+strings.Repeat("x", 1000)+":pull"), []string{last})
	s.challenged(refusal("/v2/x/manifests/1", last, long+"\x1b[2J"+strings.Repeat("x", 1000)+":pull"))
	got := s.narrowed["reg.example"]
	if got == "" || strings.ContainsRune(got, '\x1b') || len(got) > maxScopeLen+len("…") {
		t.Errorf("narrowed %q: want it noted, bounded and without control characters", got)
	}
}

func TestScopeAsked(t *testing.T) {
	asked := []string{"repository:a/app:pull,push", "repository:b:pull"}
	for want, ok := range map[string]bool{
		"repository:a/app:pull":      true,
		"repository:a/app:push,pull": true,
		"repository:b:pull":          true,
		"repository:b:push":          false,
		"repository:a:pull":          false,
		"registry:catalog:*":         false,
	} {
		if scopeAsked(asked, want) != ok {
			t.Errorf("scopeAsked(%q) = %v, want %v", want, !ok, ok)
		}
	}
}

func TestRepositoryOf(t *testing.T) {
	for path, want := range map[string]string{
		"/v2/a/b/manifests/1":             "a/b",
		"/v2/a/blobs/b/manifests/1":       "a/blobs/b",
		"/v2/a/b/blobs/uploads/x":         "a/b",
		"/v2/a/tags/list":                 "a",
		"/v2/a/referrers/sha256:1":        "a",
		"/v2/":                            "",
		"/token":                          "",
		"/v2/a/manifests/b/blobs/sha256:": "a/manifests/b",
	} {
		if got := repositoryOf(path); got != want {
			t.Errorf("repositoryOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestPassedRepository(t *testing.T) {
	var p passedHosts
	tr := &Transport{passed: &p}
	ok, _ := http.NewRequest(http.MethodGet, "https://Reg.example/v2/a/app/manifests/1", nil)
	p.note(ok, http.StatusOK) // before anyone waited: not the repository's
	ch := tr.PassedRepository("reg.example", "a/app")
	if isClosed(ch) {
		t.Fatal("a repository passed by an answer before its wait")
	}
	other, _ := http.NewRequest(http.MethodGet, "https://reg.example/v2/b/app/manifests/1", nil)
	p.note(other, http.StatusOK)
	p.note(ok, http.StatusUnauthorized)
	if isClosed(ch) {
		t.Fatal("another repository's answer, or a 401, passed the repository")
	}
	p.note(ok, http.StatusNotFound)
	if !isClosed(ch) {
		t.Fatal("an answer other than 401 did not pass the repository")
	}
}
