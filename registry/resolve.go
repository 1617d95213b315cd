package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Resolved is what one spec entry turned into: the members it contributes
// (one for an image, several for an index), or Missing when the image does
// not exist and the caller chose to skip it.
type Resolved struct {
	Members []manifest.Member
	Missing error
}

// Resolve fetches every member of a spec concurrently: one manifest GET by
// tag or digest, plus one config GET for an image (its platform). Nothing
// is written. With ignoreMissing, a member that does not exist (and only
// that: not an auth or network failure) is reported in Resolved.Missing
// instead of failing. Every failure is returned, joined, each naming the
// spec entry at fault.
func (c *Client) Resolve(ctx context.Context, s spec.Spec, ignoreMissing bool) ([]Resolved, error) {
	out := make([]Resolved, len(s.Manifests))
	errList := forEach(ctx, len(s.Manifests), c.concurrency, func(i int) error {
		members, err := c.resolveEntry(ctx, s.Manifests[i])
		switch {
		case err == nil:
			out[i].Members = members
		case ignoreMissing && errors.Is(err, ErrMissing):
			out[i].Missing = err
		default:
			return err
		}
		return nil
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*spec.Error)) { // never started
			errList[i] = &spec.Error{Pos: s.Manifests[i].Pos, Err: c.opError("resolving", s.Manifests[i].Image, err)}
		}
	}
	if err := spec.Join(mergeCauses(errList)...); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) resolveEntry(ctx context.Context, e spec.Entry) ([]manifest.Member, error) {
	fail := func(op string, r ref.Ref, err error) error {
		return &spec.Error{Pos: e.Pos, Err: c.opError(op, r, err)}
	}
	m, err := c.manifestOf(ctx, e.Image)
	if err != nil {
		op := c.opError("resolving", e.Image, err)
		op.missing = errors.Is(err, errs.ErrNotFound) // only this makes a member "missing"
		return nil, &spec.Error{Pos: e.Pos, Err: op}
	}
	d := m.GetDescriptor()
	desc := descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	if m.IsList() {
		return c.fromIndex(ctx, e, m, desc)
	}
	img, ok := m.(rcmanifest.Imager)
	if !ok {
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s is a %s, not an image or an index%.0w", e.Image.CommonName(), d.MediaType, manifest.ErrInvalid)}
	}
	cd, err := img.GetConfig()
	if err != nil {
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: reading its config descriptor: %w", e.Image.CommonName(), err)}
	}
	var cfg *platform.Platform
	var normalized []string
	if cd.MediaType == mediatype.OCI1ImageConfig || cd.MediaType == mediatype.Docker2ImageConfig {
		cp, err := c.configPlatformOf(ctx, e.Image, cd)
		if err != nil {
			return nil, fail("reading the config of", e.Image.SetDigest(d.Digest.String()), err)
		}
		var notes []string
		cfg, notes = c.normalize(cp, e.Pos.String()+": "+e.Image.CommonName()+": its config's")
		normalized = append(normalized, notes...)
	}
	declared, notes := c.declared(e)
	normalized = append(normalized, notes...)
	p := mergePlatform(declared, cfg)
	if p == nil {
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s has no image config to take a platform from (config type %s); declare its platform in the spec%.0w", e.Image.CommonName(), cd.MediaType, manifest.ErrInvalid)}
	}
	desc.Platform = p
	desc.Annotations = maps.Clone(e.Annotations)
	c.log.Debugf("%s: %s is %s %s", e.Pos, e.Image.CommonName(), desc.Digest, manifest.PlatformString(*p))
	return []manifest.Member{{Descriptor: desc, Entry: e, Config: cfg, Normalized: normalized, Manifest: m}}, nil
}

// fromIndex turns a member that is itself an index (buildx's output: an
// image plus an attestation manifest) into its entries. With a declared
// platform, only the image of that platform is taken, with the attestations
// that describe it.
func (c *Client) fromIndex(ctx context.Context, e spec.Entry, m rcmanifest.Manifest, desc descriptor.Descriptor) ([]manifest.Member, error) {
	ix, ok := m.(rcmanifest.Indexer)
	if !ok {
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: cannot list the entries of %s", e.Image.CommonName(), desc.MediaType)}
	}
	list, err := ix.GetManifestList()
	if err != nil {
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: %w", e.Image.CommonName(), err)}
	}
	want, _ := c.declared(e)
	var images, attestations []manifest.Member
	for _, d := range list {
		var notes []string
		if d.Platform != nil {
			d.Platform, notes = c.normalize(*d.Platform, e.Pos.String()+": "+e.Image.CommonName()+": its entry "+d.Digest.String()+"'s")
		}
		mem := manifest.Member{Descriptor: d, Entry: e, FromIndex: true, Normalized: notes}
		if mem.Attestation() {
			attestations = append(attestations, mem)
			continue
		}
		if manifest.IsIndex(d.MediaType) {
			return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s (%s) holds another index (%s); name that index directly%.0w", e.Image.CommonName(), desc.Digest, d.Digest, manifest.ErrInvalid)}
		}
		if want != nil && (d.Platform == nil || !platform.Match(*want, *d.Platform) || (want.OSVersion != "" && want.OSVersion != d.Platform.OSVersion)) {
			continue
		}
		if len(e.Annotations) > 0 {
			mem.Descriptor.Annotations = maps.Clone(d.Annotations)
			if mem.Descriptor.Annotations == nil {
				mem.Descriptor.Annotations = map[string]string{}
			}
			maps.Copy(mem.Descriptor.Annotations, e.Annotations)
		}
		images = append(images, mem)
	}
	if len(images) == 0 {
		var have []string
		for _, d := range list {
			if d.Platform != nil && d.Annotations[manifest.AnnotationReferenceType] == "" {
				have = append(have, manifest.PlatformString(*d.Platform))
			}
		}
		if want != nil {
			return nil, &spec.Error{Pos: e.PlatformPos, Err: fmt.Errorf("%s is an index without a %s image (it has %s)%.0w", e.Image.CommonName(), manifest.PlatformString(*want), strings.Join(have, ", "), manifest.ErrInvalid)}
		}
		return nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s is an index without any image%.0w", e.Image.CommonName(), manifest.ErrInvalid)}
	}
	// keep only the attestations that describe a kept image
	kept := map[string]bool{}
	for _, im := range images {
		kept[im.Descriptor.Digest.String()] = true
	}
	out := images
	for _, a := range attestations {
		if kept[a.Descriptor.Annotations[manifest.AnnotationReferenceDigest]] {
			out = append(out, a)
		}
	}
	// each entry taken is read, by digest: an index that misstates a size
	// or a media type would make ours wrong too (and the copy needs the
	// manifest anyway)
	errList := forEach(ctx, len(out), c.concurrency, func(i int) error {
		d := out[i].Descriptor
		r := e.Image.SetDigest(d.Digest.String())
		child, err := c.manifestOf(ctx, r)
		if err != nil {
			return &spec.Error{Pos: e.Pos, Err: c.opError("reading", r, err)}
		}
		if got := child.GetDescriptor(); got.Size != d.Size || got.MediaType != d.MediaType {
			return &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s lists %s as %d bytes of %s, but that manifest is %d bytes of %s: the index is corrupt (build and push it again)",
				e.Image.CommonName(), d.Digest, d.Size, d.MediaType, got.Size, got.MediaType)}
		}
		out[i].Manifest = child
		return nil
	})
	if err := spec.Join(mergeCauses(errList)...); err != nil {
		return nil, err
	}
	c.log.Debugf("%s: %s is an index (%s): %d image(s), %d attestation(s) taken", e.Pos, e.Image.CommonName(), desc.Digest, len(images), len(out)-len(images))
	return out, nil
}

// declared is the entry's declared platform, normalised (the log says how).
func (c *Client) declared(e spec.Entry) (*platform.Platform, []string) {
	if e.Platform == nil {
		return nil, nil
	}
	p, notes := spec.NormalizePlatform(*e.Platform)
	for _, n := range notes {
		c.log.Infof("%s: %s", e.PlatformPos, n)
	}
	return &p, notes
}

// normalize writes a platform read from a registry the canonical way; what
// names where it was read, for the log.
func (c *Client) normalize(p platform.Platform, what string) (*platform.Platform, []string) {
	p, notes := spec.NormalizePlatform(p)
	for _, n := range notes {
		c.log.Infof("%s %s", what, n)
	}
	return &p, notes
}

// mergePlatform applies manifest-tool's rule: a declared platform wins; a
// declared os/arch takes a missing variant, os.version and os.features from
// the config when the config has the same os and architecture; without a
// declaration the config's platform is used.
func mergePlatform(declared, cfg *platform.Platform) *platform.Platform {
	if declared == nil {
		if cfg == nil || cfg.OS == "" || cfg.Architecture == "" {
			return nil
		}
		p := *cfg
		return &p
	}
	p := *declared
	if cfg != nil && cfg.OS == p.OS && cfg.Architecture == p.Architecture {
		if p.Variant == "" {
			p.Variant = cfg.Variant
		}
		if p.OSVersion == "" {
			p.OSVersion = cfg.OSVersion
		}
		if len(p.OSFeatures) == 0 {
			p.OSFeatures = cfg.OSFeatures
		}
	}
	return &p
}
