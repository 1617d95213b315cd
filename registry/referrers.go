package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// ErrReferrer: a referrer of a member could not be listed or copied, with
// --referrers=required (otherwise it is a warning).
var ErrReferrer = errors.New("referrer not copied")

// copyReferrers copies into the target repository the referrers of each
// member that reached it by a copy or a mount (a member that was there
// already brought its own), so that signatures, SBOMs and attestations
// attached with a subject survive the copy: one referrers query per such
// member (regclient falls back to the sha256-<hex> tag where the source
// has no referrers API), then each referrer with its own referrers,
// recursively, by regclient's ImageCopy, which writes them so the target's
// clients find them (a subject PUT, or the fallback index updated by
// merging). Digests do not change, so signatures stay valid. A referrer
// that cannot be listed or copied is a warning naming the member, or with
// required an error matching ErrReferrer. It returns, per member, the
// referrers it found and how each reached the target.
func (c *Client) copyReferrers(ctx context.Context, target ref.Ref, members []manifest.Member, hows []manifest.How, required bool) ([][]manifest.ReferrerResult, error) {
	out := make([][]manifest.ReferrerResult, len(members))
	errList := forEach(ctx, len(members), c.concurrency, func(i int) error {
		if hows[i] == manifest.HowPresent || hows[i] == "" {
			return nil
		}
		m := members[i]
		src := m.Entry.Image.SetDigest(m.Descriptor.Digest.String())
		fail := func(what string, err error) error {
			err = &spec.Error{Pos: m.Entry.Pos, Err: fmt.Errorf("%s: %s: %s%.0w", src.CommonName(), what, c.opError("", src, err).Cause(), ErrReferrer)}
			if required {
				return err
			}
			c.log.Warnf("%v; pushing on without it (--referrers=required makes this an error)", err)
			return nil
		}
		rl, err := c.rc.ReferrerList(ctx, src)
		if err != nil {
			return fail("listing its referrers", err)
		}
		how := hows[i] // a referrer's blobs go the way its member's went
		for _, d := range rl.Descriptors {
			from, to := src.SetDigest(d.Digest.String()), target.SetDigest(d.Digest.String())
			if err := c.rc.ImageCopy(ctx, from, to, regclient.ImageWithReferrers()); err != nil {
				if err := fail("copying its referrer "+d.Digest.String(), err); err != nil {
					return err
				}
				continue
			}
			out[i] = append(out[i], manifest.ReferrerResult{Digest: d.Digest.String(), ArtifactType: d.ArtifactType, How: how})
			c.log.Infof("%s referrer %s (%s) of %s into %s", how, d.Digest, d.ArtifactType, src.CommonName(), repoName(target))
		}
		// cosign's older scheme: tags sha256-<hex>.sig, .att, .sbom beside
		// the image, copied as tags (regclient lists the source's tags)
		if src.Scheme == "reg" {
			if err := c.rc.ImageCopy(ctx, src, target.SetDigest(src.Digest), regclient.ImageWithDigestTags()); err != nil {
				return fail("copying its sha256-<hex>.* tags (cosign)", err)
			}
		}
		return nil
	})
	return out, spec.Join(mergeCauses(errList)...)
}

// Referrers lists, for each digest of the repository r names, the
// manifests whose subject it is (inspect --referrers): one referrers query
// each, concurrently, or the sha256-<hex> tag where the registry has no
// referrers API.
func (c *Client) Referrers(ctx context.Context, r ref.Ref, digests []string) (map[string][]descriptor.Descriptor, error) {
	lists := make([][]descriptor.Descriptor, len(digests))
	errList := forEach(ctx, len(digests), c.concurrency, func(i int) error {
		subject := r.SetDigest(digests[i])
		rl, err := c.rc.ReferrerList(ctx, subject)
		if err != nil {
			return c.opError("listing the referrers of", subject, err)
		}
		lists[i] = rl.Descriptors
		return nil
	})
	if err := spec.Join(mergeCauses(errList)...); err != nil {
		return nil, err
	}
	out := map[string][]descriptor.Descriptor{}
	for i, d := range digests {
		out[d] = lists[i]
	}
	return out, nil
}
