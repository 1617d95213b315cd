package transport

import (
	"net/url"
	"regexp"
)

// RedactURL drops the query string and any user info from a URL.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.ForceQuery, u.User, u.Fragment = "", false, nil, ""
	return u.String()
}

var urlRE = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)

// credentialRE finds what looks like a credential in a text: an
// Authorization value (Basic or Bearer and what follows), a JWT, or a
// token=/password=/secret= value; some registries echo such things in
// their error bodies.
var credentialRE = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{4,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.?[A-Za-z0-9_-]*|\b((?:access_|refresh_|id_)?token|password|passwd|secret|signature)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+`)

// Redact makes a message safe to show: every URL loses its query string
// and user info (a signed blob URL carries a credential in its query), and
// anything that looks like a credential (an Authorization value, a JWT, a
// token= or password= value) is blotted out.
func Redact(s string) string {
	s = urlRE.ReplaceAllStringFunc(s, RedactURL)
	return credentialRE.ReplaceAllStringFunc(s, func(m string) string {
		if sub := credentialRE.FindStringSubmatch(m); sub[1] != "" {
			return sub[1] + " ***"
		} else if sub[2] != "" {
			return sub[2] + sub[3] + "***"
		}
		return "***"
	})
}
