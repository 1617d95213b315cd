package spec

import (
	"errors"
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
	}
	for _, tc := range invalid {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseRegistry(tc.in)
			want := `"` + tc.in + `" is not REGISTRY[/REPO]: ` + tc.why + " (e.g. registry.example.com/team/probe)"
			if err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrReference) {
				t.Errorf("got %v\nwant %s", err, want)
			}
		})
	}
}
