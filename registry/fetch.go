package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// FetchDepth says how far Fetch reads below the manifest a reference names.
type FetchDepth int

// The depths of Fetch.
const (
	// FetchTop reads only that manifest (inspect --raw).
	FetchTop FetchDepth = iota
	// FetchPlatforms also reads what the platforms need: an image's config,
	// and nested indexes (platforms).
	FetchPlatforms
	// FetchAll also reads every entry's manifest, for its layers (inspect).
	FetchAll
)

// maxDepth bounds nested indexes.
const maxDepth = 8

// Fetch reads the manifest r names and, depending on depth, what lies
// below it; entries are read concurrently. The bytes are kept exactly as
// the registry served them (Fetched.Manifest.RawBody), digest-checked.
func (c *Client) Fetch(ctx context.Context, r ref.Ref, depth FetchDepth) (manifest.Fetched, error) {
	return c.fetch(ctx, r, r, depth, 0)
}

func (c *Client) fetch(ctx context.Context, name, r ref.Ref, depth FetchDepth, level int) (manifest.Fetched, error) {
	m, err := c.manifestOf(ctx, r)
	if err != nil {
		return manifest.Fetched{}, c.opError("reading", name, err)
	}
	f := manifest.Fetched{Manifest: m}
	if depth == FetchTop {
		return f, nil
	}
	if !m.IsList() {
		if level == 0 {
			if f.Config, err = c.configPlatform(ctx, r, m); err != nil {
				return manifest.Fetched{}, c.opError("reading the config of", name, err)
			}
		}
		return f, nil
	}
	list, err := m.(rcmanifest.Indexer).GetManifestList()
	if err != nil {
		return manifest.Fetched{}, c.opError("reading the entries of", name, err)
	}
	// an entry that cannot be read is shown as such, not a failure of all
	var mu sync.Mutex
	f.Children, f.Missing = map[string]manifest.Fetched{}, map[string]string{}
	errList := forEach(ctx, len(list), c.concurrency, func(i int) error {
		d := list[i]
		nested := manifest.IsIndex(d.MediaType)
		if !nested && depth < FetchAll {
			return nil
		}
		if level+1 >= maxDepth {
			mu.Lock()
			f.Missing[d.Digest.String()] = fmt.Sprintf("not read: nested more than %d indexes deep", maxDepth)
			mu.Unlock()
			return nil
		}
		child, err := c.fetch(ctx, name, r.SetDigest(d.Digest.String()), depth, level+1)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			var op *OpError
			if errors.As(err, &op) {
				f.Missing[d.Digest.String()] = op.Cause()
			} else {
				f.Missing[d.Digest.String()] = err.Error()
			}
			return nil
		}
		f.Children[d.Digest.String()] = child
		return nil
	})
	if err := spec.Join(errList...); err != nil { // interrupted
		return manifest.Fetched{}, c.opError("reading", name, err)
	}
	return f, nil
}

// configPlatform reads the platform of an image's config; nil when the
// manifest has no image config (an artifact).
func (c *Client) configPlatform(ctx context.Context, r ref.Ref, m rcmanifest.Manifest) (*platform.Platform, error) {
	cd, ok := manifest.ImageConfig(m)
	if !ok {
		return nil, nil
	}
	p, err := c.configPlatformOf(ctx, r, cd)
	if err != nil {
		return nil, err
	}
	return &p, nil
}
