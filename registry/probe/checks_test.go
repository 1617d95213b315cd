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
