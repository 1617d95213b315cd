package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRegistry(t *testing.T) {
	t.Parallel()
	valid := []struct{ in, registry, repository string }{
		{"reg.example.com", "reg.example.com", ""},
		{"127.0.0.1:5000", "127.0.0.1:5000", ""},
		{"localhost", "localhost", ""},
		{"reg.example.com/team/probe", "reg.example.com", "team/probe"},
	}
	for _, tc := range valid {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRegistry(tc.in)
			if err != nil || r.Registry != tc.registry || r.Repository != tc.repository || r.Tag != "" {
				t.Errorf("got %+v, %v", r, err)
			}
		})
	}
	invalid := []struct{ in, why string }{
		{"myrepo", "a registry host has a dot or a port, or is localhost"},          // a Docker Hub repository, not a registry
		{"reg.example.com/app:1.0", "it names a repository, not a tag or a digest"}, // probe pushes its own tags
		{"reg.example.com/App", "the repository name is not valid"},                 // upper case
		{"reg.example.com/app@sha256:00", "it names a repository, not a tag or a digest"},
		{"127.0.0.1:99999", "port 99999 is not 1-65535"},   // no TCP port
		{"127.0.0.1:0/team", "port 0 is not 1-65535"},      // no TCP port either
		{"reg.example.com\n", "not a registry host"},       // echoed as \n, on one line
		{"user:pw@reg.example.com", "not a registry host"}, // the password is blotted out
	}
	for _, tc := range invalid {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseRegistry(tc.in)
			want := quoteRef(tc.in) + ` is not REGISTRY[/REPO]: ` + tc.why + " (e.g. registry.example.com/team/probe)"
			if err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrReference) {
				t.Errorf("got %v\nwant %s", err, want)
			}
		})
	}
}

// A reference that does not parse is echoed on one line, with any user
// info before its host blotted out; a port out of range does not parse.
func TestParseRef(t *testing.T) {
	t.Parallel()
	valid := []struct{ in, name string }{
		{"reg.example.com/app:1", "reg.example.com/app:1"},
		{"127.0.0.1:65535/app:1", "127.0.0.1:65535/app:1"},
		{"[::1]:5000/app:1", "[::1]:5000/app:1"},
		{"app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker.io/library/app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{"ocidir:///srv/oci/app:1", "ocidir:///srv/oci/app:1"},
	}
	for _, tc := range valid {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRef(tc.in)
			if err != nil || r.CommonName() != tc.name {
				t.Errorf("got %q, %v", r.CommonName(), err)
			}
		})
	}
	invalid := []struct{ in, want string }{
		{"reg.example.com/app\n:1", `invalid reference "reg.example.com/app\n:1"`},                                                         // a newline: one line all the same
		{"user:pw@reg.example.com/app:1", `invalid reference "user:***@reg.example.com/app:1"`},                                            // user info is no part of a reference
		{"t0ken@reg.example.com:5000/app:1", `invalid reference "***@reg.example.com:5000/app:1"`},                                         // a lone token
		{"https://user:pw@reg.example.com/app:1", `invalid reference, unknown scheme "https" in "https://user:***@reg.example.com/app:1"`}, // a URL
		{"ocidir://user:pw@dir:1", `invalid reference, invalid path for scheme "ocidir": "user:***@dir:1"`},
		{"ocidir://user:pw@dir\n:1", `invalid reference "ocidir://user:***@dir\n:1"`},
		{"127.0.0.1:99999/app:1", `invalid reference "127.0.0.1:99999/app:1": port 99999 is not 1-65535`},
		{"[::1]:0/app:1", `invalid reference "[::1]:0/app:1": port 0 is not 1-65535`},
		{"r/App:1", `invalid reference "r/App:1", repo must be lowercase`}, // regclient's words are kept
	}
	for _, tc := range invalid {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseRef(tc.in)
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrReference) {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

// Whatever the reference, an error about it is one line and never shows
// the user info before its host.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"reg/app:1", "user:pw@reg/app:1", "https://u:p@h/x", "ocidir://d:1", "a\nb", "h:99999/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseRef(s)
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r") {
			t.Errorf("ParseRef(%q): %q is not one line", s, msg)
		}
		s = strings.TrimSpace(s)
		info, at := userInfo(s)
		user, secret, ok := strings.Cut(info, ":")
		if !ok {
			user, secret = "", info
		}
		if len(secret) > 3 && strings.Contains(msg, secret) && !strings.Contains(s[:at-len(info)]+user+s[at:], secret) {
			t.Errorf("ParseRef(%q): %q shows the secret %q", s, msg, secret)
		}
		// a secret key (with '/' and '@' in it) planted before a host is
		// never shown, whatever follows it
		const planted = "wJal/K7MD@ENG/bPxRfiCY"
		for _, r := range []string{"ci:" + planted + "@reg.example.com:5000/" + s, "https://ci:" + planted + "@localhost/" + s} {
			if _, err := ParseRef(r); err != nil && strings.Contains(err.Error(), planted) {
				t.Errorf("ParseRef(%q): %q shows the planted secret", r, err)
			}
		}
	})
}
