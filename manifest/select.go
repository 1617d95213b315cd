package manifest

import (
	"fmt"
	"maps"
	"strings"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/spec"
)

// ImageConfig returns the config descriptor of an image manifest when it is
// an image config (OCI or Docker), the one place a member's platform may be
// read from; false for an index or an artifact.
func ImageConfig(m rcmanifest.Manifest) (descriptor.Descriptor, bool) {
	img, ok := m.(rcmanifest.Imager)
	if !ok {
		return descriptor.Descriptor{}, false
	}
	cd, err := img.GetConfig()
	if err != nil || (cd.MediaType != mediatype.OCI1ImageConfig && cd.MediaType != mediatype.Docker2ImageConfig) {
		return descriptor.Descriptor{}, false
	}
	return cd, true
}

// ImageMember is the member a spec entry naming an image contributes: the
// image's descriptor with the platform of [spec.MergePlatform] (the
// declared one and config, the platform the image's config declares, nil
// when it has none) and the entry's annotations. It also returns what
// normalisation rewrote, as lines to log.
func ImageMember(e spec.Entry, m rcmanifest.Manifest, config *platform.Platform) (Member, []string, error) {
	d := m.GetDescriptor()
	img, ok := m.(rcmanifest.Imager)
	if !ok || m.IsList() {
		return Member{}, nil, entryError(e.Pos, "%s is a %s, not an image or an index", e.Image.CommonName(), d.MediaType)
	}
	if d.MediaType == mediatype.Docker1Manifest || d.MediaType == mediatype.Docker1ManifestSigned {
		// (regclient says only "config digest not available" of one)
		return Member{}, nil, entryError(e.Pos, "%s is a Docker schema 1 manifest (%s), deprecated and not allowed in a list or index: "+
			"push the image again with a current client, which writes schema 2 or OCI", e.Image.CommonName(), d.MediaType)
	}
	cd, err := img.GetConfig()
	if err != nil {
		return Member{}, nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: reading its config descriptor: %w", e.Image.CommonName(), err)}
	}
	var cfg *platform.Platform
	var normalized, notes []string
	if config != nil {
		p, n := spec.NormalizePlatform(*config)
		cfg, normalized = &p, n
		notes = notesOf(e.Pos.String()+": "+e.Image.CommonName()+": its config's", n)
	}
	declared, n := declaredPlatform(e)
	normalized = append(normalized, n...)
	notes = append(notes, notesOf(e.PlatformPos.String()+":", n)...)
	p := spec.MergePlatform(declared, cfg)
	if p == nil {
		return Member{}, nil, entryError(e.Pos, "%s has no image config to take a platform from (config type %s); declare its platform in the spec", e.Image.CommonName(), cd.MediaType)
	}
	desc := descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: p, Annotations: maps.Clone(e.Annotations)}
	return Member{Descriptor: desc, Entry: e, Config: cfg, Normalized: normalized, Manifest: m}, notes, nil
}

// Select takes what a spec entry naming an index (buildx's output: images
// and their attestation manifests) contributes: every image, or with a
// declared platform only the image of that platform, and the attestations
// of the images taken. Entry annotations are added to the images'. The
// members' manifests are not known yet (Member.Manifest is nil): each is
// to be read by digest and checked with [CheckListed]. It also returns
// what normalisation rewrote, as lines to log.
func Select(e spec.Entry, index rcmanifest.Manifest) ([]Member, []string, error) {
	d := index.GetDescriptor()
	ix, ok := index.(rcmanifest.Indexer)
	if !ok {
		return nil, nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: cannot list the entries of %s", e.Image.CommonName(), d.MediaType)}
	}
	list, err := ix.GetManifestList()
	if err != nil {
		return nil, nil, &spec.Error{Pos: e.Pos, Err: fmt.Errorf("%s: %w", e.Image.CommonName(), err)}
	}
	want, notes := declaredPlatform(e)
	notes = notesOf(e.PlatformPos.String()+":", notes)
	var images, attestations []Member
	for _, entry := range list {
		var normalized []string
		if entry.Platform != nil {
			p, n := spec.NormalizePlatform(*entry.Platform)
			entry.Platform, normalized = &p, n
			notes = append(notes, notesOf(e.Pos.String()+": "+e.Image.CommonName()+": its entry "+entry.Digest.String()+"'s", n)...)
		}
		m := Member{Descriptor: entry, Entry: e, FromIndex: true, Normalized: normalized}
		switch {
		case m.Attestation():
			attestations = append(attestations, m)
			continue
		case IsIndex(entry.MediaType):
			return nil, notes, entryError(e.Pos, "%s (%s) holds another index (%s); name that index directly", e.Image.CommonName(), d.Digest, entry.Digest)
		case want != nil && (entry.Platform == nil || !platform.Match(*want, *entry.Platform) || (want.OSVersion != "" && want.OSVersion != entry.Platform.OSVersion)):
			continue
		}
		if len(e.Annotations) > 0 {
			m.Descriptor.Annotations = maps.Clone(entry.Annotations)
			if m.Descriptor.Annotations == nil {
				m.Descriptor.Annotations = map[string]string{}
			}
			maps.Copy(m.Descriptor.Annotations, e.Annotations)
		}
		images = append(images, m)
	}
	if len(images) == 0 {
		if want == nil {
			return nil, notes, entryError(e.Pos, "%s is an index without any image", e.Image.CommonName())
		}
		var have []string
		for _, entry := range list {
			if entry.Platform != nil && entry.Annotations[AnnotationReferenceType] == "" {
				have = append(have, spec.FormatPlatform(*entry.Platform))
			}
		}
		return nil, notes, entryError(e.PlatformPos, "%s is an index without a %s image (it has %s)", e.Image.CommonName(), spec.FormatPlatform(*want), strings.Join(have, ", "))
	}
	kept := map[string]bool{}
	for _, m := range images {
		kept[m.Descriptor.Digest.String()] = true
	}
	listed := map[string]bool{}
	for _, entry := range list {
		listed[entry.Digest.String()] = true
	}
	out := images
	for _, a := range attestations {
		of := a.Descriptor.Annotations[AnnotationReferenceDigest]
		switch {
		case kept[of]:
			out = append(out, a)
		case !listed[of]:
			notes = append(notes, fmt.Sprintf("%s: %s: its attestation %s describes %q, which is no entry of the index; left out", e.Pos, e.Image.CommonName(), a.Descriptor.Digest, of))
		}
	}
	return out, notes, nil
}

// CheckListed compares what an index says of one of its entries with the
// manifest read for it: an index that misstates a size or a media type
// would make the one built from it wrong too.
func CheckListed(m Member, got rcmanifest.Manifest) error {
	want, have := m.Descriptor, got.GetDescriptor()
	if have.Size == want.Size && have.MediaType == want.MediaType {
		return nil
	}
	return &spec.Error{Pos: m.Entry.Pos, Err: fmt.Errorf("%s lists %s as %d bytes of %s, but that manifest is %d bytes of %s: the index is corrupt (build and push it again)",
		m.Entry.Image.CommonName(), want.Digest, want.Size, want.MediaType, have.Size, have.MediaType)}
}

// Resolved is what one spec entry turned into: the members it contributes
// (one for an image, several for an index), or Missing when the image does
// not exist and the run chose to skip it.
type Resolved struct {
	Members []Member
	Missing error
}

// Gather lists the members of a spec's resolved entries in order, leaving
// out the missing ones with a warning each; none left is an error
// matching ErrMissing.
func Gather(s spec.Spec, resolved []Resolved) ([]Member, []string, error) {
	var members []Member
	var warnings []string
	for _, r := range resolved {
		if r.Missing != nil {
			warnings = append(warnings, fmt.Sprintf("%v; skipped (--ignore-missing)", r.Missing))
			continue
		}
		members = append(members, r.Members...)
	}
	if len(members) == 0 {
		return nil, warnings, fmt.Errorf("%s: all %d members of %s are missing; nothing to push%.0w", s.Pos, len(s.Manifests), s.Target.CommonName(), ErrMissing)
	}
	return members, warnings, nil
}

// declaredPlatform is the entry's declared platform, normalised, and what
// normalisation rewrote.
func declaredPlatform(e spec.Entry) (*platform.Platform, []string) {
	if e.Platform == nil {
		return nil, nil
	}
	p, notes := spec.NormalizePlatform(*e.Platform)
	return &p, notes
}

// notesOf turns normalisation notes into log lines about what.
func notesOf(what string, notes []string) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = what + " " + n
	}
	return out
}

// entryError is a member that cannot go in an index: bad input at pos.
func entryError(pos spec.Pos, format string, args ...any) error {
	return &spec.Error{Pos: pos, Err: fmt.Errorf("%s%.0w", fmt.Sprintf(format, args...), ErrInvalid)}
}

// Only keeps, of the members of a spec, the images of the platforms its
// selection names (--platforms with --member) and their attestations. An
// image meets a selected platform as for platforms --require: equal after
// normalisation, any variant for one without, any os.version under a
// shorter one. A selected platform that no member has is an error matching
// ErrMissing, naming it and what the members have, or a warning with
// ignoreMissing. The members are returned images first, then the
// attestations, each in the order given.
func Only(s spec.Spec, members []Member, ignoreMissing bool) ([]Member, []string, error) {
	if len(s.Select) == 0 {
		return order(members), nil, nil
	}
	keep := map[string]bool{} // image digests taken
	var warnings []string
	var missing spec.Errors
	for i, want := range s.Select {
		found := false
		for _, m := range members {
			if !m.Attestation() && m.Descriptor.Platform != nil && spec.Meets(*m.Descriptor.Platform, want) {
				keep[m.Descriptor.Digest.String()], found = true, true
			}
		}
		if found {
			continue
		}
		err := fmt.Errorf("%s: no member has a %s image (they have %s)%.0w", s.SelectPos[i], spec.FormatPlatform(want), listPlatforms(members), ErrMissing)
		if ignoreMissing {
			warnings = append(warnings, err.Error()+"; skipped (--ignore-missing)")
		} else {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return nil, warnings, missing
	}
	var out []Member
	for _, m := range members {
		d := m.Descriptor.Digest.String()
		if m.Attestation() {
			d = m.Descriptor.Annotations[AnnotationReferenceDigest]
		}
		if keep[d] {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, warnings, fmt.Errorf("%s: none of the selected platforms is there; nothing to push%.0w", s.Pos, ErrMissing)
	}
	return order(out), warnings, nil
}
