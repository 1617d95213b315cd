package transport

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Some token services grant less than a token request asks for when it
// names several repositories: GitLab's scopes a token to one project
// (gitlab-org/gitlab#6876, google/go-containerregistry#220), and a CI's
// repository-scoped push token cannot read another repository
// (docker/cli#6695). regclient asks one token for every scope met on a
// host (its auth is per host unless config.Host.RepoAuth), and takes the
// registry's 401 to a request that carried it for the end of the road
// (auth.go: ErrNoNewChallenge), so that a run reading a second repository
// on such a host fails, and does not say why. regclient keeps the scopes
// it asked and the token it got to itself: the transport, which sees both
// the token request and the registry's 401, notes which scopes each token
// was asked for, and a host whose registry refuses a token a scope the
// token was asked for ("narrowed"); the registry package then gives that
// host a token per repository ([Transport.Narrowed], registry/tokens.go).
// A token that expired in flight, or credentials that may not do what was
// asked, look the same: that host then gets a token per repository too,
// which costs a 401 per repository's first request, and the error of a
// refusal that stays names the scope.

// scopeNotes are the scopes asked for each token handed out in the run,
// and the hosts whose registry refused a token a scope it was asked for.
type scopeNotes struct {
	mu       sync.Mutex
	asked    map[string][]string // token -> the repository scopes its request named
	order    []string            // tokens in the order noted, the oldest dropped past maxTokens
	narrowed map[string]string   // host -> the scope its registry refused first
	refused  map[string]string   // host/repository -> the scope last refused on a request to it
}

// maxTokens bounds the tokens whose scopes are kept (a run asks for a few
// per repository), maxScopes the scopes kept per token, maxScopeLen the
// bytes of a refused scope kept to be shown.
const (
	maxTokens   = 256
	maxScopes   = 64
	maxScopeLen = 200
)

// token notes the scopes that req, a request to a token endpoint,
// named, for each of the tokens of its answer.
func (s *scopeNotes) token(req *http.Request, tokens []string) {
	names := req.URL.Query()["scope"]
	if req.Method == http.MethodPost && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
			body.Close()
			if form, err := url.ParseQuery(string(b)); err == nil {
				names = append(names, form["scope"]...)
			}
		}
	}
	var scopes []string
	for _, n := range names {
		for _, sc := range strings.Fields(n) {
			if len(scopes) < maxScopes && strings.HasPrefix(sc, "repository:") {
				scopes = append(scopes, sc)
			}
		}
	}
	if len(scopes) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asked == nil {
		s.asked = map[string][]string{}
	}
	for _, t := range tokens {
		if _, ok := s.asked[t]; !ok {
			s.order = append(s.order, t)
		}
		s.asked[t] = scopes
	}
	for len(s.order) > maxTokens {
		delete(s.asked, s.order[0])
		s.order = s.order[1:]
	}
}

// challenged notes a 401 to req, sent with a Bearer token: when every
// repository scope its challenges name was asked for that token, the
// token service granted less than asked, and req's host is noted.
func (s *scopeNotes) challenged(req *http.Request, resp *http.Response) {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || resp.StatusCode != http.StatusUnauthorized {
		return
	}
	var wanted []string
	for _, v := range bearerParams(resp.Header.Values("WWW-Authenticate"), "scope") {
		wanted = append(wanted, strings.Fields(v)...)
	}
	if len(wanted) == 0 || len(wanted) > maxScopes {
		return
	}
	host := strings.ToLower(req.URL.Host)
	s.mu.Lock()
	defer s.mu.Unlock()
	asked, known := s.asked[tok]
	if !known {
		return
	}
	for _, w := range wanted {
		if !scopeAsked(asked, w) {
			return
		}
	}
	if s.narrowed == nil {
		s.narrowed, s.refused = map[string]string{}, map[string]string{}
	}
	shown := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, strings.Join(wanted, " "))
	if len(shown) > maxScopeLen {
		shown = shown[:maxScopeLen] + "…"
	}
	if repo := repositoryOf(req.URL.Path); repo != "" && (s.refused[host+"/"+repo] != "" || len(s.refused) < maxNoted) {
		s.refused[host+"/"+repo] = shown
	}
	if s.narrowed[host] == "" && len(s.narrowed) < maxNoted {
		s.narrowed[host] = shown
	}
}

// repositoryOf is the repository a registry API path names
// (/v2/<name>/manifests/…, blobs/…, tags/…, referrers/…), "" for another.
func repositoryOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	end := -1 // the last of them: a repository's name may hold "/blobs/"
	for _, kind := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		end = max(end, strings.LastIndex(rest, kind))
	}
	if end <= 0 {
		return ""
	}
	return rest[:end]
}

// scopeAsked reports whether want ("repository:name:pull,push") is
// within one of asked: the same repository, each action asked.
func scopeAsked(asked []string, want string) bool {
	i := strings.LastIndexByte(want, ':')
	if i < 0 || !strings.HasPrefix(want, "repository:") {
		return false
	}
	name, actions := want[:i], strings.Split(want[i+1:], ",")
	for _, a := range asked {
		j := strings.LastIndexByte(a, ':')
		if j < 0 || a[:j] != name {
			continue
		}
		have := strings.Split(a[j+1:], ",")
		if !slices.ContainsFunc(actions, func(x string) bool { return !slices.Contains(have, x) }) {
			return true
		}
	}
	return false
}

// Narrowed returns, for host (host[:port], as requests name it), the
// scope its registry refused a token that had been asked for it: the
// host's token service grants less than a request naming several
// repositories asks (or than the credentials were thought to allow); ""
// when that was not seen.
func (t *Transport) Narrowed(host string) string {
	t.scopes.mu.Lock()
	defer t.scopes.mu.Unlock()
	return t.scopes.narrowed[strings.ToLower(host)]
}

// Refused returns the scope that host's registry last refused a token
// that had been asked for it, on a request to repository repo; "" when
// that was not seen.
func (t *Transport) Refused(host, repo string) string {
	t.scopes.mu.Lock()
	defer t.scopes.mu.Unlock()
	return t.scopes.refused[strings.ToLower(host)+"/"+repo]
}
