package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// PublishOptions tune Publish.
type PublishOptions struct {
	// Type is the kind of index to write (Docker list or OCI index).
	Type manifest.Type
	// IgnoreMissing skips members that do not exist, with a warning,
	// instead of failing; it is still an error when none is left.
	IgnoreMissing bool
}

// Publish runs the whole job for each spec: resolve every member of every
// spec, build and validate every index, and only then write: members into
// the target repository, the index, the tags. Nothing is written when any
// member fails to resolve or any index is invalid. Results come in spec
// order; when a push fails, the results so far are returned with the error.
func (c *Client) Publish(ctx context.Context, specs []spec.Spec, opts PublishOptions) ([]Result, error) {
	// refusals that need no registry come first
	var early []error
	for _, s := range specs {
		if err := manifest.CheckAnnotations(s, opts.Type); err != nil {
			early = append(early, err)
		}
	}
	if err := errors.Join(early...); err != nil {
		return nil, err
	}

	indexes := make([]manifest.Index, len(specs))
	var errList []error
	for i, s := range specs {
		if s.TagDefaulted {
			c.log.Warnf("%s: %s has no tag; using %s:latest", s.Pos, s.Target.Reference, repoName(s.Target))
		}
		resolved, err := c.Resolve(ctx, s, opts.IgnoreMissing)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		var members []manifest.Member
		for _, r := range resolved {
			if r.Missing != nil {
				c.log.Warnf("%v; skipped (--ignore-missing)", r.Missing)
				continue
			}
			members = append(members, r.Members...)
		}
		if len(members) == 0 {
			errList = append(errList, fmt.Errorf("%s: all %d members of %s are missing; nothing to push%.0w", s.Pos, len(s.Manifests), s.Target.CommonName(), ErrMissing))
			continue
		}
		idx, err := manifest.Build(opts.Type, members, s.Annotations)
		if err == nil {
			err = manifest.Validate(idx)
		}
		if err != nil {
			errList = append(errList, err)
			continue
		}
		indexes[i] = idx
	}
	if err := errors.Join(errList...); err != nil {
		return nil, err
	}

	var results []Result
	for i, s := range specs {
		res, err := c.Push(ctx, s.Target, s.Tags, indexes[i])
		results = append(results, res)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}
