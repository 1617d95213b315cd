package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/manifest"
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

// publishChanges is Publish for --append and edit. First, for every spec
// at once: its members are resolved, the index its target points at is
// read (a GET where a push sends a HEAD) and the extra tags' HEADs, and
// the change is merged and validated on what was read, so that bad input
// (a type that differs, a platform to remove that is not there) stops the
// run before anything is written. Then each spec's change is written
// ([Client.change]).
func (c *Client) publishChanges(ctx context.Context, specs []spec.Spec, types []manifest.Type, opts PublishOptions) ([]manifest.Result, error) {
	plans := make([]changePlan, len(specs))
	errList := forEach(ctx, len(specs), c.concurrency, func(i int) error {
		var err error
		plans[i], err = c.planChange(ctx, specs[i], types[i], opts)
		return err
	})
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	results := make([]manifest.Result, len(specs))
	errList = forEach(ctx, len(specs), c.concurrency, func(i int) error {
		var err error
		results[i], err = c.change(ctx, specs[i], plans[i], opts)
		return err
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) && !errors.As(err, new(*spec.Error)) && !errors.Is(err, manifest.ErrInvalid) &&
			!errors.Is(err, manifest.ErrConflict) && !errors.Is(err, manifest.ErrMissing) && !errors.Is(err, ErrNoTarget) { // never started
			errList[i] = c.opError("pushing the index to", specs[i].Target, err)
		}
	}
	return results, spec.Join(mergeCauses(errList)...)
}

// changePlan is one spec's change as planned before anything is written:
// the change, the result so far (the tags with what they pointed at, the
// entries and the diff of the first merge), and, in a dry run, the index.
type changePlan struct {
	change manifest.Change
	result manifest.Result
	// held is the target as read when it already holds the change (nothing
	// to copy or write but the extra tags); nil otherwise
	held   *manifest.Current
	merged manifest.Merged
}

// planChange resolves a spec's members into its change (those its
// --platforms selection takes, images first), reads the target beside it,
// and merges and validates the change on what it read.
func (c *Client) planChange(ctx context.Context, s spec.Spec, t manifest.Type, opts PublishOptions) (changePlan, error) {
	if s.TagDefaulted {
		c.log.Warnf("%s: %s has no tag; using %s:latest", s.Pos, s.Target.Reference, repoName(s.Target))
	}
	ch := manifest.Change{Annotations: s.Annotations, Type: t, TypeSet: t != "", IgnoreMissing: opts.IgnoreMissing}
	if s.Type != "" {
		ch.TypePos = s.TypePos
	}
	if t == "" {
		ch.Type = opts.Type
	}
	if opts.Edit != nil {
		ch.Remove, ch.DropAnnotations = opts.Edit.Remove, opts.Edit.DropAnnotations
	}
	tags := manifest.Tags(s.Target, s.Tags)
	var cur manifest.Current
	var prev []string
	var readErr error
	read := make(chan struct{})
	go func() {
		defer close(read)
		if cur, readErr = c.current(ctx, s.Target); readErr != nil || opts.DryRun {
			return
		}
		prev, readErr = c.headTags(ctx, s.Target, tags[1:])
	}()
	members, err := c.changeMembers(ctx, s, opts)
	<-read
	if err := spec.Join(mergeCauses([]error{err, readErr})...); err != nil {
		return changePlan{}, err
	}
	ch.Add = members
	plan := changePlan{change: ch, result: manifest.Result{Target: s.Target.CommonName(), Manifests: []manifest.MemberResult{}}}
	for i, tag := range tags {
		tr := manifest.TagResult{Tag: tag, Status: manifest.TagSkipped}
		switch {
		case i == 0:
			tr.Previous = cur.Digest
		case i-1 < len(prev):
			tr.Previous = prev[i-1]
		}
		plan.result.Tags = append(plan.result.Tags, tr)
	}
	merged, idx, err := c.merge(s, cur, ch, opts, true)
	if err != nil {
		return changePlan{}, err
	}
	plan.result = describeChange(plan.result, idx.Manifest, idx.Members, merged, nil, nil)
	plan.merged = merged
	if idx.Descriptor().Digest.String() == cur.Digest {
		plan.held = &cur
	}
	if opts.DryRun {
		plan.result.DryRun, plan.result.Index = true, idx.Bytes()
	}
	return plan, nil
}

// changeMembers resolves the members a change adds, in the order Build
// writes them.
func (c *Client) changeMembers(ctx context.Context, s spec.Spec, opts PublishOptions) ([]manifest.Member, error) {
	if len(s.Manifests) == 0 {
		return nil, nil
	}
	resolved, err := c.Resolve(ctx, s, opts.IgnoreMissing)
	if err != nil {
		return nil, err
	}
	members, warnings, err := manifest.Gather(s, resolved)
	c.logWarnings(warnings)
	if err != nil {
		return nil, err
	}
	members, warnings, err = manifest.Only(s, members, opts.IgnoreMissing)
	c.logWarnings(warnings)
	return manifest.Order(members), err
}

// merge applies a change to what a target holds (cur), and builds and
// validates the result; the first time (first) it logs the warnings.
func (c *Client) merge(s spec.Spec, cur manifest.Current, ch manifest.Change, opts PublishOptions, first bool) (manifest.Merged, manifest.Index, error) {
	if opts.Edit != nil {
		switch {
		case !cur.Exists():
			return manifest.Merged{}, manifest.Index{}, fmt.Errorf("%s does not exist; edit changes an index that is there (push it first, or use push --append)%.0w", s.Target.CommonName(), ErrNoTarget)
		case cur.Type == "":
			return manifest.Merged{}, manifest.Index{}, fmt.Errorf("%s is %s, %w; edit changes an index (push --append makes an index with it)", s.Target.CommonName(), text.Article(text.MediaTypeName(cur.MediaType)), ErrNotIndex)
		}
	}
	merged, err := manifest.Merge(s.Target, cur, ch)
	if err != nil {
		return manifest.Merged{}, manifest.Index{}, err
	}
	idx, err := manifest.BuildMerged(s.Pos.String()+": "+s.Target.CommonName(), merged)
	if err != nil {
		return manifest.Merged{}, manifest.Index{}, err
	}
	warnings, err := manifest.Validate(idx, opts.Validate)
	if first {
		c.logWarnings(merged.Warnings)
		c.logWarnings(warnings)
	}
	return merged, idx, err
}

// change writes one spec's change to the index its target points at, so
// that other writers changing the same tag at the same time lose nothing:
//
//  1. the new members are copied into the target repository first;
//  2. the index is read right before it is written, so the window in which
//     another writer's update can be lost is one request;
//  3. after the write, and a pause of opts.Settle, the tag is read again:
//     if what this change set was taken back, it is merged onto what is
//     there and written again, after a jittered backoff, MaxRounds times
//     at most; a platform another writer set to a third digest is a
//     conflict (manifest.ErrConflict);
//  4. the extra tags then point at the index the target holds, which the
//     result describes.
//
// Registries have no conditional write, so this holds when every other
// writer's read-to-write window is shorter than the settle pause. An OCI
// layout is locked for the whole change instead ([Client.openLayout]), and needs
// no second look.
func (c *Client) change(ctx context.Context, s spec.Spec, plan changePlan, opts PublishOptions) (manifest.Result, error) {
	res, ch := plan.result, plan.change
	if opts.DryRun {
		return res, nil
	}
	layout := s.Target.Scheme == "ocidir"
	if layout {
		w, err := c.openLayout(ctx, s.Target.Path)
		if err != nil {
			return res, err
		}
		defer w.close()
	}
	var final manifest.Current
	merged := plan.merged
	how := map[string]manifest.How{}
	refs := map[string][]manifest.ReferrerResult{} // what --referrers copied, by member digest
	if plan.held != nil {
		c.log.Infof("%s already holds the change (%s)", s.Target.CommonName(), plan.held.Digest)
		final = *plan.held
	} else if len(ch.Add) > 0 {
		hows, err := c.copyMembers(ctx, s.Target, ch.Add)
		if err != nil {
			return res, err
		}
		if opts.Referrers || s.Referrers {
			found, err := c.copyReferrers(ctx, s.Target, ch.Add, hows, opts.ReferrersRequired || s.ReferrersRequired)
			for i, m := range ch.Add {
				refs[m.Descriptor.Digest.String()] = found[i]
			}
			if err != nil {
				return res, err
			}
		}
		for i, m := range ch.Add {
			how[m.Descriptor.Digest.String()] = hows[i]
		}
	}
	settle := opts.Settle
	if settle == 0 {
		settle = DefaultSettle
	}
	for round := 1; plan.held == nil; round++ {
		cur, err := c.current(ctx, s.Target)
		if err != nil {
			return res, err
		}
		var idx manifest.Index
		if merged, idx, err = c.merge(s, cur, ch, opts, false); err != nil {
			return res, err
		}
		d := idx.Descriptor().Digest.String()
		if d == cur.Digest {
			c.log.Infof("%s already holds the change (%s)", s.Target.CommonName(), d)
			final = cur
			break
		}
		if err := c.rc.ManifestPut(ctx, s.Target, idx.Manifest); err != nil {
			res.Tags[0].Status = manifest.TagFailed
			return res, c.opError("pushing the index to", s.Target, err)
		}
		res.Rounds = round
		c.log.Infof("pushed %s (%s): %s", s.Target.CommonName(), d, describeDiff(merged.Diff))
		if layout {
			final = manifest.Current{Digest: d, Manifest: idx.Manifest, Members: idx.Members}
			break
		}
		if err := transport.Sleep(ctx, settle); err != nil {
			return res, err
		}
		after, err := c.current(ctx, s.Target)
		if err != nil {
			return res, err
		}
		lost, err := manifest.Verify(s.Target, merged.Wants, after)
		if err != nil {
			res.Tags[0].Status = manifest.TagFailed
			return res, err
		}
		if len(lost) == 0 {
			final = after
			break
		}
		if round == MaxRounds {
			res.Tags[0].Status = manifest.TagFailed
			return res, fmt.Errorf("%s: other writers took back %s %d times; run again when they are done%.0w", s.Target.CommonName(), strings.Join(lost, ", "), MaxRounds, manifest.ErrConflict)
		}
		c.log.Warnf("%s: another writer took back %s; merging onto what is there (round %d of %d)", s.Target.CommonName(), strings.Join(lost, ", "), round+1, MaxRounds)
		// writers that collided spread out over a span that doubles each
		// round (300 ms, 600 ms, 1.2 s, 2.4 s), so that fewer of them read
		// and write within another's window the next time
		if err := transport.Sleep(ctx, rand.N(300*time.Millisecond<<(round-1))); err != nil {
			return res, err
		}
	}
	// the index the target holds now may carry other writers' entries too;
	// the result describes it, and the extra tags point at it
	res = describeChange(res, final.Manifest, final.Members, merged, how, refs)
	res.Tags[0].Status = res.Tags[0].Write(res.Digest)
	return res, c.putExtraTags(ctx, s.Target, manifest.Index{Manifest: final.Manifest}, res.Tags[1:])
}

// current reads what the target tag points at now, by tag (regclient
// caches manifests by digest only, so this is always a request): an
// index's entries, an image resolved as a member, or nothing.
func (c *Client) current(ctx context.Context, target ref.Ref) (manifest.Current, error) {
	if err := c.checkLayout(target); err != nil {
		return manifest.Current{}, err
	}
	m, err := c.rc.ManifestGet(ctx, target)
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

// describeChange describes an index (m, its entries members) in res: its
// digest, and each entry named by the member it came from, with how it
// reached the target (how: the entries this change copied; nil in a plan,
// which has copied nothing); and what the change did.
func describeChange(res manifest.Result, m rcmanifest.Manifest, members []manifest.Member, merged manifest.Merged, how map[string]manifest.How, refs map[string][]manifest.ReferrerResult) manifest.Result {
	d := m.GetDescriptor()
	res.Digest, res.Size, res.MediaType = d.Digest.String(), d.Size, d.MediaType
	ours := map[string]manifest.Member{}
	for _, mem := range merged.Members {
		ours[mem.Descriptor.Digest.String()] = mem
	}
	res.Manifests = []manifest.MemberResult{}
	for _, mem := range members {
		dig := mem.Descriptor.Digest.String()
		if o, ok := ours[dig]; ok {
			mem.Entry = o.Entry // the member it came from, for an entry this change wrote
		}
		mr := manifest.MemberResult{Image: mem.Entry.Image.CommonName(), Digest: dig, MediaType: mem.Descriptor.MediaType}
		if mem.Descriptor.Platform != nil && !mem.Attestation() {
			mr.Platform = spec.FormatPlatform(*mem.Descriptor.Platform)
		}
		if how != nil {
			mr.How = manifest.HowPresent
			if h := how[dig]; h != "" {
				mr.How = h
			}
		}
		mr.Referrers = refs[dig]
		res.Manifests = append(res.Manifests, mr)
	}
	rounds := 0
	if res.Changed != nil {
		rounds = res.Rounds
	}
	res.Changed = &manifest.Changed{Diff: merged.Diff, Rounds: rounds}
	return res
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
