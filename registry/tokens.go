package registry

import (
	"cmp"
	"errors"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"
)

// A registry whose token service grants less than a token request
// names, when it names several repositories (GitLab scopes a token to
// one project; a CI's push token may be scoped to its target), defeats
// regclient's one token per host: every scope met on the host goes into
// one token request, and a second repository's reads are refused once
// its scope was dropped. regclient can keep a token per repository
// (config.Host.RepoAuth), but then every repository's first request meets
// a 401 of its own, where one token request for the new scope would do:
// a round trip per repository on every registry. So the Client talks to
// each registry through a regclient with a token per host, and through
// one with a token per repository from the moment the transport has seen
// the registry refuse a token a scope it had been asked for
// ([transport.Transport.Narrowed]); the call that met it is made again on
// the new one ([withTokens]), and cross-repository mounts, which need one
// token for two repositories, are no longer tried there (copy.go).

// reg is the regclient that r's registry is reached through.
func (c *Client) reg(r ref.Ref) *regclient.RegClient {
	if c.narrowed(r) == "" {
		return c.rc
	}
	host := config.HostNewName(r.Registry).Hostname
	if _, told := c.repoTokens.LoadOrStore(host, true); !told {
		c.log.Infof("%s refused a token that lacked a scope it had been asked for (%s): a token per repository there from now on", host, c.narrowed(r))
	}
	return c.rcRepo
}

// narrowed is the scope r's registry refused a token that had been asked
// for it, "" when none was.
func (c *Client) narrowed(r ref.Ref) string {
	if r.Scheme != "reg" || c.tr == nil || c.rcRepo == nil {
		return ""
	}
	return c.tr.Narrowed(config.HostNewName(r.Registry).Hostname)
}

// refusedScope is the scope r's registry last refused a token that had
// been asked for it, on a request to r's repository, or else on any.
func (c *Client) refusedScope(r ref.Ref) string {
	if c.narrowed(r) == "" {
		return ""
	}
	host := config.HostNewName(r.Registry).Hostname
	return cmp.Or(c.tr.Refused(host, r.Repository), c.tr.Narrowed(host))
}

// withTokens makes call with the regclient of r's registry ([Client.reg]),
// and once more when it was refused on the per-host one of a registry
// since seen narrowing tokens, with a token per repository.
func withTokens[T any](c *Client, r ref.Ref, call func(*regclient.RegClient) (T, error)) (T, error) {
	rc := c.reg(r)
	v, err := call(rc)
	if err != nil && rc == c.rc && refusedByAuth(err) && c.reg(r) != rc {
		return call(c.reg(r))
	}
	return v, err
}

// refusedByAuth tells whether err is a refusal a token per repository may
// cure: a 401, or regclient giving up on a request whose 401s kept
// naming new scopes, as concurrent requests to several repositories of a
// registry that narrows tokens make them (each one's token request adds
// the scope of another's, so no request meets the same challenge twice).
func refusedByAuth(err error) bool {
	return errors.Is(err, errs.ErrHTTPUnauthorized) || errors.Is(err, errs.ErrRetryLimitExceeded)
}

// withTokensErr is [withTokens] for a call that returns only an error.
func withTokensErr(c *Client, r ref.Ref, call func(*regclient.RegClient) error) error {
	_, err := withTokens(c, r, func(rc *regclient.RegClient) (struct{}, error) { return struct{}{}, call(rc) })
	return err
}

// repoAuthHosts are hosts with a token per repository.
func repoAuthHosts(hosts []config.Host) []config.Host {
	out := make([]config.Host, len(hosts))
	for i, h := range hosts {
		out[i] = h
		out[i].RepoAuth = true
	}
	return out
}
