package transport

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// answerNotes is what the transport notes of the answers of a run: the
// origins of the http:// URLs they name, for the plain-HTTP guard, and
// the token endpoints their Bearer challenges name, for the answer tap.
type answerNotes struct {
	mu       sync.Mutex
	handed   map[string]string // http origins a plain-HTTP answer named -> the host that answered
	offered  map[string]string // http origins an HTTPS answer named -> the host that answered
	realms   map[string]bool   // token endpoints (origin and path) a challenge named
	realmsBy map[string]int    // realms noted per host that challenged
}

// maxNoted bounds each record of origins named in answers (an http:// URL
// past it is refused: that fails safe), and the hosts whose realms are
// noted, maxRealms each, so that a registry naming many cannot keep
// another's realm, and its tokens, from being noted.
const (
	maxNoted  = 256
	maxRealms = 16
)

// note records the origins of the http:// URLs in the Location, Link and
// WWW-Authenticate headers of an answer to req, in plain HTTP or over
// HTTPS as req was, and the token endpoints of its Bearer challenges.
func (n *answerNotes) note(req *http.Request, resp *http.Response) {
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
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.handed == nil {
		n.handed, n.offered, n.realms, n.realmsBy = map[string]string{}, map[string]string{}, map[string]bool{}, map[string]int{}
	}
	seen := n.offered
	if strings.EqualFold(req.URL.Scheme, "http") {
		seen = n.handed
	}
	for _, u := range named {
		if o := origin(u); strings.EqualFold(u.Scheme, "http") && seen[o] == "" && len(seen) < maxNoted {
			seen[o] = req.URL.Host
		}
	}
	host := strings.ToLower(req.URL.Host)
	for _, u := range realms {
		if e := endpoint(u); !n.realms[e] && n.realmsBy[host] < maxRealms && (n.realmsBy[host] > 0 || len(n.realmsBy) < maxNoted) {
			n.realms[e] = true
			n.realmsBy[host]++
		}
	}
}

// plainRefusal is nil when an answer in plain HTTP named origin o, none
// over HTTPS did, and the record of HTTPS answers is not full; else the
// refusal, without its request.
func (n *answerNotes) plainRefusal(o string) *PlainHTTPError {
	n.mu.Lock()
	defer n.mu.Unlock()
	by, from := n.handed[o], n.offered[o]
	switch {
	case from != "":
		return &PlainHTTPError{From: from}
	case by != "" && len(n.offered) >= maxNoted:
		return &PlainHTTPError{NamedBy: by, Full: maxNoted}
	case by != "":
		return nil
	case len(n.handed) >= maxNoted:
		return &PlainHTTPError{Full: maxNoted}
	}
	return &PlainHTTPError{}
}

// isRealm reports whether u is at a token endpoint a challenge named.
func (n *answerNotes) isRealm(u *url.URL) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.realms[endpoint(u)]
}

// endpoint is a URL without its query: origin and path.
func endpoint(u *url.URL) string { return origin(u) + u.Path }

// maxPerHeader bounds the URLs taken from one Link header, and the
// challenges from one WWW-Authenticate header.
const maxPerHeader = 8

// linkRE is a URI of a Link header: <…>.
var linkRE = regexp.MustCompile(`<([^>]*)>`)

// bearerRealms returns the realms of the Bearer challenges of
// WWW-Authenticate values (RFC 7235), at most maxPerHeader in all.
func bearerRealms(values []string) []string { return bearerParams(values, "realm") }

// bearerParams returns the values of the parameter param of the Bearer
// challenges of WWW-Authenticate values, at most maxPerHeader in all.
func bearerParams(values []string, param string) []string {
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
			if scheme == "bearer" && strings.EqualFold(name, param) {
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
