package registry

import (
	"context"
	"strings"
	"sync"

	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/ref"
)

// firstAlone holds a call about to send requests to r's registry while
// the first call to that registry has its first request in flight, and
// lets it go once the registry has answered a request without a 401, or
// that first call has ended (whatever its outcome), or ctx is done. The
// first call itself, and every call once the registry is open, goes at
// once; release must be called when the call ends. The first call runs
// under the returned context, with which a call it makes itself is never
// held (it would wait for its own end).
//
// regclient keeps one token cache per registry host (its auth handlers
// are per host, not per repository, as Client sets no RepoAuth), and
// builds it from a 401's challenge: it sends its first requests to a host
// without a token, so a burst of N calls to a registry that asks for
// tokens meets N 401s where one would do. Holding the burst behind the
// first request makes the others find the host's handler there, and ask
// the token server for any new scope before they are sent (one token
// request, no 401). No request is added: a registry that asks for no
// token answers the first request at once, and the burst goes. The hold
// is keyed on the host requests go to (docker.io is registry-1.docker.io),
// which is what regclient's cache is keyed on, and on the repository too
// on a registry given a token per repository (tokens.go); no credential
// is held here.
func (c *Client) firstAlone(ctx context.Context, r ref.Ref) (context.Context, func()) {
	if r.Scheme == "ocidir" || r.Registry == "" || c.tr == nil {
		return ctx, func() {}
	}
	host := strings.ToLower(config.HostNewName(r.Registry).Hostname)
	passed := c.tr.Passed(host)
	if c.narrowed(r) != "" {
		// a token per repository (tokens.go): each repository's first
		// request meets a 401, and the burst to it waits for that one
		passed = c.tr.PassedRepository(host, r.Repository)
		host += "/" + r.Repository
	}
	select {
	case <-passed:
		return ctx, func() {}
	default:
	}
	if first, _ := ctx.Value(firstCallKey{}).(string); first == host {
		return ctx, func() {}
	}
	c.burstMu.Lock()
	if c.firstCalls == nil {
		c.firstCalls = map[string]chan struct{}{}
	}
	ended, started := c.firstCalls[host]
	if !started {
		ended = make(chan struct{})
		c.firstCalls[host] = ended
	}
	c.burstMu.Unlock()
	if !started {
		var once sync.Once
		return context.WithValue(ctx, firstCallKey{}, host), func() { once.Do(func() { close(ended) }) }
	}
	select {
	case <-passed:
	case <-ended:
	case <-ctx.Done():
	}
	return ctx, func() {}
}

// firstCallKey marks the context of the first call to a host (its value).
type firstCallKey struct{}
