package spec

import (
	"slices"
	"strconv"
	"strings"

	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"
)

// Pos says where a value came from: a line of a spec file and the field on
// it, or a command-line flag and the item given to it.
type Pos struct {
	File  string // spec file as the user named it; "" for the command line
	Line  int    // 1-based; 0 when unknown
	Field string // "manifests[2].platform.architecture", `--platforms "linux/arm/v7"`
}

// String renders "file:line: field", leaving out what is unknown.
func (p Pos) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
	}
	if p.Field != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(p.Field)
	}
	return b.String()
}

// Spec describes one index to publish, to one target or to several.
type Spec struct {
	// Target is the reference the index is written to (the first target:
	// image:, else the first of targets:; the first --target); it always
	// has a tag.
	Target ref.Ref
	// TagDefaulted is true when the user wrote no tag and Target got "latest".
	TagDefaulted bool
	// MoreTargets are the other references the same index is written to,
	// in the order given (targets:, --target given more than once).
	// [Spec.AllTargets] lists every target.
	MoreTargets []Target
	// ByDigest pushes the index by its digest alone, with no tag
	// (--by-digest; see [ByDigest]): Target has no tag then.
	ByDigest bool
	// Type is "docker" or "oci" when the document chooses its index type
	// (overriding --type), else "".
	Type string
	// TypePos is where the type was chosen.
	TypePos Pos
	// Tags are extra tags that also point at the index, in every target.
	Tags []string
	// TargetTags are extra tags of Target alone ([Target.Tags]).
	TargetTags []string
	// TagsPos is where each tag was given.
	TagsPos []Pos
	// Annotations go on the index itself (OCI only).
	Annotations map[string]string
	// AnnotationsPos is where the annotations were given.
	AnnotationsPos Pos
	// AnnotationsFromLabels says to add to Annotations the labels under
	// org.opencontainers.image. that every image member carries alike
	// (--annotations-from-labels, annotations-from-labels: true; OCI
	// only); AnnotationsFromLabelsPos is where that was asked.
	AnnotationsFromLabels    bool
	AnnotationsFromLabelsPos Pos
	// Manifests are the members, in the order the user gave them.
	Manifests []Entry
	// Select, when set, takes only the images of these platforms
	// (normalised) from the members (--platforms with --member); SelectPos
	// is where each was given.
	Select    []platform.Platform
	SelectPos []Pos
	// Referrers says to copy the referrers of the members copied
	// (referrers: true, as --referrers); ReferrersRequired makes one that
	// cannot be copied an error (referrers: required).
	Referrers, ReferrersRequired bool
	// Attestations, when set, is what the document does with the
	// attestation manifests of its index (attestations: keep, drop or
	// referrers), over --attestations; AttestationsPos is where it was set.
	Attestations    string
	AttestationsPos Pos
	// UntagMembers says to delete, once every target holds the index, the
	// tags its members were found by (untag-members: true, as
	// --untag-members).
	UntagMembers bool
	// Subject, when set, is the manifest the index refers to (--subject,
	// subject:), in every target's repository; ArtifactType, when set, is
	// the index's artifactType (--artifact-type, artifact-type:). Either
	// makes an OCI index.
	Subject         *ref.Ref
	SubjectPos      Pos
	ArtifactType    string
	ArtifactTypePos Pos
	// Pos is where the target was named.
	Pos Pos
}

// Target is one place a document's index is written: a repository and
// tag in a registry, or an OCI layout (ocidir://).
type Target struct {
	// Ref always has a tag, except with --by-digest ([ByDigest]).
	Ref ref.Ref
	// TagDefaulted is true when the user wrote no tag and Ref got "latest".
	TagDefaulted bool
	// Tags are extra tags of this target alone (--metadata-action lists
	// tags per repository), beside the document's [Spec.Tags].
	Tags []string
	// Pos is where the target was named.
	Pos Pos
}

// AllTargets lists every target of the document: [Spec.Target] first,
// then [Spec.MoreTargets].
func (s Spec) AllTargets() []Target {
	return append([]Target{{Ref: s.Target, TagDefaulted: s.TagDefaulted, Tags: s.TargetTags, Pos: s.Pos}}, s.MoreTargets...)
}

// ExtraTags are the tags, beside its own, that the index gets in the
// target whose reference is target: the document's, then the target's.
func (s Spec) ExtraTags(target ref.Ref) []string {
	for _, t := range s.AllTargets() {
		if len(t.Tags) > 0 && t.Ref.CommonName() == target.CommonName() {
			return append(slices.Clone(s.Tags), t.Tags...)
		}
	}
	return s.Tags
}

// setTargets makes targets (at least one) the document's.
func (s *Spec) setTargets(targets []Target) {
	s.Target, s.TagDefaulted, s.Pos = targets[0].Ref, targets[0].TagDefaulted, targets[0].Pos
	s.TargetTags = targets[0].Tags
	s.MoreTargets = targets[1:]
}

// Entry is one member image.
type Entry struct {
	// Image is the member's reference (tag or digest).
	Image ref.Ref
	// Platform is what the user declared; nil means "take it from the image".
	// When set, OS and Architecture are both present.
	Platform *platform.Platform
	// Annotations go on this member's descriptor in the index (OCI only).
	Annotations map[string]string
	// AnnotationsPos is where the member's annotations were given.
	AnnotationsPos Pos
	// Pos is the member's "- image:" line, or the --platforms item it came from.
	Pos Pos
	// PlatformPos is where the platform was declared (the architecture line
	// in a spec file), or Pos when it was not.
	PlatformPos Pos

	platformFields map[string]Pos // key line of each declared platform field
}

// FieldPos is where one platform field ("os", "architecture", "variant",
// "os.version") was declared: its own line in a spec file, else PlatformPos.
func (e Entry) FieldPos(field string) Pos {
	if p, ok := e.platformFields[field]; ok {
		return p
	}
	return e.PlatformPos
}

// Registries lists, without repeats and in order of appearance, the
// registry hosts a set of specs names (targets and members). Local layouts
// (ocidir://) are not registries and are left out.
func Registries(specs ...Spec) []string {
	var hosts []string
	for _, s := range specs {
		for _, t := range s.AllTargets() {
			hosts = addHost(hosts, t.Ref)
		}
		for _, e := range s.Manifests {
			hosts = addHost(hosts, e.Image)
		}
	}
	return hosts
}

// Targets lists, without repeats, the registry hosts the specs push to:
// those of every target of every document.
func Targets(specs ...Spec) []string {
	var hosts []string
	for _, s := range specs {
		for _, t := range s.AllTargets() {
			hosts = addHost(hosts, t.Ref)
		}
	}
	return hosts
}

// Refs lists every reference a set of specs names: each target, under
// its extra tags too, and each member.
func Refs(specs ...Spec) []ref.Ref {
	var refs []ref.Ref
	for _, s := range specs {
		for _, t := range s.AllTargets() {
			refs = append(refs, t.Ref)
			for _, tag := range s.ExtraTags(t.Ref) {
				refs = append(refs, t.Ref.SetTag(tag))
			}
		}
		for _, e := range s.Manifests {
			refs = append(refs, e.Image)
		}
	}
	return refs
}

func addHost(hosts []string, r ref.Ref) []string {
	if r.Scheme != "reg" || r.Registry == "" || slices.Contains(hosts, r.Registry) {
		return hosts
	}
	return append(hosts, r.Registry)
}
