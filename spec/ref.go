package spec

import (
	"fmt"
	"strings"

	"github.com/regclient/regclient/types/ref"
)

// parseRef parses an image reference found at pos; see newRef.
func parseRef(s string, pos Pos, target bool) (ref.Ref, bool, error) {
	r, defaulted, err := newRef(s, target)
	if err != nil {
		return ref.Ref{}, false, invalid(pos, err)
	}
	return r, defaulted, nil
}

// newRef parses an image reference. A target must not carry a digest (the
// index's digest is only known once it is built); when it has no tag it gets
// "latest" and defaulted reports so.
func newRef(s string, target bool) (r ref.Ref, defaulted bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ref.Ref{}, false, fmt.Errorf("image reference is empty%.0w", ErrMissing)
	}
	r, err = ref.New(s)
	if err != nil {
		return ref.Ref{}, false, fmt.Errorf("%v%.0w", err, ErrReference)
	}
	last := s[strings.LastIndex(s, "/")+1:]
	defaulted = r.Tag == "latest" && r.Digest == "" && !strings.Contains(last, ":")
	if target && r.Digest != "" {
		return ref.Ref{}, false, fmt.Errorf("target %q names a digest; name a tag instead (the index's digest is known only once it is built)%.0w", s, ErrReference)
	}
	return r, defaulted, nil
}

// ParseRegistry reads probe's REGISTRY[/REPO]: a host (with a dot or a
// port, or localhost), then optionally a repository, with no tag or
// digest. The result names the registry, and the repository when given.
func ParseRegistry(arg string) (ref.Ref, error) {
	bad := func(why string) (ref.Ref, error) {
		return ref.Ref{}, errorf(Pos{}, ErrReference, "%q is not REGISTRY[/REPO]: %s (e.g. registry.example.com/team/probe)", arg, why)
	}
	host, repo, _ := strings.Cut(arg, "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return bad("a registry host has a dot or a port, or is localhost")
	}
	if strings.ContainsAny(repo, ":@") {
		return bad("it names a repository, not a tag or a digest")
	}
	if repo == "" {
		r, err := ref.NewHost(host)
		if err != nil {
			return bad(err.Error())
		}
		return r, nil
	}
	r, err := ref.New(arg)
	if err != nil || r.Registry != host {
		return bad("the repository name is not valid")
	}
	return r.SetTag(""), nil
}
