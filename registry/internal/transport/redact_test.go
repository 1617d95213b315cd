package transport

import (
	"strings"
	"testing"
)

// Redact on real messages: what a registry, a token server or net/http
// said with a credential in it loses the credential and keeps the rest;
// our own messages, and words that only look like the name of a
// credential (a path /etc/passwd, a URL path /token, "secret:" before a
// sentence), are left as they are.
func TestRedact(t *testing.T) {
	t.Parallel()
	const jwt = `eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJyZWd0ZXN0LWlzc3VlciIsInN1YiI6ImFsaWNlIn0.MEUCIQDx3kZ0dGVzdHNpZ25hdHVyZQ`
	tests := []struct{ name, in, want string }{
		// credentials that must go
		{"a signed URL with user info", `GET "https://u:p@s3.example.com/b?X-Amz-Signature=abc": EOF`, `GET "https://s3.example.com/b": EOF`},
		{"a URL with a token in its query", `Get "https://auth.example.com/token?scope=repository:a:pull&account=alice&access_token=0123456789": EOF`, `Get "https://auth.example.com/token": EOF`},
		{"an Authorization header echoed in an error body", `{"errors":[{"code":"DENIED","message":"refusing Authorization: Basic YWxpY2U6czNjcmV0LVBhNTV3b3Jk and more"}]}`,
			`{"errors":[{"code":"DENIED","message":"refusing Authorization: Basic *** and more"}]}`},
		{"a bearer header, any case", `authorization: bearer ` + jwt, `authorization: bearer ***`},
		{"a Proxy-Authorization header", `Proxy-Authorization: Basic dXNlcjpwYXNz`, `Proxy-Authorization: Basic ***`},
		{"a header without a scheme", `Authorization: 9f8e7d6c5b4a`, `Authorization: ***`},
		{"a quoted header", `header "Authorization: Basic dXNlcjpwYXNzd29yZA=="`, `header "Authorization: Basic ***"`},
		{"a header in JSON", `{"headers":{"Authorization":"Bearer abcdef1234567890"}}`, `{"headers":{"Authorization":"Bearer ***"}}`},
		{"a header of another scheme", `Authorization: token ghp_16C7e42F292c6912E7710c838347Ae178B4a`, `Authorization: token ***`},
		{"a quoted bearer value", `sent "Bearer 0a1b2c3d4e5f6a7b8c9d"`, `sent "Bearer ***"`},
		{"a bearer value outside a header", `sent Bearer 0a1b2c3d4e5f6a7b8c9d to the registry`, `sent Bearer *** to the registry`},
		{"a JWT alone", `token ` + jwt + ` expired`, `token *** expired`},
		{"a token server's answer echoed", `{"token":"` + jwt + `","access_token":"` + jwt + `","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}`,
			`{"token":"***","access_token":"***","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}`},
		{"a refresh token in JSON, with spaces", `{"refresh_token" : "r3fr3sh-abc", "scope": "x"}`, `{"refresh_token" : "***", "scope": "x"}`},
		{"a password in JSON", `{"password":"hunter22","user":"ci"}`, `{"password":"***","user":"ci"}`},
		{"a password in JSON with an escaped quote in it", `{"password":"hun\"ter","user":"ci"}`, `{"password":"***","user":"ci"}`},
		{"JSON quoted inside a message", `body "{\"secret\":\"s3cr3t\",\"user\":\"ci\"}"`, `body "{\"secret\":\"***\",\"user\":\"ci\"}"`},
		{"a Docker config's auth and identitytoken", `{"auths":{"reg":{"auth":"YWxpY2U6cHc=","identitytoken":"id-0123"}}}`, `{"auths":{"reg":{"auth":"***","identitytoken":"***"}}}`},
		{"a token in a form", `refresh_token=abc123&scope=x`, `refresh_token=***&scope=x`},
		{"an OAuth2 form echoed by a token server", `invalid request: grant_type=password&username=alice&password=hunter2&service=reg`, `invalid request: grant_type=password&username=alice&password=***&service=reg`},
		{"a password on a command line echoed", `helper debug: --password=hunter2 password=Pa55`, `helper debug: --password=*** password=***`},
		{"a query string without its URL", `GET /token?account=alice&token=abc.def failed`, `GET /token?account=alice&token=*** failed`},

		// words, not credentials
		{"nothing secret", `unauthorized: authentication required`, `unauthorized: authentication required`},
		{"a digest is no secret", `blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`, `blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`},
		{"a file named passwd", `--ca-file "/etc/passwd": no PEM certificate in it`, `--ca-file "/etc/passwd": no PEM certificate in it`},
		{"a path after a digest algorithm", `invalid digest in index: sha256:../etc/passwd`, `invalid digest in index: sha256:../etc/passwd`},
		{"a token server's URL before its error", `GET https://auth.example.com/token: tls: failed to verify certificate: x509: certificate signed by unknown authority`,
			`GET https://auth.example.com/token: tls: failed to verify certificate: x509: certificate signed by unknown authority`},
		{"a word before a colon and a sentence", `secret: run docker login again`, `secret: run docker login again`},
		{"password: a word", `password: required`, `password: required`},
		{"Distribution's basic challenge", `basic authentication challenge for realm "regtest": invalid authorization credential`, `basic authentication challenge for realm "regtest": invalid authorization credential`},
		{"a bearer challenge", `WWW-Authenticate: Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:app:pull"`,
			`WWW-Authenticate: Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:app:pull"`},
		{"our probe's row", `auth: supported: bearer token (realm https://auth.example.com/token, service reg)`, `auth: supported: bearer token (realm https://auth.example.com/token, service reg)`},
		{"Quay's words", `{"error": "Invalid bearer token format"}`, `{"error": "Invalid bearer token format"}`},
		{"ECR's words", `Your Authorization Token has expired. Reauthenticate and try again.`, `Your Authorization Token has expired. Reauthenticate and try again.`},
		{"an empty password field", `{"password":""}`, `{"password":""}`},
		{"a message about a password", `{"details":"incorrect username or password"}`, `{"details":"incorrect username or password"}`},
		{"a repository named token", `resolving reg.example.com/token=x/app:1: not found`, `resolving reg.example.com/token=x/app:1: not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%s)\n got: %s\nwant: %s", tc.in, got, tc.want)
			}
		})
	}
}

// Whatever Redact is given, it does not grow it beyond its blots, and
// applying it twice changes nothing more.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{`Authorization: Basic YWxpY2U6czNjcmV0`, `{"token":"abc"}`, `password=x&y=z`, `https://u:p@h/x?y=z`, `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Errorf("Redact is not idempotent on %q:\n once: %q\ntwice: %q", s, once, twice)
		}
		if strings.Count(once, "***") == 0 && len(once) > len(s) && !strings.Contains(s, "://") {
			t.Errorf("Redact(%q) = %q grew without a blot", s, once)
		}
		// a credential written as an Authorization header, a JSON field
		// or a form value, planted at either end of the text, is gone
		const secret = "Zx9Q7wPlanted4Secret"
		for _, planted := range []string{"Authorization: Bearer " + secret, `{"access_token":"` + secret + `"}`, "password=" + secret} {
			for _, text := range []string{s + " " + planted, planted + " " + s} {
				if got := Redact(text); strings.Contains(got, secret) {
					t.Errorf("Redact(%q) = %q keeps the credential", text, got)
				}
			}
		}
	})
}
