package regtest

import (
	"encoding/json"
	"strings"
)

// AttestationArtifactType is the artifactType newer BuildKit gives an
// attestation manifest it writes as an OCI artifact.
const AttestationArtifactType = "application/vnd.docker.attestation.manifest.v1+json"

// NewBuildxIndexWithSubject is NewBuildxIndex as newer BuildKit writes it
// with its OCI artifact option (docker buildx build --provenance, image
// exporter oci-artifact=true): the attestation manifest is an OCI 1.1
// artifact, of artifactType AttestationArtifactType, with the empty
// config and a subject naming the image, besides the index entry's
// vnd.docker.reference.* annotations.
func NewBuildxIndexWithSubject(p Platform) BuildxIndex {
	img := NewImage(p, false)
	att := Attestation(img)
	att.Config = newBlob("application/vnd.oci.empty.v1+json", []byte("{}"))
	mb, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIManifest, "artifactType": AttestationArtifactType,
		"config": att.Config.Descriptor, "layers": []Descriptor{att.Layers[0].Descriptor}, "subject": img.Manifest.Descriptor})
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
