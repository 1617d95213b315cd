package registry

import (
	"context"
	"errors"
	"io/fs"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// readTags reads what each of the tags of target's repository points at
// now (one HEAD each, concurrently): "" for a tag that does not exist.
func (c *Client) readTags(ctx context.Context, target ref.Ref, tags []string) ([]string, error) {
	if err := c.checkLayout(target); err != nil {
		return nil, err
	}
	prev := make([]string, len(tags))
	errList := forEach(ctx, len(tags), c.concurrency, func(i int) error {
		r := target.SetTag(tags[i])
		ctx, release := c.firstAlone(ctx, r)
		defer release()
		h, err := c.headOf(ctx, r)
		switch {
		case err == nil:
			prev[i] = h.GetDescriptor().Digest.String()
		case !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, fs.ErrNotExist): // (a layout not made yet)
			return c.opError("reading the tag", r, err)
		}
		return nil
	})
	return prev, spec.Join(errList...)
}

// writeIndex copies into the target what it lacks of the members, writes
// the attestations taken out of the index as referrers (--attestations
// referrers), then points its tags at the index: the target's own with the index in one
// PUT, then the others.
func (t *target) writeIndex(ctx context.Context) error {
	if t.j.spec.ByDigest {
		return t.writeByDigest(ctx)
	}
	c, idx, res := t.j.c, t.j.index, t.result
	// a target tag that points at this index already says its members are
	// in the repository (the index was written after them): nothing to copy
	if res.Tags[0].Previous == idx.Descriptor().Digest.String() {
		for i := range res.Manifests {
			res.Manifests[i].How = manifest.HowPresent
		}
		if err := t.listedBySubject(ctx); err != nil {
			return err
		}
	} else {
		hows, refs, err := c.supply(ctx, t.ref, idx.Members, t.j.opts.Referrers)
		for i := range res.Manifests {
			res.Manifests[i].How, res.Manifests[i].Referrers = hows[i], refs[i]
		}
		if err != nil {
			return err
		}
	}
	if err := t.writePending(ctx); err != nil {
		return err
	}
	if err := c.putTag(ctx, t.ref, idx, &res.Tags[0]); err != nil {
		return err
	}
	return c.putExtraTags(ctx, t.ref, idx, res.Tags[1:])
}

// putExtraTags points the tags (all but the target's own) at the index,
// concurrently.
func (c *Client) putExtraTags(ctx context.Context, target ref.Ref, idx manifest.Index, tags []manifest.TagResult) error {
	errList := forEach(ctx, len(tags), c.concurrency, func(i int) error {
		ctx, release := c.firstAlone(ctx, target)
		defer release()
		return c.putTag(ctx, target.SetTag(tags[i].Tag), idx, &tags[i])
	})
	nameNotStarted(errList, func(i int, err error) error {
		return c.opError("pushing the index to", target.SetTag(tags[i].Tag), err)
	})
	return spec.Join(errList...)
}

// putTag points r's tag at the index, unless it already points there.
func (c *Client) putTag(ctx context.Context, r ref.Ref, idx manifest.Index, tr *manifest.TagResult) error {
	digest := idx.Descriptor().Digest.String()
	if tr.Status = tr.Write(digest); tr.Status == manifest.TagUnchanged {
		c.log.Infof("%s already points at %s", r.CommonName(), digest)
		return nil
	}
	if err := withTokensErr(c, r, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, r, idx.Manifest) }); err != nil {
		tr.Status = manifest.TagFailed
		return c.opError("pushing the index to", r, err)
	}
	c.log.Infof("pushed %s (%s)", r.CommonName(), tr.Status)
	return nil
}

// repoName names a repository without tag or digest.
func repoName(r ref.Ref) string {
	if r.Scheme == "ocidir" {
		return "ocidir://" + r.Path
	}
	return r.Registry + "/" + r.Repository
}
