package registry

import (
	"context"
	"sync"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"
)

// memo keeps what one run has read, so that nothing is fetched twice: a
// member named by several documents costs one manifest GET and one config
// GET in all. Concurrent callers for one key wait for the first.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*memoEntry[V]
}

type memoEntry[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (m *memo[V]) get(key string, fetch func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[string]*memoEntry[V]{}
	}
	e, ok := m.m[key]
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		m.m[key] = e
	}
	m.mu.Unlock()
	if ok {
		<-e.done
		return e.v, e.err
	}
	e.v, e.err = fetch()
	close(e.done)
	return e.v, e.err
}

// forget drops what was kept for key: the next get fetches it again.
func (m *memo[V]) forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
}

// manifestOf reads the manifest r names, once per run when it is of
// keptManifest bytes at most; a larger one is not kept, and is read again
// when asked for again, so that a run that reads many (a spec's members)
// holds their count times keptManifest at most, not times the manifest
// limit.
func (c *Client) manifestOf(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	key := r.CommonName()
	m, err := c.manifests.get(key, func() (rcmanifest.Manifest, error) {
		if err := c.checkLayout(r); err != nil {
			return nil, err
		}
		return withTokens(c, r, func(rc *regclient.RegClient) (rcmanifest.Manifest, error) { return rc.ManifestGet(ctx, r) })
	})
	if err == nil {
		if raw, rerr := m.RawBody(); rerr != nil || len(raw) > keptManifest {
			c.manifests.forget(key)
		}
	}
	return m, err
}

// configPlatformOf reads the platform in an image config, once per run and
// repository ([Client.configOf]).
func (c *Client) configPlatformOf(ctx context.Context, r ref.Ref, d descriptor.Descriptor) (platform.Platform, error) {
	cfg, err := c.configOf(ctx, r, d)
	return cfg.platform, err
}
