package transport

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// A registry's answers name the URLs of later requests: an upload's
// Location (of a POST, of a mount declined, of each PATCH), a redirect's,
// a tag list's or referrers list's next page (Link), a token realm
// (WWW-Authenticate). regclient builds a new request for most of them and
// adds the registry's credentials by host name (v0.11.7,
// scheme/reg/blob.go, blobGetUploadURL and blobPutUploadFull; the auth
// handler of internal/reghttp/http.go keys on the host, not the scheme),
// so net/http's redirect checks, and regclient's (internal/regnet,
// AllowRedirect: only redirects and token realms), never see them. An
// HTTPS registry behind a proxy that terminates TLS and does not forward
// the scheme answers a POST with "Location: http://<its host>/v2/…", and
// the blob and the Basic credentials would go out in clear text (on port
// 80, for a registry on 443). Every request goes through the transport,
// so it is the one place where a request in plain HTTP can be refused
// whatever built it.

// maxNoted bounds each of the transport's records of the origins named in
// answers: a registry that names more than this gets no more noted (an
// http:// URL past it is refused, which fails safe). Realms are counted
// per host that challenged, maxRealms each, so that a registry that names
// many cannot keep another's realm from being noted (its tokens from
// being learnt, to be scrubbed); maxNoted hosts at most.
const (
	maxNoted  = 256
	maxRealms = 16
)

// plainOrigin is the origin of host (host[:port], as written in
// references) spoken to in plain HTTP: "http://reg:5000".
func plainOrigin(host string) string {
	return origin(&url.URL{Scheme: "http", Host: host})
}

// checkPlain returns the error that refuses req when it is in plain HTTP
// and may not be: it may when its host was named plain HTTP, or when an
// answer received in plain HTTP named its origin (a plain registry's
// redirect, upload Location or token realm: nothing is taken down from
// HTTPS then) and no answer received over HTTPS did. The records are of
// the whole run, not of one registry: a plain registry's answer that
// names the host:port of an HTTPS registry of the run must not open it to
// plain HTTP, where regclient would send that registry's credentials (it
// keys them on host:port, not on the scheme). Once the record of HTTPS
// answers is full, no plain answer opens anything.
func (t *Transport) checkPlain(req *http.Request) error {
	if !strings.EqualFold(req.URL.Scheme, "http") {
		return nil
	}
	o := origin(req.URL)
	t.mu.Lock()
	defer t.mu.Unlock()
	handed := t.handed[o] != "" && t.offered[o] == "" && len(t.offered) < maxNoted
	if t.plainAll || t.plain[o] || handed {
		return nil
	}
	return &PlainHTTPError{Method: req.Method, URL: RedactURL(req.URL.String()), Host: req.URL.Host, From: t.offered[o]}
}

// note records what an answer to req names: the origins of the http://
// URLs in its Location, Link and WWW-Authenticate headers, as handed out
// in plain HTTP (req was) or offered over HTTPS (for the error that
// refuses them), and the token endpoints of its Bearer challenges.
func (t *Transport) note(req *http.Request, resp *http.Response) {
	var named []*url.URL
	add := func(s string) {
		if u, err := req.URL.Parse(strings.TrimSpace(s)); err == nil && u.Host != "" {
			named = append(named, u)
		}
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		add(loc)
	}
	for _, v := range resp.Header.Values("Link") {
		for _, m := range linkRE.FindAllStringSubmatch(v, maxPerHeader) {
			add(m[1])
		}
	}
	var realms []*url.URL
	if resp.StatusCode == http.StatusUnauthorized {
		for _, r := range bearerRealms(resp.Header.Values("WWW-Authenticate")) {
			if u, err := req.URL.Parse(r); err == nil && u.Host != "" {
				realms = append(realms, u)
				named = append(named, u)
			}
		}
	}
	if len(named) == 0 {
		return
	}
	plain := strings.EqualFold(req.URL.Scheme, "http")
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.handed == nil {
		t.handed, t.offered, t.realms, t.realmsBy = map[string]string{}, map[string]string{}, map[string]bool{}, map[string]int{}
	}
	for _, u := range named {
		if !strings.EqualFold(u.Scheme, "http") {
			continue
		}
		seen := t.offered
		if plain {
			seen = t.handed
		}
		if o := origin(u); seen[o] == "" && len(seen) < maxNoted {
			seen[o] = req.URL.Host
		}
	}
	host := strings.ToLower(req.URL.Host)
	for _, u := range realms {
		e := endpoint(u)
		if t.realms[e] || t.realmsBy[host] >= maxRealms || t.realmsBy[host] == 0 && len(t.realmsBy) >= maxNoted {
			continue
		}
		t.realms[e] = true
		t.realmsBy[host]++
	}
}

// isRealm reports whether u is at a token endpoint a challenge named.
func (t *Transport) isRealm(u *url.URL) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.realms[endpoint(u)]
}

// endpoint is a URL without its query: origin and path.
func endpoint(u *url.URL) string { return origin(u) + u.Path }

// maxPerHeader bounds the URLs taken from one Link header, and the
// challenges from one WWW-Authenticate header.
const maxPerHeader = 8

// linkRE is a URI of a Link header: <…>.
var linkRE = regexp.MustCompile(`<([^>]*)>`)

// bearerRealms returns the realm of each Bearer challenge of a
// WWW-Authenticate header's values (RFC 7235: a scheme, then its
// name=value parameters, values quoted or not, challenges and parameters
// separated by commas), at most maxPerHeader of them.
func bearerRealms(values []string) []string {
	var out []string
	for _, v := range values {
		scheme := ""
		for s := v; s != "" && len(out) < maxPerHeader; {
			s = strings.TrimLeft(s, " \t,")
			name := s[:tokenEnd(s)]
			if name == "" {
				s = s[min(1, len(s)):] // a character that starts nothing: skip it
				continue
			}
			rest := strings.TrimLeft(s[len(name):], " \t")
			if !strings.HasPrefix(rest, "=") {
				scheme, s = strings.ToLower(name), rest // a challenge begins
				continue
			}
			rest = strings.TrimLeft(rest[1:], " \t")
			var value string
			value, s = paramValue(rest)
			if scheme == "bearer" && strings.EqualFold(name, "realm") {
				out = append(out, value)
			}
		}
	}
	return out
}

// tokenEnd is the length of the token (RFC 7230 tchar) that s begins with.
func tokenEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return i
		}
	}
	return len(s)
}

// paramValue reads a parameter's value at the start of s, a quoted string
// (its escapes undone) or a token, and returns it with what follows.
func paramValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		n := strings.IndexAny(s, ", \t")
		if n < 0 {
			n = len(s)
		}
		return s[:n], s[n:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), "" // unclosed: the rest is the value
}
