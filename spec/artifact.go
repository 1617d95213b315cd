package spec

import "regexp"

// MaxArtifactType is the longest artifact type taken: a media type's type
// and subtype are at most 127 characters each (RFC 6838, 4.2).
const MaxArtifactType = 255

// mediaTypeRE is a media type without parameters, as RFC 6838 (4.2)
// writes its names: type "/" subtype, each a letter or digit followed by
// at most 126 of letters, digits and !#$&-^_.+
var mediaTypeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`)

// CheckMediaType accepts a media type written as RFC 6838 names it,
// without parameters: an index's artifactType (OCI image-spec).
func CheckMediaType(s string) bool {
	return len(s) <= MaxArtifactType && mediaTypeRE.MatchString(s)
}

// setArtifact makes the document's index an artifact index: its subject
// (the manifest it refers to, in the repository of every target) and its
// artifactType, either of them "" for none, given at subjectPos and
// typePos. They exist on an OCI index only: a document with neither type
// makes one, and one of type docker is bad input.
func (s *Spec) setArtifact(subject string, subjectPos Pos, artifactType string, typePos Pos) error {
	if subject == "" && artifactType == "" {
		return nil
	}
	pos := subjectPos
	if subject == "" {
		pos = typePos
	}
	if s.Type == "docker" {
		return errorf(s.TypePos, ErrType, "docker: a Docker manifest list has no subject or artifactType (%s); make it oci, or drop them", pos.Field)
	}
	if s.Type == "" {
		s.Type, s.TypePos = "oci", pos
	}
	if artifactType != "" {
		if !CheckMediaType(artifactType) {
			return errorf(typePos, ErrType, "%q is not a media type (type/subtype as RFC 6838 names them, at most %d characters, no parameters), e.g. application/vnd.example.sbom.v1+json", artifactType, MaxArtifactType)
		}
		s.ArtifactType, s.ArtifactTypePos = artifactType, typePos
	}
	if subject == "" {
		return nil
	}
	r, _, err := parseRef(subject, subjectPos, false)
	if err != nil {
		return err
	}
	for _, t := range s.AllTargets() {
		if r.Scheme != t.Ref.Scheme || r.Registry != t.Ref.Registry || r.Repository != t.Ref.Repository || r.Path != t.Ref.Path {
			what, also := "the target's repository", ""
			if len(s.MoreTargets) > 0 {
				what, also = "the repository of the target at "+t.Pos.String(), ", so every target must be in the subject's"
			}
			return errorf(subjectPos, ErrReference, "%s is not in %s (%s): a subject and the manifests that refer to it share one repository%s", quoteRef(subject), what, quoteRef(t.Ref.SetTag("").CommonName()), also)
		}
	}
	s.Subject, s.SubjectPos = &r, subjectPos
	return nil
}
