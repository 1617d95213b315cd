package transport

import "testing"

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"a signed URL with user info", `GET "https://u:p@s3.example.com/b?X-Amz-Signature=abc": EOF`, `GET "https://s3.example.com/b": EOF`},
		{"basic auth", `{"errors":[{"message":"bad header Authorization: Basic YWxpY2U6czNjcmV0"}]}`, `{"errors":[{"message":"bad header Authorization: Basic ***"}]}`},
		{"a JWT", `token eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl expired`, `token *** expired`},
		{"a bearer token", `bearer abcdefghijklmnop rejected`, `bearer *** rejected`},
		{"a password in JSON", `{"password":"hunter22","user":"ci"}`, `{"password":"***","user":"ci"}`},
		{"a token in a form", `refresh_token=abc123&scope=x`, `refresh_token=***&scope=x`},
		{"nothing secret", `unauthorized: authentication required`, `unauthorized: authentication required`},
		{"a digest is no secret", `blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`, `blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`},
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
