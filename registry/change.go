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
	"github.com/regclient/regclient/types/ref"

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

// ErrNotIndex: edit was pointed at something that is not an index (bad
// input); ErrNoTarget: at a tag that does not exist (a failure).
var (
	ErrNotIndex = fmt.Errorf("not an index%.0w", manifest.ErrInvalid)
	ErrNoTarget = errors.New("target not found")
)

// publishChanges is Publish for --append and edit: every spec's members
// are resolved (and the tags read) first, for all specs at once; then each
// spec's change is applied to its target.
func (c *Client) publishChanges(ctx context.Context, specs []spec.Spec, types []manifest.Type, opts PublishOptions) ([]manifest.Result, error) {
	changes := make([]manifest.Change, len(specs))
	prev, err := c.readTagsWhile(ctx, specs, opts.DryRun, func(i int) error {
		var err error
		changes[i], err = c.changeOf(ctx, specs[i], types[i], opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	results := make([]manifest.Result, len(specs))
	errList := forEach(ctx, len(specs), c.concurrency, func(i int) error {
		var err error
		results[i], err = c.change(ctx, specs[i], changes[i], prev[i], opts)
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

// changeOf resolves a spec's members into the change to apply: the
// members (those its --platforms selection takes) in the order Build would
// write them, the annotations, and what opts.Edit removes.
func (c *Client) changeOf(ctx context.Context, s spec.Spec, t manifest.Type, opts PublishOptions) (manifest.Change, error) {
	ch := manifest.Change{Annotations: s.Annotations, Type: t, TypeSet: t != "", IgnoreMissing: opts.IgnoreMissing}
	if t == "" {
		ch.Type = opts.Type
	}
	if opts.Edit != nil {
		ch.Remove, ch.DropAnnotations = opts.Edit.Remove, opts.Edit.DropAnnotations
	}
	if len(s.Manifests) == 0 {
		return ch, nil
	}
	resolved, err := c.Resolve(ctx, s, opts.IgnoreMissing)
	if err != nil {
		return ch, err
	}
	members, warnings, err := manifest.Gather(s, resolved)
	c.logWarnings(warnings)
	if err != nil {
		return ch, err
	}
	members, warnings, err = manifest.Only(s, members, opts.IgnoreMissing)
	c.logWarnings(warnings)
	if err != nil {
		return ch, err
	}
	for _, m := range members {
		if !m.Attestation() {
			ch.Add = append(ch.Add, m)
		}
	}
	for _, m := range members {
		if m.Attestation() {
			ch.Add = append(ch.Add, m)
		}
	}
	return ch, nil
}

// change applies one spec's change to the index its target points at, so
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
//  4. the extra tags then point at the index the target holds.
//
// Registries have no conditional write, so this holds when every other
// writer's read-to-write window is shorter than the settle pause.
func (c *Client) change(ctx context.Context, s spec.Spec, ch manifest.Change, prev []string, opts PublishOptions) (manifest.Result, error) {
	name := s.Pos.String() + ": " + s.Target.CommonName()
	res := manifest.Result{Target: s.Target.CommonName()}
	for i, t := range manifest.Tags(s.Target, s.Tags) {
		tr := manifest.TagResult{Tag: t, Status: manifest.TagSkipped}
		if i < len(prev) {
			tr.Previous = prev[i]
		}
		res.Tags = append(res.Tags, tr)
	}
	hows := make([]manifest.How, len(ch.Add))
	if !opts.DryRun && len(ch.Add) > 0 {
		var err error
		if hows, err = c.copyMembers(ctx, s.Target, ch.Add); err != nil {
			return res, err
		}
	}
	how := map[string]manifest.How{}
	for i, m := range ch.Add {
		how[m.Descriptor.Digest.String()] = hows[i]
	}
	settle := opts.Settle
	if settle == 0 {
		settle = DefaultSettle
	}
	var final manifest.Current
	for round := 1; ; round++ {
		cur, err := c.current(ctx, s.Target)
		if err != nil {
			return res, err
		}
		if opts.Edit != nil {
			switch {
			case !cur.Exists():
				return res, fmt.Errorf("%s does not exist; edit changes an index that is there (push it first, or use push --append)%.0w", s.Target.CommonName(), ErrNoTarget)
			case cur.Type == "":
				return res, fmt.Errorf("%s is %s, %w; edit changes an index (push --append makes an index with it)", s.Target.CommonName(), manifest.Article(manifest.MediaTypeName(cur.MediaType)), ErrNotIndex)
			}
		}
		merged, err := manifest.Merge(s.Target, cur, ch)
		if err != nil {
			return res, err
		}
		idx, err := manifest.BuildMerged(name, merged)
		if err != nil {
			return res, err
		}
		warnings, err := manifest.Validate(idx, opts.Validate)
		if round == 1 {
			c.logWarnings(merged.Warnings)
			c.logWarnings(warnings)
		}
		if err != nil {
			return res, err
		}
		res = changeResult(res, idx, merged, how)
		if opts.DryRun {
			res.DryRun, res.Index = true, idx.Bytes()
			return res, nil
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
			return res, fmt.Errorf("%s: other writers took back %s %d times; run again when they are done", s.Target.CommonName(), strings.Join(lost, ", "), MaxRounds)
		}
		c.log.Warnf("%s: another writer took back %s; merging onto what is there (round %d of %d)", s.Target.CommonName(), strings.Join(lost, ", "), round+1, MaxRounds)
		// writers that collided spread out over a span that doubles each
		// round (300 ms, 600 ms, 1.2 s, 2.4 s), so that fewer of them read
		// and write within another's window the next time
		if err := transport.Sleep(ctx, rand.N(300*time.Millisecond<<(round-1))); err != nil {
			return res, err
		}
	}
	// the result describes the index the target holds now, which may carry
	// other writers' entries too; the extra tags point at it
	top := manifest.Index{Manifest: final.Manifest}
	fd := top.Descriptor()
	res.Digest, res.Size, res.MediaType = fd.Digest.String(), fd.Size, fd.MediaType
	res.Tags[0].Status = res.Tags[0].Write(res.Digest)
	return res, c.putExtraTags(ctx, s.Target, top, res.Tags[1:])
}

// current reads what the target tag points at now, by tag (regclient
// caches manifests by digest only, so this is always a request): an
// index's entries, an image resolved as a member, or nothing.
func (c *Client) current(ctx context.Context, target ref.Ref) (manifest.Current, error) {
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
	cur := manifest.CurrentImage(members[0])
	cur.Manifest = m
	return cur, nil
}

// changeResult describes a merged index: its digest, the entries with how
// the new ones reached the target (kept ones were there), and what changed.
func changeResult(res manifest.Result, idx manifest.Index, m manifest.Merged, how map[string]manifest.How) manifest.Result {
	plan := manifest.Plan(ref.Ref{}, nil, idx, nil)
	res.Digest, res.Size, res.MediaType, res.Manifests = plan.Digest, plan.Size, plan.MediaType, plan.Manifests
	for i, mem := range idx.Members {
		res.Manifests[i].How = manifest.HowPresent
		if h := how[mem.Descriptor.Digest.String()]; h != "" {
			res.Manifests[i].How = h
		}
	}
	diff := m.Diff
	res.Diff = &diff
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
