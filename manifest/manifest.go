package manifest

import (
	"fmt"
	"strings"

	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/docker/schema2"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/spec"
)

// Type is the kind of index to build.
type Type string

const (
	// Docker is a Docker v2.2 manifest list (manifest-tool's default).
	Docker Type = "docker"
	// OCI is an OCI image index.
	OCI Type = "oci"
)

// ParseType reads a --type value: "docker" or "oci".
func ParseType(s string) (Type, error) {
	switch Type(strings.ToLower(strings.TrimSpace(s))) {
	case Docker, "":
		return Docker, nil
	case OCI:
		return OCI, nil
	}
	return "", fmt.Errorf("--type %q: want docker or oci%.0w%.0w", s, ErrType, ErrInvalid)
}

// MediaType is the media type of an index of this type.
func (t Type) MediaType() string {
	if t == OCI {
		return mediatype.OCI1ManifestList
	}
	return mediatype.Docker2ManifestList
}

// IsIndex reports whether a media type is a manifest list or an index.
func IsIndex(mediaType string) bool {
	return mediaType == mediatype.OCI1ManifestList || mediaType == mediatype.Docker2ManifestList
}

// Annotation keys BuildKit puts on attestation manifests in an index.
const (
	AnnotationReferenceType   = "vnd.docker.reference.type"
	AnnotationReferenceDigest = "vnd.docker.reference.digest"
	// AttestationManifest is BuildKit's value of AnnotationReferenceType.
	AttestationManifest = "attestation-manifest"
)

// Member is one entry of an index, with where it came from.
type Member struct {
	// Descriptor is the entry exactly as it is written into the index.
	Descriptor descriptor.Descriptor
	// Entry is the spec entry (or --platforms item) that named the member:
	// its reference, its declared platform and their positions.
	Entry spec.Entry
	// FromIndex is true when the member is an entry of an index the user
	// named (buildx's output), rather than the image itself.
	FromIndex bool
	// Config is the platform the image's own config declares, when it was
	// read; Validate compares it with the declared one.
	Config *platform.Platform
	// Normalized says which aliases of the platform were written the
	// canonical way (from spec.NormalizePlatform), for messages.
	Normalized []string
	// Manifest is the member's own manifest when it was read while
	// resolving (so that copying it needs no second read); may be nil.
	Manifest rcmanifest.Manifest
}

// Attestation reports whether the member describes another image (a
// BuildKit attestation manifest) rather than being a runnable image.
func (m Member) Attestation() bool {
	return m.Descriptor.Annotations[AnnotationReferenceType] != ""
}

// String names the member for messages: position, reference and digest.
func (m Member) String() string {
	src := m.Entry.Image.CommonName()
	if m.FromIndex {
		src += " (entry " + m.Descriptor.Digest.String() + ")"
	} else if m.Descriptor.Digest != "" && m.Entry.Image.Digest == "" {
		src += " (" + m.Descriptor.Digest.String() + ")"
	}
	if p := m.Entry.Pos.String(); p != "" {
		return p + ": " + src
	}
	return src
}

// Index is a built index: its members in index order and its exact bytes.
type Index struct {
	// Name says, in messages about the whole index, which one it is (such
	// as "release.yaml:1: image: reg/app:1.0"); it may be empty.
	Name        string
	Type        Type
	Members     []Member
	Annotations map[string]string
	// ArtifactType and Subject, when set, are the OCI index's artifactType
	// and subject (the manifest it refers to): see [Index.Refer].
	ArtifactType string
	Subject      *descriptor.Descriptor
	// Manifest holds the bytes to push; Manifest.GetDescriptor() gives
	// their digest and size.
	Manifest rcmanifest.Manifest
}

// Build assembles the index: image members first, in the order given, then
// attestation manifests, so that a platform-selecting client meets images
// first. Build does not judge the result; Validate does.
func Build(t Type, members []Member, annotations map[string]string) (Index, error) {
	if len(members) == 0 {
		return Index{}, fmt.Errorf("nothing to put in the index%.0w%.0w", errEmpty, ErrInvalid)
	}
	return build(t, order(members), annotations)
}

// order puts the images first, in the order given, then the attestation
// manifests, so that a platform-selecting client meets images first.
func order(members []Member) []Member {
	ordered := make([]Member, 0, len(members))
	for _, m := range members {
		if !m.Attestation() {
			ordered = append(ordered, m)
		}
	}
	for _, m := range members {
		if m.Attestation() {
			ordered = append(ordered, m)
		}
	}
	return ordered
}

// build writes the index of members in the order given.
func build(t Type, ordered []Member, annotations map[string]string) (Index, error) {
	return Index{Type: t, Members: ordered, Annotations: annotations}.write()
}

// Refer makes the index an artifact index that refers to subject (when
// not nil), of artifactType (when not ""): the fields regctl index create
// --subject --artifact-type sets. An index with a subject is a referrer
// of it, which registries list in its referrers. Only an OCI index has
// these fields; a Docker list is refused.
func (i Index) Refer(artifactType string, subject *descriptor.Descriptor) (Index, error) {
	if artifactType == "" && subject == nil {
		return i, nil
	}
	if i.Type != OCI {
		return Index{}, fmt.Errorf("a Docker manifest list has no subject or artifactType: make it an OCI index%.0w%.0w", ErrType, ErrInvalid)
	}
	if subject != nil {
		s := descriptor.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
		subject = &s
	}
	i.ArtifactType, i.Subject = artifactType, subject
	return i.write()
}

// write writes the bytes of the index i describes.
func (i Index) write() (Index, error) {
	t, ordered, annotations := i.Type, i.Members, i.Annotations
	descs := make([]descriptor.Descriptor, len(ordered))
	for i, m := range ordered {
		descs[i] = m.Descriptor
	}
	var orig any
	switch t {
	case OCI:
		orig = v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, ArtifactType: i.ArtifactType, Manifests: descs, Subject: i.Subject, Annotations: annotations}
	case Docker:
		orig = schema2.ManifestList{Versioned: schema2.ManifestListSchemaVersion, Manifests: descs, Annotations: annotations}
	default:
		return Index{}, fmt.Errorf("index type %q: want docker or oci%.0w%.0w", t, ErrType, ErrInvalid)
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(orig))
	if err != nil {
		return Index{}, fmt.Errorf("building the %s index: %w", t, err)
	}
	i.Manifest = m
	return i, nil
}

// Bytes returns the exact bytes of the index.
func (i Index) Bytes() []byte {
	b, _ := i.Manifest.RawBody() // never fails for a manifest built from a value
	return b
}

// Descriptor returns the index's media type, digest and size.
func (i Index) Descriptor() descriptor.Descriptor {
	return i.Manifest.GetDescriptor()
}

// BuildSpec builds the index of one spec from its members: [Build] with
// the spec's annotations, the index named after the spec's position and
// target ("release.yaml:1: image: reg/app:1.0") for messages.
func BuildSpec(s spec.Spec, t Type, members []Member) (Index, error) {
	idx, err := Build(t, members, s.Annotations)
	if err != nil {
		return Index{}, fmt.Errorf("%s: %s: %w", s.Pos, s.Target.CommonName(), err)
	}
	idx.Name = s.Pos.String() + ": " + s.Target.CommonName()
	return idx, nil
}
