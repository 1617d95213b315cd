package registry

import (
	"context"
	"errors"
	"io/fs"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/errs"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// writeByDigest pushes the index to the target by its digest alone, with
// no tag (--by-digest): one HEAD of repository@digest, and when the
// repository holds the index already (its members then too: it was
// written after them), nothing more; else what the target lacks of the
// members, then one PUT of the index by digest.
func (t *target) writeByDigest(ctx context.Context) error {
	c, idx, res := t.j.c, t.j.index, t.result
	r := t.ref.SetDigest(res.Digest)
	_, err := c.headOf(ctx, r)
	switch {
	case err == nil:
		for i := range res.Manifests {
			res.Manifests[i].How = manifest.HowPresent
		}
		res.Status = manifest.TagUnchanged
		c.log.Infof("%s is there already", r.CommonName())
		if err := t.writePending(ctx); err != nil {
			return err
		}
		return t.listedBySubject(ctx)
	case !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, fs.ErrNotExist): // (a layout not made yet)
		return c.opError("reading", r, err)
	}
	hows, refs, err := c.supply(ctx, t.ref, idx.Members, t.j.opts.Referrers)
	for i := range res.Manifests {
		res.Manifests[i].How, res.Manifests[i].Referrers = hows[i], refs[i]
	}
	if err != nil {
		return err
	}
	if err := t.writePending(ctx); err != nil {
		return err
	}
	if err := withTokensErr(c, r, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, r, idx.Manifest) }); err != nil {
		res.Status = manifest.TagFailed
		return c.opError("pushing the index to", r, err)
	}
	res.Status = manifest.TagCreated
	c.log.Infof("pushed %s", r.CommonName())
	return nil
}
