package transport

import (
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/regclient/regclient/config"
)

// tokenRequestFailed is how regclient (v0.11.7, internal/auth/auth.go,
// bearerHandler.UpdateRequest) wraps a token server's failure, with
// errs.ErrHTTPUnauthorized: only these words tell it from a refusal.
const tokenRequestFailed = "failed to request auth token"

// site is where a request failed: the registry, a redirect target or its token server.
type site struct {
	registry string // the registry asked
	host     string // the host:port that failed: the registry's when not known
	other    bool   // host is not the registry
	realm    bool   // the failure is the token server's
}

// siteOf finds where err, whose words are msg, happened in a request to
// registry: at the host of the innermost URL in it (net/http names the
// last URL of a redirect chain, regclient the token server's).
func siteOf(err error, msg, registry string) site {
	host := ""
	var ue *url.Error
	for e := err; errors.As(e, &ue); e = ue.Err {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	return siteAt(host, registry, strings.Contains(msg, tokenRequestFailed))
}

// siteAt is the site of a failure at host ("" when not known) in a
// request to registry; realm when it is the token server's.
func siteAt(host, registry string, realm bool) site {
	s := site{registry: registry, host: registry, realm: realm}
	if host != "" && !sameRegistry(host, registry) {
		s.host, s.other = host, true
	}
	return s
}

// sameRegistry reports whether hosts a and b name the same registry, as
// regclient resolves names (docker.io), with :443 written or not.
func sameRegistry(a, b string) bool {
	canon := func(h string) string {
		return strings.TrimSuffix(config.HostNewName(strings.ToLower(h)).Hostname, ":443")
	}
	return canon(a) == canon(b)
}

// name names the site: "reg:5000", "the token server auth:443", "the
// token server of reg:5000".
func (s site) name() string {
	switch {
	case s.realm && s.other:
		return "the token server " + s.host
	case s.realm:
		return "the token server of " + s.registry
	}
	return s.host
}

// role says what the site is to the request, without a name: "the
// registry", "the redirect target", "the token server".
func (s site) role() string {
	switch {
	case s.realm:
		return "the token server"
	case s.other:
		return "the redirect target"
	}
	return "the registry"
}

// relationToRegistry is how the site stands to the registry: "a redirect
// target of reg:5000", "the realm of reg:5000", or "" for itself.
func (s site) relationToRegistry() string {
	switch {
	case s.realm && s.other:
		return "the realm of " + s.registry
	case s.other:
		return "a redirect target of " + s.registry
	}
	return ""
}

// describe names the site, with its relation to the registry and a note
// in parentheses: "blob:443 (a redirect target of reg:5000; is it up?)".
func (s site) describe(note string) string {
	parts := slices.DeleteFunc([]string{s.relationToRegistry(), note}, func(p string) bool { return p == "" })
	if len(parts) == 0 {
		return s.name()
	}
	return s.name() + " (" + strings.Join(parts, "; ") + ")"
}
