package registry

import (
	"context"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"

	"github.com/manifest-tool/manifest-tool/spec"
)

// subjectOf resolves the document's subject (--subject, subject:) to the
// descriptor the index carries: one manifest GET by tag or digest (shared
// with a member that names the same reference), within the run's limit on
// a manifest's size; nil when the document has none. A subject that
// cannot be read is an error naming it.
func (c *Client) subjectOf(ctx context.Context, s spec.Spec) (*descriptor.Descriptor, error) {
	if s.Subject == nil {
		return nil, nil
	}
	m, err := c.manifestOf(ctx, *s.Subject)
	if err != nil {
		return nil, &spec.Error{Pos: s.SubjectPos, Err: c.opError("resolving the subject", *s.Subject, err)}
	}
	d := m.GetDescriptor()
	c.log.Debugf("%s: the subject %s is %s %s (%d bytes)", s.SubjectPos, s.Subject.CommonName(), d.MediaType, d.Digest, d.Size)
	return &descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, nil
}

// listedBySubject makes sure that the subject of the index, which the
// target holds already, lists it among its referrers. A run that wrote the
// index and its tag but not the fallback index (sha256-<hex>, where the
// registry has no referrers API) failed, and the same command run again
// found the index there and wrote nothing: the subject never listed it.
// One referrers query; the index is written again by its digest, which
// regclient follows with the fallback index, only when it is not listed.
func (t *target) listedBySubject(ctx context.Context) error {
	c, idx := t.j.c, t.j.index
	if idx.Subject == nil {
		return nil
	}
	r := t.ref.SetDigest(idx.Descriptor().Digest.String())
	subject := t.ref.SetDigest(idx.Subject.Digest.String())
	l, err := c.referrersOf(ctx, subject)
	if err != nil {
		return c.opError("listing the referrers of", subject, err)
	}
	for _, d := range l.descs {
		if d.Digest == idx.Descriptor().Digest {
			return nil
		}
	}
	c.log.Infof("%s does not list %s among its referrers; writing it again", subject.CommonName(), r.CommonName())
	if err := withTokensErr(c, r, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, r, idx.Manifest) }); err != nil {
		return c.opError("pushing the index to", r, err)
	}
	return nil
}
