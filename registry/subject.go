package registry

import (
	"context"

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
