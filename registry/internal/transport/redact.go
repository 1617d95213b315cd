package transport

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
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

// credentialKeys are the names whose values are credentials wherever they
// are written as key=value (a form, a query string, a command line) or as
// a JSON field with a string value.
const credentialKeys = `access_token|refresh_token|id_token|identitytoken|identity_token|registrytoken|token|` +
	`password|passwd|secret|client_secret|auth|signature|x-amz-signature|sig`

var (
	// an Authorization value: a scheme and its credential, after the
	// header's name or alone
	authRE = regexp.MustCompile(`(?i)\b(?:((?:proxy-)?authorization)\s*[:=]\s*)?(?:(basic|bearer)\s+)?([A-Za-z0-9._~+/-]+=*)`)
	// a JWT (three base64url parts, the first a JSON object: "eyJ" is `{"`)
	jwtRE = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?`)
	// "key": "value", and \"key\": \"value\" (JSON quoted in a message)
	// (the key's opening quote is not part of the match, so that a value
	// cut short, which takes up the quote of the key after it, cannot hide
	// that one)
	jsonRE       = regexp.MustCompile(`(?i)\b((?:` + credentialKeys + `)"\s*:\s*")((?:[^"\\]|\\.)+)"`)
	quotedJSONRE = regexp.MustCompile(`(?i)\b((?:` + credentialKeys + `)\\"\s*:\s*\\")((?:[^"\\]|\\[^"])+)\\"`)
	// key=value in a form, a query string or a command line
	formRE = regexp.MustCompile(`(?i)(^|[\s?&;,("'-])(` + credentialKeys + `)=([^\s&"',;)}]+)`)
)

// Redact makes a message safe to show: every URL loses its query string
// and user info, and credentials are blotted out where they are written
// as such (an Authorization value, a JWT, a JSON string or key=value of
// one of credentialKeys), as some registries echo them in error bodies.
// A word that merely names one is left alone ("password: required").
func Redact(s string) string {
	s = urlRE.ReplaceAllStringFunc(s, RedactURL)
	s = jwtRE.ReplaceAllString(s, "***")
	s = jsonRE.ReplaceAllString(s, `$1***"`)
	s = quotedJSONRE.ReplaceAllString(s, `$1***\"`)
	s = formRE.ReplaceAllString(s, "$1$2=***")
	s = headerRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := headerRE.FindStringSubmatch(m)
		if sub[3] == "" && !looksSecret(sub[4]) { // "authorization: required"
			return m
		}
		return sub[1] + sub[2] + sub[3] + "***"
	})
	return redactAuthorization(s)
}

// headerRE is an Authorization header's value as logs and JSON write it
// (`Authorization: token ghp_…`, `"Authorization":"Bearer …"`), with any
// scheme word before the credential.
var headerRE = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization)(\s*["']?\s*[:=]\s*["']?\s*)([A-Za-z][A-Za-z0-9._-]*\s+)?([^\s"',;]+)`)

// challengeParamRE is a challenge's parameter name (realm=, scope=) in
// front of its quoted value.
var challengeParamRE = regexp.MustCompile(`^[A-Za-z_]+=$`)

// redactAuthorization blots out the credential of an Authorization value:
// always after the header's name, and after a lone Basic or Bearer when it
// looks like one (not "basic authentication", not "Bearer realm=").
func redactAuthorization(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range authRE.FindAllStringSubmatchIndex(s, -1) {
		header, scheme := m[2] >= 0, m[4] >= 0
		value := s[m[6]:m[7]]
		quoted := m[7] < len(s) && s[m[7]] == '"' && challengeParamRE.MatchString(value) // a challenge's realm="…"
		if !(header || scheme) || quoted || !(header && scheme || looksSecret(value)) {
			continue
		}
		b.WriteString(s[last:m[6]])
		b.WriteString("***")
		last = m[7]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// looksSecret tells a credential (base64, a random token) from a word: at
// least 8 characters, with a digit, a symbol of base64, or a capital past
// the first letter.
func looksSecret(v string) bool {
	if len(v) < 8 {
		return false
	}
	for i, r := range v {
		if unicode.IsDigit(r) || strings.ContainsRune("+/=_~", r) || i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
