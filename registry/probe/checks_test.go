package probe

import (
	"testing"

	"github.com/regclient/regclient/types/mediatype"
)

func TestDescribeChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct{ header, want string }{
		{"", "none: anonymous access"},
		{`Basic realm="Registry Realm"`, `basic (realm "Registry Realm")`},
		{`Bearer realm="https://auth.example.com/token?x=SECRET",service="registry.example.com",scope="repository:a:pull"`,
			"bearer token (realm https://auth.example.com/token, service registry.example.com)"},
		{`bearer realm="https://auth.example.com/token"`, "bearer token (realm https://auth.example.com/token, service )"},
		{`Negotiate`, "other: Negotiate"},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			t.Parallel()
			if got := describeChallenge(tc.header); got != tc.want {
				t.Errorf("describeChallenge(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	t.Parallel()
	for mt, want := range map[string]string{
		mediatype.OCI1ManifestList:    "an OCI image index",
		mediatype.Docker2ManifestList: "a Docker v2.2 manifest list",
		mediatype.Docker2Manifest:     "a Docker v2.2 image manifest",
		"application/x-other":         "a application/x-other",
	} {
		t.Run(mt, func(t *testing.T) {
			if got := kind(mt); got != want {
				t.Errorf("kind(%q) = %q, want %q", mt, got, want)
			}
		})
	}
}

// A referrers request redirected is said with where it led and what was
// answered there, a loop as such.
func TestRedirectWords(t *testing.T) {
	t.Parallel()
	hop := func(status int, url string, then int, said string) Exchange {
		return Exchange{Method: "GET", Path: "/v2/app/referrers/sha256:x", Status: status, Redirect: &Redirect{URL: url, Status: then, Said: said}}
	}
	tests := []struct {
		name string
		hops []Exchange
		want string
	}{
		{"to a rate-limited API", []Exchange{hop(303, "https://api/x", 429, "API rate limit exceeded")},
			"answers 303 See Other to https://api/x, which answers 429 Too Many Requests (API rate limit exceeded)"},
		{"to nothing", []Exchange{hop(307, "https://api/x", 0, "")}, "answers 307 Temporary Redirect to https://api/x, which could not be asked"},
		{"a loop", []Exchange{hop(303, "https://reg/a", 303, ""), hop(303, "https://reg/b", 303, "")},
			"answers 303 See Other to https://reg/b, which redirects again: no answer after 3 redirects (a loop?)"},
	}
	for _, tc := range tests {
		if got := redirectWords(tc.hops); got != tc.want {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
	}
}
