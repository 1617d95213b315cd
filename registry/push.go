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

// readTags reads what the target's tag and each extra tag point at now
// (one HEAD each, concurrently): "" for a tag that does not exist.
func (c *Client) readTags(ctx context.Context, target ref.Ref, tags []string) ([]string, error) {
	if err := c.checkLayout(target); err != nil {
		return nil, err
	}
	return c.headTags(ctx, target, manifest.Tags(target, tags))
}

// headTags reads what each of the tags of target's repository points at
// now, as readTags.
func (c *Client) headTags(ctx context.Context, target ref.Ref, all []string) ([]string, error) {
	prev := make([]string, len(all))
	errList := forEach(ctx, len(all), c.concurrency, func(i int) error {
		r := target.SetTag(all[i])
		h, err := c.rc.ManifestHead(ctx, r, regclient.WithManifestRequireDigest())
		switch {
		case err == nil:
			prev[i] = h.GetDescriptor().Digest.String()
		case !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, fs.ErrNotExist): // (a layout not made yet)
			return c.opError("reading the tag", r, err)
		}
		return nil
	})
	return prev, spec.Join(mergeCauses(errList)...)
}

// write copies the members, then writes the tags res has read; an OCI
// layout is locked meanwhile ([Client.openLayout]).
func (c *Client) write(ctx context.Context, target ref.Ref, idx manifest.Index, res manifest.Result, opts PublishOptions) (manifest.Result, error) {
	if target.Scheme == "ocidir" {
		w, err := c.openLayout(ctx, target.Path)
		if err != nil {
			return res, err
		}
		defer w.close()
	}
	// a target tag that points at this index already says its members are
	// in the repository (the index was written after them): nothing to copy
	hows := make([]manifest.How, len(idx.Members))
	var err error
	if res.Tags[0].Previous == idx.Descriptor().Digest.String() {
		for i := range hows {
			hows[i] = manifest.HowPresent
		}
	} else {
		hows, err = c.copyMembers(ctx, target, idx.Members)
	}
	for i := range res.Manifests {
		res.Manifests[i].How = hows[i]
	}
	if err != nil {
		return res, err
	}
	if opts.Referrers {
		refs, err := c.copyReferrers(ctx, target, idx.Members, hows, opts.ReferrersRequired)
		for i := range res.Manifests {
			res.Manifests[i].Referrers = refs[i]
		}
		if err != nil {
			return res, err
		}
	}
	// the index, with the target's own tag, in one PUT; then the others
	if err := c.putTag(ctx, target, idx, &res.Tags[0]); err != nil {
		return res, err
	}
	return res, c.putExtraTags(ctx, target, idx, res.Tags[1:])
}

// putExtraTags points the tags (all but the target's own) at the index,
// concurrently.
func (c *Client) putExtraTags(ctx context.Context, target ref.Ref, idx manifest.Index, tags []manifest.TagResult) error {
	errList := forEach(ctx, len(tags), c.concurrency, func(i int) error {
		return c.putTag(ctx, target.SetTag(tags[i].Tag), idx, &tags[i])
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) { // never started
			errList[i] = c.opError("pushing the index to", target.SetTag(tags[i].Tag), err)
		}
	}
	return spec.Join(mergeCauses(errList)...)
}

// putTag points r's tag at the index, unless it already points there.
func (c *Client) putTag(ctx context.Context, r ref.Ref, idx manifest.Index, tr *manifest.TagResult) error {
	digest := idx.Descriptor().Digest.String()
	if tr.Status = tr.Write(digest); tr.Status == manifest.TagUnchanged {
		c.log.Infof("%s already points at %s", r.CommonName(), digest)
		return nil
	}
	if err := c.rc.ManifestPut(ctx, r, idx.Manifest); err != nil {
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
