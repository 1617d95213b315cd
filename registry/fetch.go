package registry

import (
	"context"
	"fmt"
	"sync"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/view"
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

// DefaultMaxEntries is five times an index of 20,000 entries.
const DefaultMaxEntries = 100_000

// WithMaxEntries bounds the entries of the distinct indexes [Client.Fetch]
// walks (n <= 0 keeps [DefaultMaxEntries]); past it, [EntriesError].
func WithMaxEntries(n int) Option { return func(s *clientOptions) { s.maxEntries = n } }

// EntriesError is a manifest whose indexes list more entries in all than
// the Client walks ([WithMaxEntries]).
type EntriesError struct {
	Limit int
}

func (e *EntriesError) Error() string {
	return fmt.Sprintf("its indexes list more than %d entries in all (raise it with --max-entries or MANIFEST_TOOL_MAX_ENTRIES)", e.Limit)
}

// DefaultMaxWalkSize is four manifests at the limit of one.
const DefaultMaxWalkSize = 16 << 20

// WithMaxWalkSize bounds the bytes of the manifests [Client.Fetch] reads
// below the top (n <= 0 keeps [DefaultMaxWalkSize]); past it,
// [WalkSizeError]. The bound on entries does not bound memory: each entry
// may name a manifest at the size limit.
func WithMaxWalkSize(n int64) Option { return func(s *clientOptions) { s.maxWalkSize = n } }

// WalkSizeError is a manifest whose manifests below it are more bytes in
// all than the Client reads ([WithMaxWalkSize]).
type WalkSizeError struct {
	Limit int64
}

func (e *WalkSizeError) Error() string {
	return fmt.Sprintf("the manifests below it are more than %s in all (raise it with --max-walk-size or MANIFEST_TOOL_MAX_WALK_SIZE)", units.Format(e.Limit))
}

// Fetch reads the manifest r names and, depending on depth, what lies
// below it, bytes as served, digest-checked. Each distinct manifest below
// is read once, level by level, so that the cost follows the distinct
// manifests, not the paths through them (eight indexes whose entries all
// name the next make 8^7 paths). An entry that cannot be read is said in
// its index's Missing.
func (c *Client) Fetch(ctx context.Context, r ref.Ref, depth FetchDepth) (view.Fetched, error) {
	m, err := c.manifestOf(ctx, r)
	if err != nil {
		return view.Fetched{}, c.opError("reading", r, err)
	}
	f := view.Fetched{Manifest: m}
	if depth == FetchTop {
		return f, nil
	}
	if !m.IsList() {
		if f.Config, err = c.configPlatform(ctx, r, m); err != nil {
			return view.Fetched{}, c.opError("reading the config of", r, err)
		}
		return f, nil
	}
	w := &walk{c: c, ref: r, depth: depth, read: map[string]*walked{}, missing: map[string]string{}}
	top := w.add(m.GetDescriptor().Digest.String(), &f)
	if err := w.run(ctx, top); err != nil {
		return view.Fetched{}, c.opError("reading", r, err)
	}
	return f, nil
}

// walk reads the manifests below an index, level by level.
type walk struct {
	c       *Client
	ref     ref.Ref
	depth   FetchDepth
	entries int                // the entries of the indexes read, in all
	size    int64              // the bytes of the manifests read below the top, in all
	read    map[string]*walked // digest -> the manifest read (or being read)
	missing map[string]string  // digest -> why it was not read
	order   []*walked          // the indexes read, to link their entries
}

// walked is one manifest read, and its entries, for an index.
type walked struct {
	f    *view.Fetched
	list []descriptor.Descriptor
}

func (w *walk) add(d string, f *view.Fetched) *walked {
	n := &walked{f: f}
	w.read[d] = n
	return n
}

// run reads the levels below top, then links each index's entries to
// what was read for them.
func (w *walk) run(ctx context.Context, top *walked) error {
	level := []*walked{top}
	for depth := 0; len(level) > 0; depth++ {
		next, err := w.entriesToRead(level, depth)
		if err != nil {
			return err
		}
		if err := w.readLevel(ctx, next); err != nil {
			return err
		}
		level = level[:0]
		for _, d := range next {
			if n := w.read[d]; n.f.Manifest != nil {
				level = append(level, n)
			}
		}
	}
	w.link()
	return nil
}

// entriesToRead lists the entries of the indexes of one level, and
// returns the digests first named there that are to be read.
func (w *walk) entriesToRead(level []*walked, depth int) ([]string, error) {
	var next []string
	for _, n := range level {
		if !n.f.Manifest.IsList() {
			continue
		}
		list, err := n.f.Manifest.(rcmanifest.Indexer).GetManifestList()
		if err != nil {
			return nil, fmt.Errorf("reading the entries of %s: %w", n.f.Manifest.GetDescriptor().Digest, err)
		}
		w.entries += len(list)
		if w.entries > w.c.maxEntries {
			return nil, &EntriesError{Limit: w.c.maxEntries}
		}
		n.list = list
		n.f.Children, n.f.Missing = map[string]view.Fetched{}, map[string]string{}
		w.order = append(w.order, n)
		for _, d := range list {
			dig := d.Digest.String()
			if _, ok := w.read[dig]; ok {
				continue
			}
			if !manifest.IsIndex(d.MediaType) && w.depth < FetchAll {
				continue // platforms: the index says an image's platform
			}
			if depth+1 >= maxDepth {
				w.missing[dig] = fmt.Sprintf("not read: nested more than %d indexes deep", maxDepth)
				continue
			}
			w.add(dig, &view.Fetched{})
			next = append(next, dig)
		}
	}
	return next, nil
}

// readLevel reads the manifests of next concurrently. One that fails is
// noted as missing; past the bound on the bytes read, the walk ends.
func (w *walk) readLevel(ctx context.Context, next []string) error {
	var mu sync.Mutex
	lctx, cut := context.WithCancelCause(ctx)
	errList := forEach(lctx, len(next), w.c.concurrency, func(i int) error {
		m, err := w.c.manifestOf(lctx, w.ref.SetDigest(next[i]))
		mu.Lock()
		defer mu.Unlock()
		if lctx.Err() != nil && ctx.Err() == nil { // past the bound on bytes
			return nil
		}
		if err != nil {
			w.missing[next[i]] = w.c.opError("reading", w.ref, err).Cause()
			return nil
		}
		raw, _ := m.RawBody()
		w.size += int64(len(raw))
		if w.size > w.c.maxWalkSize {
			cut(&WalkSizeError{Limit: w.c.maxWalkSize})
			return nil
		}
		w.read[next[i]].f.Manifest = m
		return nil
	})
	over := context.Cause(lctx)
	cut(nil)
	if ctx.Err() == nil && over != nil {
		return over
	}
	return spec.Join(errList...) // interrupted
}

// link points each index's entries to the one Fetched of each manifest.
func (w *walk) link() {
	for _, n := range w.order {
		for _, d := range n.list {
			dig := d.Digest.String()
			if why, ok := w.missing[dig]; ok {
				n.f.Missing[dig] = why
			} else if child, ok := w.read[dig]; ok && child.f.Manifest != nil {
				n.f.Children[dig] = *child.f
			}
		}
	}
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
