// Package attest plans what --attestations does with the attestation
// manifests BuildKit puts in an index (annotation
// vnd.docker.reference.type: attestation-manifest, platform
// unknown/unknown): keep them there, drop them, or take them out of the
// index and write each as an OCI referrer of the image it describes. It
// sends no request: package registry reads and writes.
package attest

import (
	"fmt"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// The modes of --attestations and of a spec's attestations: key.
const (
	Keep      = "keep"
	Drop      = "drop"
	Referrers = "referrers"
)

// Modes lists the modes, the default first.
var Modes = []string{Keep, Drop, Referrers}

// Pending is an attestation manifest to write as a referrer: the member
// the index listed it as, and the image (its subject) it describes.
type Pending struct {
	Attestation manifest.Member
	Subject     manifest.Member
}

// Plan splits members (an index's, or what a change adds) for a mode
// other than Keep: the images stay; the attestations leave. For
// Referrers, each attestation whose vnd.docker.reference.digest names one
// of images (the images the written index will list) is returned as
// pending, once per digest; one naming no such image is left out, with a
// warning line naming it (the image it describes is not there to be its
// subject). For Keep, members are returned as they are.
func Plan(mode string, members, images []manifest.Member) (kept []manifest.Member, pending []Pending, warnings []string) {
	if mode == Keep || mode == "" {
		return members, nil, nil
	}
	byDigest := map[string]manifest.Member{}
	for _, m := range images {
		if !m.Attestation() {
			byDigest[m.Descriptor.Digest.String()] = m
		}
	}
	seen := map[string]bool{}
	for _, m := range members {
		if !m.Attestation() {
			kept = append(kept, m)
			continue
		}
		if mode != Referrers || seen[m.Descriptor.Digest.String()] {
			continue
		}
		seen[m.Descriptor.Digest.String()] = true
		of := m.Descriptor.Annotations[manifest.AnnotationReferenceDigest]
		img, ok := byDigest[of]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("%s: an attestation of %s, which is not an image of the index; left out (no subject to write it as a referrer of)", m, of))
			continue
		}
		pending = append(pending, Pending{Attestation: m, Subject: img})
	}
	return kept, pending, warnings
}

// Images returns the members that are not attestation manifests.
func Images(members []manifest.Member) []manifest.Member {
	var out []manifest.Member
	for _, m := range members {
		if !m.Attestation() {
			out = append(out, m)
		}
	}
	return out
}

// AsReferrer returns the attestation manifest att as a referrer of
// subject, and whether it had to be rewritten. One that carries that
// subject already (as newer BuildKit writes it) is returned as it is, byte
// for byte. Another gets the subject (media type, digest and size), and
// the annotation vnd.docker.reference.type: attestation-manifest, which
// the index entry carried, so that a referrers listing tells it for an
// attestation; its media type stays an OCI image manifest with no
// artifactType (a referrers listing gives its config's media type), and
// its config and layers, the in-toto statements, are the same
// descriptors, so the same blob digests. This is the rewrite regclient's
// mod.WithManifestToOCIReferrers makes; that one rewrites a whole image
// in a registry after it is pushed, where this is one manifest before
// it is. A Docker manifest cannot carry a subject: an error.
func AsReferrer(att rcmanifest.Manifest, subject descriptor.Descriptor) (rcmanifest.Manifest, bool, error) {
	d := att.GetDescriptor()
	subj := descriptor.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	if s, ok := att.(rcmanifest.Subjecter); ok {
		if cur, err := s.GetSubject(); err == nil && cur != nil && cur.Digest == subj.Digest {
			return att, false, nil
		}
	}
	raw, err := att.RawBody()
	if err != nil {
		return nil, false, err
	}
	m, err := rcmanifest.New(rcmanifest.WithRaw(raw), rcmanifest.WithDesc(descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}))
	if err != nil {
		return nil, false, err
	}
	s, sok := m.(rcmanifest.Subjecter)
	a, aok := m.(rcmanifest.Annotator)
	if !sok || !aok || m.IsList() {
		return nil, false, fmt.Errorf("the attestation %s is %s, which cannot carry a subject; --attestations referrers needs OCI image manifests (keep or drop them instead)", d.Digest, d.MediaType)
	}
	if err := a.SetAnnotation(manifest.AnnotationReferenceType, manifest.AttestationManifest); err != nil {
		return nil, false, err
	}
	if err := s.SetSubject(&subj); err != nil {
		return nil, false, err
	}
	return m, true, nil
}
