package registry

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/attest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// ReferrersPolicy says whether a publish copies, with each member it
// copies or mounts into a target repository, the manifests whose subject
// it is (--referrers: signatures, SBOMs, attestations).
type ReferrersPolicy int

// The referrers policies, each asking more than the one before: none
// copied; copied, one that cannot be is a warning; copied, one that cannot
// be is an error matching [ErrReferrer].
const (
	ReferrersOff ReferrersPolicy = iota
	ReferrersCopy
	ReferrersRequired
)

// PublishOptions tune Publish.
type PublishOptions struct {
	// Type is the kind of index to write for the specs that do not choose
	// one. "" writes a Docker list, or for --append and edit keeps the type
	// of the index there; a type given is held to, so a change to an index
	// of the other type is refused rather than converted.
	Type manifest.Type
	// IgnoreMissing skips members that do not exist, with a warning,
	// instead of failing; it is still an error when none is left.
	IgnoreMissing bool
	// DryRun resolves, builds and validates, and writes nothing.
	DryRun bool
	// Validate tunes the checks every index passes before it is written.
	Validate manifest.ValidateOptions
	// Append merges each spec's members onto the index its target points
	// at (--append) instead of replacing it; see Edit for more changes.
	Append bool
	// Edit, when set, changes the target index in place (edit): the spec's
	// members are added, and the target must be an index that exists.
	Edit *Edit
	// Settle is the pause between writing a changed index and reading it
	// back (DefaultSettle when 0).
	Settle time.Duration
	// Referrers says whether the members' referrers are copied with them;
	// a spec's referrers: key may ask for more.
	Referrers ReferrersPolicy
	// Attestations is what is done with the attestation manifests of the
	// index (attest.Keep, the default, attest.Drop or attest.Referrers); a
	// spec's attestations: key wins. With --append and edit it applies to
	// the whole index written: the attestations it held are dropped or
	// written as referrers too.
	Attestations string
	// UntagMembers deletes, once every target holds the index and reads
	// it back, the tags the members were found by (--untag-members; a
	// spec's untag-members: key asks for it too): see package
	// manifest/untag for what is and is not removed. A dry run lists them.
	UntagMembers bool
}

// Publish runs the whole job for a set of specs (the documents of one
// file): check what the specs alone show; for every document at once,
// resolve its members and build and validate its index, each target read
// beside that; and only then write every target concurrently: members into
// the target repository, the index, its tags. Nothing is written when any
// document fails before that: its members, its index, or its only target
// (every target, for a document of several). A target of several that
// cannot be read, or fails while it is written, fails alone: it gets no
// tag on an index it could not complete, and the others are written.
// Results come one per target, in spec order, also with an error: then
// they say what was written, and each target of a document of several
// that failed says why (Errors).
func (c *Client) Publish(ctx context.Context, specs []spec.Spec, opts PublishOptions) ([]manifest.Result, error) {
	// what the specs alone show, every such problem at once, before any
	// request: nothing is resolved for a run whose input is wrong
	check := opts.Validate
	check.IgnoreMissing = opts.IgnoreMissing
	change := opts.Append || opts.Edit != nil
	typ := opts.Type
	if typ == "" && !change {
		typ = manifest.Docker
	}
	types, errList := manifest.Precheck(specs, typ, check)
	if change {
		errList = append(errList, labelsOnChange(specs)...)
	}
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	jobs := make([]*job, len(specs))
	var targets []*target
	for i, s := range specs {
		jobs[i] = c.newJob(s, types[i], opts)
		targets = append(targets, jobs[i].targets...)
	}
	results := make([]manifest.Result, len(targets))
	for k, t := range targets {
		t.result = &results[k]
	}
	errList = forEach(ctx, len(jobs), c.concurrency, func(i int) error { return jobs[i].prepare(ctx) })
	if err := spec.Join(errList...); err != nil || opts.DryRun {
		for i, j := range jobs {
			// each document's failures, a cause once for all its members
			if errList[i] = spec.Join(mergeCauses(errList[i : i+1])...); errList[i] != nil {
				for _, t := range j.targets {
					*t.result = manifest.Failed(j.spec, t.ref, errList[i])
				}
			}
		}
		if err != nil && change {
			return nil, spec.Join(errList...)
		}
		if err == nil && untagWanted(jobs) { // a dry run: the tags that would go
			_ = c.untagMembers(ctx, jobs, targets, false, true)
		}
		return results, spec.Join(append(errList, targetErrors(targets)...)...)
	}
	errList = forEach(ctx, len(targets), c.concurrency, func(i int) error {
		if targets[i].err != nil {
			return nil // failed before the writes; reported below
		}
		return targets[i].write(ctx)
	})
	nameNotStarted(errList, func(i int, err error) error {
		return c.opError("pushing the index to", targets[i].ref, err)
	})
	for i, t := range targets {
		if errList[i] != nil && len(t.j.targets) > 1 { // which target it was, in its result
			for _, err := range mergeCauses(errList[i : i+1]) {
				t.result.Errors = append(t.result.Errors, err.Error())
			}
		}
	}
	// a cause once for all the members and targets it hit
	err := spec.Join(append(mergeCauses(errList), targetErrors(targets)...)...)
	if untagWanted(jobs) && ctx.Err() == nil {
		for _, uerr := range spec.Split(c.untagMembers(ctx, jobs, targets, err == nil, false)) {
			err = spec.Join(err, &UntagError{Err: uerr})
		}
	}
	return results, err
}

// targetErrors are the failures of the targets that failed before any
// write (one of several of a document that could not be read), in order.
func targetErrors(targets []*target) []error {
	var out []error
	for _, t := range targets {
		out = append(out, t.err)
	}
	return mergeCauses(out)
}

// job is the publish of one document: its members, resolved once, and
// each of its targets.
type job struct {
	c       *Client
	spec    spec.Spec
	opts    PublishOptions          // with the document's own referrers policy
	typ     manifest.Type           // as Precheck chose it ("" for a change: the index's own)
	change  *manifest.Change        // what --append and edit merge; nil for a push
	index   manifest.Index          // a push's, built and validated once for every target
	members []manifest.MemberResult // index's lines of a result, made once ([job.plan])
	targets []*target
	// pending are a push's attestations to write as referrers
	// (--attestations referrers); attests, what a change adds of them
	pending []attest.Pending
	attests []manifest.Member
}

// target is one place a document is written: a repository, or an OCI
// layout, with the tags its index gets there. For a change, cur is the
// index it pointed at when read, merged the change merged onto what it
// held when last read, and upToDate cur when that holds the change
// already (nothing to write but the extra tags).
type target struct {
	j        *job
	ref      ref.Ref  // with the target's own tag
	prev     []string // what each tag ([manifest.Tags]) pointed at, "" for none
	cur      manifest.Current
	merged   manifest.Merged
	upToDate *manifest.Current
	result   *manifest.Result // its slot in what Publish returns
	// err is why the target, one of several of its document, failed
	// before any write: it is not written, the others are
	err error
	// pending are a change's attestations to write as referrers, as the
	// last merge found them; attested, what was written of them
	pending  []attest.Pending
	attested writtenReferrers
}

// newJob readies the publish of s, of the index type Precheck chose.
func (c *Client) newJob(s spec.Spec, t manifest.Type, opts PublishOptions) *job {
	switch { // what the document's referrers: key asks for, if more
	case s.ReferrersRequired:
		opts.Referrers = ReferrersRequired
	case s.Referrers:
		opts.Referrers = max(opts.Referrers, ReferrersCopy)
	}
	opts.UntagMembers = opts.UntagMembers || s.UntagMembers
	j := &job{c: c, spec: s, opts: opts, typ: t}
	if opts.Append || opts.Edit != nil {
		ch := manifest.Change{Annotations: s.Annotations, Type: t, TypeSet: t != "", TypePos: s.TypePos, IgnoreMissing: opts.IgnoreMissing}
		if t == "" {
			ch.Type = manifest.Docker // for a new index
		}
		if opts.Edit != nil {
			ch.Remove, ch.DropAnnotations = opts.Edit.Remove, opts.Edit.DropAnnotations
		}
		j.change = &ch
	}
	for _, t := range s.AllTargets() {
		j.targets = append(j.targets, &target{j: j, ref: t.Ref})
	}
	return j
}

// prepare does for one document what comes before any write: its members
// resolved, and for a push its index built and validated, while each
// target is read beside that; then each target's write planned.
//
// A target of several that cannot be read or planned fails alone: its
// result says why, and the others are written. The document fails when
// its members or its index do, or when every target does.
func (j *job) prepare(ctx context.Context) error {
	var errList []error
	err := beside(func() error { return j.resolve(ctx) }, func() error {
		errList = forEach(ctx, len(j.targets), j.c.concurrency, func(i int) error { return j.targets[i].read(ctx) })
		return nil
	})
	if err != nil {
		return spec.Join(append([]error{err}, errList...)...)
	}
	for i, t := range j.targets {
		if errList[i] == nil {
			errList[i] = t.plan()
		}
	}
	if len(j.targets) == 1 || !slices.ContainsFunc(errList, func(err error) bool { return err == nil }) {
		return spec.Join(errList...)
	}
	for i, t := range j.targets {
		if errList[i] == nil {
			continue
		}
		t.err = errList[i]
		failure := spec.Join(mergeCauses(errList[i : i+1])...)
		if j.change != nil {
			*t.result = manifest.Failed(j.spec, t.ref, failure)
			continue
		}
		// a push's index is known: the result gives its digest, as the
		// other targets' do
		*t.result = j.plan(t.ref, nil)
		if j.spec.ByDigest {
			*t.result = t.result.ByDigest(t.ref)
		}
		for _, f := range spec.Split(failure) {
			t.result.Errors = append(t.result.Errors, f.Error())
		}
	}
	return nil
}

// resolve resolves the document's members; for a push it builds and
// validates the index they make.
func (j *job) resolve(ctx context.Context) error {
	s := j.spec
	for _, t := range s.AllTargets() {
		if t.TagDefaulted {
			j.c.log.Warnf("%s: %s has no tag; using %s:latest", t.Pos, t.Ref.Reference, repoName(t.Ref))
		}
	}
	if j.change != nil && len(s.Manifests) == 0 {
		return nil // an edit that removes or annotates only
	}
	var members []manifest.Member
	var subject *descriptor.Descriptor
	err := beside(func() (err error) {
		members, err = j.c.members(ctx, s, j.opts.IgnoreMissing)
		return err
	}, func() (err error) {
		subject, err = j.c.subjectOf(ctx, s)
		return err
	})
	if err != nil {
		return err
	}
	mode := j.attestationsMode()
	if j.change != nil {
		j.change.Add = members
		if mode != attest.Keep {
			j.change.Add = attest.Images(members)
			j.attests = slices.DeleteFunc(slices.Clone(members), func(m manifest.Member) bool { return !m.Attestation() })
		}
		return nil
	}
	var warnings []string
	members, j.pending, warnings = attest.Plan(mode, members, members)
	j.c.logWarnings(warnings)
	if err := checkPending(j.pending); err != nil {
		return err
	}
	if s.AnnotationsFromLabels {
		if s.Annotations, err = j.c.annotationsFromLabels(ctx, s, members); err != nil {
			return err
		}
	}
	if j.index, err = manifest.BuildSpec(s, j.typ, members); err != nil {
		return err
	}
	if j.index, err = j.index.Refer(s.ArtifactType, subject); err != nil {
		return fmt.Errorf("%s: %w", s.TypePos, err)
	}
	warnings, err = manifest.Validate(j.index, j.opts.Validate)
	j.c.logWarnings(warnings)
	return err
}

// plan is [manifest.Plan] of the push's index for the target r, whose
// tags pointed at prev. The member lines are made once for the document
// and copied into each target's result, so that every target shares their
// strings: 64 targets of 10,000 members each had their own, 170 MB.
func (j *job) plan(r ref.Ref, prev []string) manifest.Result {
	if j.members == nil {
		j.members = manifest.Plan(r, nil, j.index, nil).Manifests
	}
	res := manifest.Plan(r, j.spec.ExtraTags(r), manifest.Index{Manifest: j.index.Manifest}, prev)
	res.Manifests = slices.Clone(j.members)
	return res
}

// read reads what the target holds now: for a push, what each tag points
// at (a HEAD each; nothing in a dry run); for a change, the index the
// target points at (a GET) and, unless in a dry run, the other tags.
func (t *target) read(ctx context.Context) error {
	c, tags := t.j.c, manifest.Tags(t.ref, t.j.spec.ExtraTags(t.ref))
	if t.j.spec.ByDigest {
		tags = nil // no tag: the index is looked for by its digest when written
	}
	unlock, err := c.lockToRead(ctx, t.ref)
	if err != nil {
		return c.opError("reading", t.ref, err)
	}
	defer unlock()
	if t.j.change != nil {
		if t.cur, err = c.current(ctx, t.ref); err != nil {
			return err
		}
		t.prev, tags = []string{t.cur.Digest}, tags[1:] // its own tag read with it
	}
	if t.j.opts.DryRun {
		return nil
	}
	prev, err := c.readTags(ctx, t.ref, tags)
	t.prev = append(t.prev, prev...)
	return err
}

// plan says what writing the target does, before anything is written: for
// a change, merged (and validated) onto what the target holds; in a dry
// run, with the bytes of the index.
func (t *target) plan() error {
	idx := t.j.index
	if t.j.change != nil {
		var err error
		if t.merged, idx, err = t.merge(t.cur, true); err != nil {
			return err
		}
		if idx.Descriptor().Digest.String() == t.cur.Digest {
			t.upToDate = &t.cur
		}
	}
	if t.j.change != nil {
		*t.result = manifest.Plan(t.ref, t.j.spec.ExtraTags(t.ref), idx, t.prev)
	} else {
		*t.result = t.j.plan(t.ref, t.prev)
	}
	if t.j.spec.ByDigest {
		*t.result = t.result.ByDigest(t.ref)
	}
	if t.j.change != nil {
		t.describe(idx.Manifest, idx.Members, nil, nil)
	}
	if t.j.opts.DryRun {
		t.result.DryRun, t.result.Index = true, idx.Bytes()
	}
	return nil
}

// write writes the document to the target: what the target lacks of the
// members (and of their referrers), then the index and its tags. An OCI
// layout is locked meanwhile ([Client.openLayout]).
func (t *target) write(ctx context.Context) error {
	if t.ref.Scheme == "ocidir" {
		w, err := t.j.c.openLayout(ctx, t.ref.Path)
		if err != nil {
			return t.j.c.opError("pushing the index to", t.ref, err)
		}
		defer w.close()
	}
	if t.j.change != nil {
		return t.writeChange(ctx)
	}
	return t.writeIndex(ctx)
}
