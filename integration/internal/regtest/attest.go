package regtest

import (
	"encoding/json"
	"strings"
)

// NewBuildxIndexWithSubject is NewBuildxIndex as newer BuildKit writes it
// (moby/buildkit v0.11 and later, with the OCI 1.1 subject): the
// attestation manifest carries a subject naming the image, besides the
// index entry's vnd.docker.reference.* annotations.
func NewBuildxIndexWithSubject(p Platform) BuildxIndex {
	img := NewImage(p, false)
	att := Attestation(img)
	var m map[string]any
	_ = json.Unmarshal(att.Manifest.Data, &m)
	m["subject"] = img.Manifest.Descriptor
	mb, _ := json.Marshal(m)
	att.Manifest = newBlob(OCIManifest, mb)
	return buildxOf(img, att, img.Manifest.Digest)
}

// NewBuildxIndexOrphan is NewBuildxIndex whose attestation's
// vnd.docker.reference.digest names a digest that is no entry of the
// index (a hostile or broken build).
func NewBuildxIndexOrphan(p Platform) BuildxIndex {
	img := NewImage(p, false)
	return buildxOf(img, Attestation(img), "sha256:"+strings.Repeat("0", 64))
}

// buildxOf is the buildx-style index of img and att, whose entry names
// the digest of.
func buildxOf(img, att Image, of string) BuildxIndex {
	imgDesc := img.Manifest.Descriptor
	imgDesc.Platform = &img.Platform
	attDesc := att.Manifest.Descriptor
	attDesc.Platform = &Platform{OS: "unknown", Architecture: "unknown"}
	attDesc.Annotations = map[string]string{
		"vnd.docker.reference.type":   "attestation-manifest",
		"vnd.docker.reference.digest": of,
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIIndex, "manifests": []Descriptor{imgDesc, attDesc}})
	return BuildxIndex{Index: newBlob(OCIIndex, b), Image: img, Attestation: att}
}
