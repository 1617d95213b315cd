package registry

import (
	"context"
	"errors"
	"time"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// PublishOptions tune Publish.
type PublishOptions struct {
	// Type is the kind of index to write (Docker list or OCI index) for the
	// specs that do not choose one themselves.
	Type manifest.Type
	// IgnoreMissing skips members that do not exist, with a warning,
	// instead of failing; it is still an error when none is left.
	IgnoreMissing bool
	// DryRun resolves, builds and validates, and writes nothing.
	DryRun bool
	// Validate tunes the checks every index passes before it is written.
	Validate manifest.ValidateOptions
	// TypeSet says that Type was asked for (--type), so that a change to an
	// index of the other type is refused rather than converted.
	TypeSet bool
	// Append merges each spec's members onto the index its target points
	// at (--append) instead of replacing it; see Edit for more changes.
	Append bool
	// Edit, when set, changes the target index in place (edit): the spec's
	// members are added, and the target must be an index that exists.
	Edit *Edit
	// Settle is the pause between writing a changed index and reading it
	// back (DefaultSettle when 0).
	Settle time.Duration
	// Referrers copies, with each member copied or mounted into the target
	// repository, the manifests whose subject it is (--referrers); with
	// ReferrersRequired one that cannot be copied is an error, not a
	// warning.
	Referrers, ReferrersRequired bool
}

// Publish runs the whole job for a set of specs (the documents of one
// file): check what the specs alone can show, resolve every member of
// every spec, build and validate every index, and only then write, each
// index concurrently with the others: members into the target repository,
// the index, its tags. Nothing is written when any spec fails before that.
// Results come in spec order, also when the error is not nil: then they
// say what was written.
func (c *Client) Publish(ctx context.Context, specs []spec.Spec, opts PublishOptions) ([]manifest.Result, error) {
	// what the specs alone show, every such problem at once, before any
	// request: nothing is resolved for a run whose input is wrong
	check := opts.Validate
	check.IgnoreMissing = opts.IgnoreMissing
	change := opts.Append || opts.Edit != nil
	t := opts.Type
	if change && !opts.TypeSet {
		t = "" // the index there decides, or opts.Type for a new one
	}
	types, errList := manifest.Precheck(specs, t, check)
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	if change {
		return c.publishChanges(ctx, specs, types, opts)
	}
	// then, for every spec at once, every member and the index, all
	// problems at once; beside that, unless in a dry run, every tag of the
	// target is read (a target that cannot be reached, or refuses the
	// credentials, fails before anything is written, and the round trip
	// costs no time of its own)
	indexes := make([]manifest.Index, len(specs))
	prev, errList := c.readTagsWhile(ctx, specs, opts.DryRun, func(i int) error {
		var err error
		indexes[i], err = c.prepare(ctx, specs[i], types[i], opts)
		return err
	})
	results := make([]manifest.Result, len(specs))
	for i, s := range specs {
		if errList[i] != nil {
			results[i] = manifest.Failed(s, errList[i])
			continue
		}
		results[i] = manifest.Plan(s.Target, s.Tags, indexes[i], prev[i])
		if opts.DryRun {
			results[i].DryRun, results[i].Index = true, indexes[i].Bytes()
		}
	}
	// nothing is written unless every document is ready
	if err := spec.Join(errList...); err != nil || opts.DryRun {
		return results, err
	}
	errList = forEach(ctx, len(specs), c.concurrency, func(i int) error {
		var err error
		o := opts
		o.Referrers = o.Referrers || specs[i].Referrers
		o.ReferrersRequired = o.ReferrersRequired || specs[i].ReferrersRequired
		results[i], err = c.write(ctx, specs[i].Target, indexes[i], results[i], o)
		return err
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) && !errors.As(err, new(*spec.Error)) { // never started
			errList[i] = c.opError("pushing the index to", specs[i].Target, err)
		}
	}
	return results, spec.Join(mergeCauses(errList)...)
}

// readTagsWhile runs work for every spec concurrently and, beside it unless
// in a dry run, reads what each spec's tags point at ([Client.readTags]);
// it returns the tags read and, per spec, the failures of both.
func (c *Client) readTagsWhile(ctx context.Context, specs []spec.Spec, dryRun bool, work func(i int) error) ([][]string, []error) {
	prev := make([][]string, len(specs))
	errList := forEach(ctx, len(specs), c.concurrency, func(i int) error {
		var tagErr error
		read := make(chan struct{})
		go func() {
			defer close(read)
			if !dryRun {
				prev[i], tagErr = c.readTags(ctx, specs[i].Target, specs[i].Tags)
			}
		}()
		err := work(i)
		<-read
		return spec.Join(mergeCauses([]error{err, tagErr})...)
	})
	return prev, errList
}

// prepare resolves one spec's members, then builds and validates its index.
func (c *Client) prepare(ctx context.Context, s spec.Spec, t manifest.Type, opts PublishOptions) (manifest.Index, error) {
	if s.TagDefaulted {
		c.log.Warnf("%s: %s has no tag; using %s:latest", s.Pos, s.Target.Reference, repoName(s.Target))
	}
	resolved, err := c.Resolve(ctx, s, opts.IgnoreMissing)
	if err != nil {
		return manifest.Index{}, err
	}
	members, warnings, err := manifest.Gather(s, resolved)
	c.logWarnings(warnings)
	if err != nil {
		return manifest.Index{}, err
	}
	members, warnings, err = manifest.Only(s, members, opts.IgnoreMissing)
	c.logWarnings(warnings)
	if err != nil {
		return manifest.Index{}, err
	}
	idx, err := manifest.BuildSpec(s, t, members)
	if err != nil {
		return manifest.Index{}, err
	}
	warnings, err = manifest.Validate(idx, opts.Validate)
	c.logWarnings(warnings)
	return idx, err
}
