package registry

import (
	"context"
	"fmt"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/blob"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/labels"
	"github.com/manifest-tool/manifest-tool/spec"
)

// imageConfig is what a run uses of an image config: its platform, and
// its labels that may become index annotations ([labels.Keep]), with the
// notes on those left out. The rest of the config is not kept.
type imageConfig struct {
	platform platform.Platform
	labels   map[string]string
	notes    []string
}

// configOf reads an image config once per run and repository: a member
// named by several documents, or whose platform and labels are both
// wanted, costs one config GET in all. A config is JSON metadata as a
// manifest is, and is held to the manifest's limit (--max-manifest-size)
// before it is read: regclient reads a blob whole, to the size its
// descriptor states, which a manifest may state as anything.
func (c *Client) configOf(ctx context.Context, r ref.Ref, d descriptor.Descriptor) (imageConfig, error) {
	return c.configs.get(repoName(r)+"@"+d.Digest.String(), func() (imageConfig, error) {
		if d.Size > c.maxManifest {
			return imageConfig{}, fmt.Errorf("its config %s is %d bytes, over the limit of %s (raise it with --max-manifest-size)", d.Digest, d.Size, units.Format(c.maxManifest))
		}
		oc, err := withTokens(c, r, func(rc *regclient.RegClient) (blob.OCIConfig, error) { return rc.BlobGetOCIConfig(ctx, r, d) })
		if err != nil {
			return imageConfig{}, err
		}
		img := oc.GetConfig()
		kept, notes := labels.Keep(r.SetDigest(d.Digest.String()).CommonName(), img.Config.Labels)
		return imageConfig{platform: img.Platform, labels: kept, notes: notes}, nil
	})
}

// annotationsFromLabels adds to s's annotations the labels every image
// member carries alike ([labels.Annotations]). It reads each image's
// config with [Client.configOf]: no request for an image named itself,
// whose config was read for its platform while resolving; one config GET
// for an image taken from an index (and a manifest GET too when its
// manifest was over keptManifest, so not kept). What is left out is noted
// at --debug.
func (c *Client) annotationsFromLabels(ctx context.Context, s spec.Spec, members []manifest.Member) (map[string]string, error) {
	var images []*manifest.Member
	for i := range members {
		if !members[i].Attestation() {
			images = append(images, &members[i])
		}
	}
	out := make([]labels.Image, len(images))
	errList := forEach(ctx, len(images), c.concurrency, func(i int) error {
		m := images[i]
		r := m.Entry.Image.SetDigest(m.Descriptor.Digest.String())
		man := m.Manifest
		if man == nil {
			var err error
			if man, err = c.manifestOf(ctx, r); err != nil {
				return &spec.Error{Pos: m.Entry.Pos, Err: c.opError("reading", r, err)}
			}
		}
		out[i].Name = r.CommonName()
		cd, ok := manifest.ImageConfig(man)
		if !ok {
			return nil // no image config, no labels
		}
		cfg, err := c.configOf(ctx, r, cd)
		if err != nil {
			return &spec.Error{Pos: m.Entry.Pos, Err: c.opError("reading the config of", r, err)}
		}
		for _, n := range cfg.notes {
			c.log.Debugf("%s: --annotations-from-labels: %s", m.Entry.Pos, n)
		}
		out[i].Labels = cfg.labels
		return nil
	})
	if err := spec.Join(errList...); err != nil {
		return nil, err
	}
	ann, notes := labels.Annotations(out, s.Annotations)
	for _, n := range notes {
		c.log.Debugf("%s: %s", s.AnnotationsFromLabelsPos, n) // the position names the flag or key
	}
	return ann, nil
}

// labelsOnChange refuses annotations from labels for --append and edit,
// whose index keeps members that this run does not resolve: the labels
// of every image of the index would have to be read again.
func labelsOnChange(specs []spec.Spec) []error {
	var out []error
	for _, s := range specs {
		if s.AnnotationsFromLabels {
			out = append(out, fmt.Errorf("%s: annotations from labels apply to a push that writes the whole index, not to --append or edit; give the annotations with --annotations%.0w", s.AnnotationsFromLabelsPos, manifest.ErrInvalid))
		}
	}
	return out
}
