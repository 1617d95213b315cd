package registry

import (
	"context"
	"errors"

	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// members resolves a document's members ([Client.Resolve]) and takes
// those its --platforms selection asks for ([manifest.Gather],
// [manifest.Only], which puts the images first).
func (c *Client) members(ctx context.Context, s spec.Spec, ignoreMissing bool) ([]manifest.Member, error) {
	resolved, err := c.Resolve(ctx, s, ignoreMissing)
	if err != nil {
		return nil, err
	}
	members, warnings, err := manifest.Gather(s, resolved)
	c.logWarnings(warnings)
	if err != nil {
		return nil, err
	}
	members, warnings, err = manifest.Only(s, members, ignoreMissing)
	c.logWarnings(warnings)
	return members, err
}

// Resolve fetches every member of a spec concurrently: one manifest GET by
// tag or digest, plus one config GET for an image (its platform), or one
// manifest GET by digest for each entry taken from an index. What a member
// contributes is decided by package manifest ([manifest.ImageMember],
// [manifest.Select]). Nothing is written. With ignoreMissing, a member that
// does not exist (and only that: not an auth or network failure) is
// reported in Resolved.Missing instead of failing. Every failure is
// returned ([spec.Errors]), each naming the spec entry at fault.
func (c *Client) Resolve(ctx context.Context, s spec.Spec, ignoreMissing bool) ([]manifest.Resolved, error) {
	out := make([]manifest.Resolved, len(s.Manifests))
	errList := forEach(ctx, len(s.Manifests), c.concurrency, func(i int) error {
		ctx, release := c.firstAlone(ctx, s.Manifests[i].Image)
		defer release()
		members, err := c.resolveEntry(ctx, s.Manifests[i])
		switch {
		case err == nil:
			out[i].Members = members
		case ignoreMissing && errors.Is(err, manifest.ErrMissing):
			out[i].Missing = err
		default:
			return err
		}
		return nil
	})
	nameNotStarted(errList, func(i int, err error) error {
		return &spec.Error{Pos: s.Manifests[i].Pos, Err: c.opError("resolving", s.Manifests[i].Image, err)}
	})
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) resolveEntry(ctx context.Context, e spec.Entry) ([]manifest.Member, error) {
	m, err := c.manifestOf(ctx, e.Image)
	if err != nil {
		op := c.opError("resolving", e.Image, err)
		op.missing = errors.Is(err, errs.ErrNotFound) // only this makes a member "missing"
		return nil, &spec.Error{Pos: e.Pos, Err: op}
	}
	c.noteResolved(e.Image, m)
	if m.IsList() {
		return c.fromIndex(ctx, e, m)
	}
	var cfg *platform.Platform
	if cd, ok := manifest.ImageConfig(m); ok {
		p, err := c.configPlatformOf(ctx, e.Image, cd)
		if err != nil {
			return nil, &spec.Error{Pos: e.Pos, Err: c.opError("reading the config of", e.Image.SetDigest(m.GetDescriptor().Digest.String()), err)}
		}
		cfg = &p
	}
	mem, notes, err := manifest.ImageMember(e, m, cfg)
	c.logNotes(notes)
	if err != nil {
		return nil, err
	}
	keepSmall(&mem)
	c.log.Debugf("%s: %s is %s %s", e.Pos, e.Image.CommonName(), mem.Descriptor.Digest, spec.FormatPlatform(*mem.Descriptor.Platform))
	return []manifest.Member{mem}, nil
}

// fromIndex reads the entries a member that is itself an index contributes
// (manifest.Select), each by digest: an index that misstates a size or a
// media type would make ours wrong too, and the copy needs the manifest
// anyway.
func (c *Client) fromIndex(ctx context.Context, e spec.Entry, m rcmanifest.Manifest) ([]manifest.Member, error) {
	out, notes, err := manifest.Select(e, m)
	c.logNotes(notes)
	if err != nil {
		return nil, err
	}
	errList := forEach(ctx, len(out), c.concurrency, func(i int) error {
		r := e.Image.SetDigest(out[i].Descriptor.Digest.String())
		child, err := c.manifestOf(ctx, r)
		if err != nil {
			return &spec.Error{Pos: e.Pos, Err: c.opError("reading", r, err)}
		}
		out[i].Manifest = child
		err = manifest.CheckListed(out[i], child)
		keepSmall(&out[i])
		return err
	})
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	images := 0
	for _, mem := range out {
		if !mem.Attestation() {
			images++
		}
	}
	c.log.Debugf("%s: %s is an index (%s): %d image(s), %d attestation(s) taken", e.Pos, e.Image.CommonName(), m.GetDescriptor().Digest, images, len(out)-images)
	return out, nil
}

// keptManifest is the largest manifest a run keeps once read, in its
// memo ([Client.manifestOf]) and for a member's copy (Member.Manifest); a
// larger one is read again when it is needed again. A spec's members are
// all resolved before any is copied, so that what they hold meanwhile is
// their count times this, not times the manifest limit: 10,000 members
// whose manifests are 4 MiB each (26,000 layers, a registry's or a
// publisher's choice) would be 40 GB, parsed. An image manifest of 64 KiB
// lists some 400 layers.
const keptManifest = 64 << 10

// keepSmall drops m's manifest when it is larger than keptManifest.
func keepSmall(m *manifest.Member) {
	if m.Manifest == nil {
		return
	}
	if raw, err := m.Manifest.RawBody(); err != nil || len(raw) > keptManifest {
		m.Manifest = nil
	}
}

// logNotes logs what normalisation rewrote.
func (c *Client) logNotes(notes []string) {
	for _, n := range notes {
		c.log.Info(n)
	}
}
