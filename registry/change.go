package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/attest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Edit is what `edit` does beyond adding members (the spec's): platforms
// to remove and index annotations to drop. The target must be an index
// that exists.
type Edit struct {
	Remove          []manifest.Removal
	DropAnnotations []string
}

// MaxRounds is how many times a change is written at most when other
// writers keep taking it back.
const MaxRounds = 5

// DefaultSettle is the pause between writing a changed index and reading
// it back to see that the change held.
const DefaultSettle = time.Second

// merge applies the change to what the target holds (cur), and builds and
// validates the result; the first time (first) it logs the warnings.
func (t *target) merge(cur manifest.Current, first bool) (manifest.Merged, manifest.Index, error) {
	j, name := t.j, t.ref.CommonName()
	if j.opts.Edit != nil {
		switch {
		case !cur.Exists():
			return manifest.Merged{}, manifest.Index{}, fmt.Errorf("%s does not exist; edit changes an index that is there (push it first, or use push --append)%.0w", name, ErrNoTarget)
		case cur.Type == "":
			return manifest.Merged{}, manifest.Index{}, fmt.Errorf("%s is %s, %w; edit changes an index (push --append makes an index with it)", name, text.Article(text.MediaTypeName(cur.MediaType)), ErrNotIndex)
		}
	}
	mode := j.attestationsMode()
	all := cur.Members // with --attestations drop or referrers, they leave the index
	if mode != attest.Keep {
		all = append(slices.Clone(cur.Members), j.attests...)
		cur.Members = attest.Images(cur.Members)
	}
	merged, err := manifest.Merge(t.ref, cur, *j.change)
	if err != nil {
		return manifest.Merged{}, manifest.Index{}, err
	}
	if mode != attest.Keep {
		// the ones whose image the index keeps; an orphan is said once
		_, t.pending, _ = attest.Plan(mode, all, merged.Members)
		if _, _, orphans := attest.Plan(mode, all, append(slices.Clone(cur.Members), j.change.Add...)); first {
			j.c.logWarnings(orphans)
		}
	}
	idx, err := manifest.BuildMerged(j.spec.Pos.String()+": "+name, merged)
	if err != nil {
		return manifest.Merged{}, manifest.Index{}, err
	}
	warnings, err := manifest.Validate(idx, j.opts.Validate)
	if first {
		j.c.logWarnings(merged.Warnings)
		j.c.logWarnings(warnings)
	}
	return merged, idx, err
}

// writeChange copies the new members, writes the change until it holds
// ([target.writeUntilHeld]), then points the extra tags at the index the
// target holds, so that concurrent writers of the tag lose nothing.
func (t *target) writeChange(ctx context.Context) error {
	c, add, res := t.j.c, t.j.change.Add, t.result
	how := map[string]manifest.How{}
	refs := map[string][]manifest.ReferrerResult{} // what --referrers copied, by member digest
	final := t.upToDate
	if final != nil {
		c.log.Infof("%s already holds the change (%s)", t.ref.CommonName(), final.Digest)
		if err := t.writeAttestations(ctx, t.pending); err != nil {
			return err
		}
	} else {
		hows, found, err := c.supply(ctx, t.ref, add, t.j.opts.Referrers)
		for i, m := range add {
			how[m.Descriptor.Digest.String()], refs[m.Descriptor.Digest.String()] = hows[i], found[i]
		}
		if err != nil {
			return err
		}
		held, err := t.writeUntilHeld(ctx)
		if err != nil {
			return err
		}
		final = &held
	}
	for d, list := range t.attested.by {
		refs[d] = append(refs[d], list...)
	}
	// the index held may carry other writers' entries too
	t.describe(final.Manifest, final.Members, how, refs)
	res.Tags[0].Status = res.Tags[0].Write(res.Digest)
	return c.putExtraTags(ctx, t.ref, manifest.Index{Manifest: final.Manifest}, res.Tags[1:])
}

// writeUntilHeld writes the change and returns the index the target holds
// once the change is there. The index is read right before each write; after
// the Settle pause it is read again, and a change taken back is merged and
// written again, MaxRounds times at most (manifest.Verify). Registries have
// no conditional write, so this holds when other writers' read-to-write
// windows are shorter than the pause. A layout is locked instead.
func (t *target) writeUntilHeld(ctx context.Context) (manifest.Current, error) {
	c, res, name := t.j.c, t.result, t.ref.CommonName()
	settle := cmp.Or(t.j.opts.Settle, DefaultSettle)
	for round := 1; ; round++ {
		cur, err := c.current(ctx, t.ref)
		if err != nil {
			return cur, err
		}
		var idx manifest.Index
		if t.merged, idx, err = t.merge(cur, false); err != nil {
			return cur, err
		}
		d := idx.Descriptor().Digest.String()
		if err := t.writeAttestations(ctx, t.pending); err != nil { // before the index that no longer lists them
			return cur, err
		}
		if d == cur.Digest {
			c.log.Infof("%s already holds the change (%s)", name, d)
			return cur, nil
		}
		if err := withTokensErr(c, t.ref, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, t.ref, idx.Manifest) }); err != nil {
			res.Tags[0].Status = manifest.TagFailed
			return cur, c.opError("pushing the index to", t.ref, err)
		}
		res.Rounds = round
		c.log.Infof("pushed %s (%s): %s", name, d, describeDiff(t.merged.Diff))
		if t.ref.Scheme == "ocidir" {
			return manifest.Current{Digest: d, Manifest: idx.Manifest, Members: idx.Members}, nil
		}
		if err := transport.Sleep(ctx, settle); err != nil {
			return cur, c.opError("pushing the index to", t.ref, err)
		}
		after, err := c.current(ctx, t.ref)
		if err != nil {
			return after, err
		}
		lost, err := manifest.Verify(t.ref, t.merged.Effects, after)
		switch {
		case err != nil:
			res.Tags[0].Status = manifest.TagFailed
			return after, err
		case len(lost) == 0:
			return after, nil
		case round == MaxRounds:
			res.Tags[0].Status = manifest.TagFailed
			return after, fmt.Errorf("%s: other writers took back %s %d times; run again when they are done%.0w", name, strings.Join(lost, ", "), MaxRounds, manifest.ErrConflict)
		}
		c.log.Warnf("%s: another writer took back %s; merging onto what is there (round %d of %d)", name, strings.Join(lost, ", "), round+1, MaxRounds)
		// colliding writers spread out over a span doubling each round
		if err := transport.Sleep(ctx, rand.N(300*time.Millisecond<<(round-1))); err != nil {
			return after, c.opError("pushing the index to", t.ref, err)
		}
	}
}

// current reads what the target tag points at now (always a request:
// regclient caches by digest only).
func (c *Client) current(ctx context.Context, target ref.Ref) (manifest.Current, error) {
	if err := c.checkLayout(target); err != nil {
		return manifest.Current{}, err
	}
	m, err := withTokens(c, target, func(rc *regclient.RegClient) (rcmanifest.Manifest, error) { return rc.ManifestGet(ctx, target) })
	switch {
	case errors.Is(err, errs.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return manifest.Current{}, nil
	case err != nil:
		return manifest.Current{}, c.opError("reading", target, err)
	case m.IsList():
		cur, err := manifest.CurrentIndex(target, m)
		if err != nil {
			return manifest.Current{}, c.opError("reading", target, err)
		}
		return cur, nil
	}
	members, err := c.resolveEntry(ctx, spec.Entry{Image: target.SetDigest(m.GetDescriptor().Digest.String()), Pos: spec.Pos{Field: "the target"}})
	if err != nil {
		return manifest.Current{}, err
	}
	return manifest.CurrentImage(members[0]), nil
}

// describe describes in the result the index the target holds (m, its
// entries members), how each entry reached the target (how: nil in a
// plan), its referrers, and what the change did.
func (t *target) describe(m rcmanifest.Manifest, members []manifest.Member, how map[string]manifest.How, refs map[string][]manifest.ReferrerResult) {
	ours := map[string]spec.Entry{}
	for _, mem := range t.merged.Members {
		ours[mem.Descriptor.Digest.String()] = mem.Entry
	}
	members = slices.Clone(members)
	for i, mem := range members {
		if e, ok := ours[mem.Descriptor.Digest.String()]; ok {
			members[i].Entry = e // for an entry this change wrote
		}
	}
	res, p := t.result, manifest.Plan(t.ref, nil, manifest.Index{Manifest: m, Members: members}, nil)
	res.Digest, res.Size, res.MediaType, res.Manifests = p.Digest, p.Size, p.MediaType, p.Manifests
	for i, mr := range res.Manifests {
		if how != nil {
			res.Manifests[i].How = cmp.Or(how[mr.Digest], manifest.HowPresent)
		}
		res.Manifests[i].Referrers = refs[mr.Digest]
	}
	rounds := 0
	if res.Changed != nil {
		rounds = res.Rounds
	}
	res.Changed = &manifest.Changed{Diff: t.merged.Diff, Rounds: rounds}
}

// describeDiff says what a change did, for the log.
func describeDiff(d manifest.Diff) string {
	var parts []string
	for _, p := range []struct {
		what string
		list []string
	}{{"added", d.Added}, {"replaced", d.Replaced}, {"removed", d.Removed}, {"kept", d.Kept}} {
		if len(p.list) > 0 {
			parts = append(parts, p.what+" "+strings.Join(p.list, ", "))
		}
	}
	if len(parts) == 0 {
		return "annotations only"
	}
	return strings.Join(parts, "; ")
}

// logWarnings logs each warning.
func (c *Client) logWarnings(warnings []string) {
	for _, w := range warnings {
		c.log.Warn(w)
	}
}
