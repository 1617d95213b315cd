package transport

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Refusal is what a registry said when it last refused a request for a
// repository, 401 or 403: its words, and the scope and error of its
// Bearer challenge (scope="repository:app:pull,push",
// error="insufficient_scope", RFC 6750 section 3).
//
// The transport notes it because regclient v0.11.7 keeps nothing of a
// 401's body or challenge in the error it returns (internal/reghttp/http.go:
// the answer goes to its auth handler, whose error, "unauthorized", is
// returned), and a refusal said without the registry's words and the
// scope asked leaves the user guessing.
type Refusal struct {
	Status       int // 0: none noted
	said         said
	Scope, Error string
}

// maxRefusalBody bounds what is read of a refusal's body: regclient reads
// none of a 401's, so this is all the transport adds; a refusal's JSON is
// short (a longer one is said as its text, cut).
const maxRefusalBody = 64 << 10

// refusals notes the last refusal per host and repository.
type refusals struct {
	mu sync.Mutex
	by map[string]Refusal // "host/repo" -> its last refusal
}

// note notes resp, the answer to req, when it is a refusal (401, 403) of
// a request for a repository; the body read to note it is handed on whole.
func (rs *refusals) note(req *http.Request, resp *http.Response) {
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		return
	}
	first := firstOf(req)
	repo := repositoryOf(first.URL.Path)
	if repo == "" {
		return
	}
	var body []byte
	if resp.Body != nil && resp.Body != http.NoBody {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, maxRefusalBody))
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	}
	challenges := resp.Header.Values("WWW-Authenticate")
	r := Refusal{Status: resp.StatusCode, said: saidIn(string(body)), Scope: firstOr(bearerParams(challenges, "scope")), Error: firstOr(bearerParams(challenges, "error"))}
	key := strings.ToLower(first.URL.Host) + "/" + repo
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.by == nil {
		rs.by = map[string]Refusal{}
	}
	if _, ok := rs.by[key]; ok || len(rs.by) < maxNoted {
		rs.by[key] = r
	}
}

// tells reports whether the refusal says more than its status: an
// insufficient scope, or a code other than UNAUTHORIZED, which every 401
// challenge carries ("authentication required"), before a token is asked
// for as after one is refused.
func (r Refusal) tells() bool {
	return strings.EqualFold(r.Error, "insufficient_scope") ||
		slices.ContainsFunc(r.said.codes, func(c string) bool { return c != "UNAUTHORIZED" })
}

// Refusal is what the registry host said when it last refused a request
// for repository (401 or 403) in this run; its Status is 0 when none was
// refused.
func (t *Transport) Refusal(host, repository string) Refusal {
	t.refused.mu.Lock()
	defer t.refused.mu.Unlock()
	return t.refused.by[strings.ToLower(host)+"/"+repository]
}

// firstOr is the first of values, "" when there is none.
func firstOr(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
