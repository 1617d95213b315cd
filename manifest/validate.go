package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/schema"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/spec"
)

// ValidateOptions tune validation (Validate and Precheck).
type ValidateOptions struct {
	// AllowUnknownPlatform lets an os, architecture or variant outside the
	// known vocabulary through.
	AllowUnknownPlatform bool
	// Strict makes a declared platform that contradicts the image's config
	// an error instead of a warning.
	Strict bool
	// IgnoreMissing says that members may be left out of the index (they
	// do not exist), so two members declaring one platform are a problem
	// only once both are found.
	IgnoreMissing bool
}

// tagWriter is where a tag a document writes was named, and where the
// target it is written in was.
type tagWriter struct{ pos, target spec.Pos }

// tagClashes adds to written each tag s writes, in each of its targets,
// and returns a problem for each one that an earlier document, or another
// target of s, writes too.
func tagClashes(written map[string]tagWriter, s spec.Spec) spec.Errors {
	var p spec.Errors
	if s.ByDigest {
		return nil // no tag is written
	}
	for _, target := range s.AllTargets() {
		tags := append([]string{target.Ref.Tag}, s.ExtraTags(target.Ref)...)
		for k, tag := range tags {
			pos := target.Pos
			if k > 0 && k-1 < len(s.TagsPos) {
				pos = s.TagsPos[k-1]
			}
			key := target.Ref.SetTag(tag).CommonName()
			if first, dup := written[key]; dup {
				switch {
				case first.pos != pos:
					p = append(p, problemf(errTagClash, "%s: %s is also written by %s; a tag can point at one index", pos, key, first.pos))
				case first.target != target.Pos: // one tags: item, two targets in one repository
					p = append(p, problemf(errTagClash, "%s: %s is written for the target of %s and for the target of %s; a tag can point at one index", pos, key, first.target, target.Pos))
				}
				continue
			}
			written[key] = tagWriter{pos, target.Pos}
		}
	}
	return p
}

// Precheck refuses, before any registry is asked anything, what the specs
// (the documents of one run) alone show to be wrong: annotations on a Docker
// list, declared platforms outside the known vocabulary, and a tag that two
// documents would both write. When it finds any, the run stops before
// resolving, and so it also reports what Validate would have found later
// among the declared platforms: two members of one index declaring the
// same platform (unless IgnoreMissing; Windows members only when both
// declare an os.version). It returns each spec's index type (its own
// type:, else t) and, per spec, its problems (nil when it has none), each at
// the line or --platforms item that caused it. A run with any of them should
// stop there, before any request.
func Precheck(specs []spec.Spec, t Type, opts ValidateOptions) ([]Type, []error) {
	types := make([]Type, len(specs))
	probs := make([]error, len(specs))
	written := map[string]tagWriter{} // repo:tag -> where it was named first
	dups := make([]spec.Errors, len(specs))
	stop := false
	for i, s := range specs {
		var p spec.Errors
		types[i] = t
		if s.Type != "" {
			types[i], _ = ParseType(s.Type) // spec.Load allows only valid types
		}
		if types[i] == Docker {
			p = append(p, dockerAnnotationProblems(s)...)
		}
		type decl struct {
			e     spec.Entry
			norm  platform.Platform
			notes []string
		}
		var declared platformSet[*decl] // the entries with a platform
		for _, e := range s.Manifests {
			if e.Platform == nil {
				continue
			}
			norm, notes := spec.NormalizePlatform(*e.Platform)
			var perr *spec.PlatformError
			if errors.As(spec.CheckPlatform(norm), &perr) && !opts.AllowUnknownPlatform {
				p = append(p, fmt.Errorf("%s: %w%s%.0w%.0w", e.FieldPos(perr.Field), perr, allowUnknown, errPlatform, ErrInvalid))
			}
			if opts.IgnoreMissing {
				continue
			}
			for _, prev := range declared.candidates(norm) {
				if samePlatformDeclared(*prev.e.Platform, *e.Platform, prev.norm, norm) {
					dups[i] = append(dups[i], problemf(ErrDuplicatePlatform, "%s: %s: platform %s is already declared by %s: %s%s",
						e.Pos, e.Image.CommonName(), spec.FormatPlatform(norm), prev.e.Pos, prev.e.Image.CommonName(), sameBecause(prev.norm, norm, prev.notes, notes)))
					break
				}
			}
			declared.add(norm, &decl{e, norm, notes})
		}
		p = append(p, tagClashes(written, s)...)
		if len(p) > 0 {
			probs[i], stop = p, true
		}
	}
	for i := range specs {
		if stop && len(dups[i]) > 0 {
			p, _ := probs[i].(spec.Errors)
			probs[i] = append(p, dups[i]...)
		}
	}
	return types, probs
}

// sameBecause says what made two platforms (normalised) one: they are
// written differently, or normalisation rewrote them (its notes); "" when
// they were written alike.
func sameBecause(a, b platform.Platform, notes ...[]string) string {
	var why []string
	if x, y := spec.FormatPlatform(a), spec.FormatPlatform(b); x != y {
		why = append(why, x+" and "+y+" are the same platform")
	}
	for _, n := range notes {
		why = append(why, n...)
	}
	if len(why) == 0 {
		return ""
	}
	return " (" + strings.Join(why, "; ") + ")"
}

const allowUnknown = " (--allow-unknown-platform lets it through)"

// samePlatformDeclared reports whether two declared platforms (a and b as
// written, an and bn normalised) are surely one. A member that leaves out
// what its config may fill in is not: a Windows member without an
// os.version, or one without a variant (linux/arm may be v6 by its config,
// next to a linux/arm/v7).
func samePlatformDeclared(a, b, an, bn platform.Platform) bool {
	if a.OS == "windows" && (a.OSVersion == "" || b.OSVersion == "") {
		return false
	}
	if a.Variant == "" || b.Variant == "" {
		if a.Variant != b.Variant {
			return false
		}
	}
	return spec.SamePlatform(an, bn)
}

// Validate checks an index before it is written. It returns warnings (to
// log) and every problem it finds as a [spec.Errors] (nil when there is
// none), each matching ErrInvalid and its own kind:
//
//   - the exact bytes: against the OCI image-index JSON schema for an OCI
//     index; against the Docker v2.2 manifest-list rules for a Docker list
//     (schemaVersion 2, the list media type, entries that are manifests,
//     not lists, with a valid digest and a size);
//   - at least one member; every image (not attestation) entry with an os
//     and an architecture from the known vocabulary (unless
//     AllowUnknownPlatform), and no two images with the same platform after
//     normalisation (arm64 and arm64/v8 are one; os.version tells Windows
//     entries apart);
//   - no index annotations on a Docker list;
//   - a declared platform that contradicts the image's config: a warning
//     naming both, or a problem with Strict;
//   - a list whose entries' media types are not its own family (a Docker
//     list of OCI manifests): a warning, as some registries refuse them.
//
// Entry annotations a member brings from its own index (BuildKit's
// vnd.docker.reference.* on attestations) are kept; the ones a user asks
// for on a Docker list are refused by Precheck.
func Validate(idx Index, opts ValidateOptions) (warnings []string, err error) {
	var probs spec.Errors
	add := func(kind error, format string, args ...any) {
		probs = append(probs, problemf(kind, format, args...))
	}
	where := "" // for problems of the whole index
	if idx.Name != "" {
		where = idx.Name + ": "
	}
	index := func(kind error, format string, args ...any) { add(kind, where+format, args...) }
	if len(idx.Members) == 0 {
		index(errEmpty, "the index has no members")
	}
	entries := checkBytes(idx, index)
	if idx.Type == Docker && len(idx.Annotations) > 0 {
		index(errAnnotations, "index annotations (%s): %s", keys(idx.Annotations), dockerAnnotations)
	}
	type seen struct {
		m Member
		p platform.Platform
	}
	var images platformSet[*seen]
	for i, m := range idx.Members {
		if i < len(entries) && entries[i] != "" {
			add(errEntry, "%s: %s", m, entries[i])
		}
		if m.Attestation() {
			continue
		}
		d := m.Descriptor
		if d.Platform == nil || d.Platform.OS == "" || d.Platform.Architecture == "" {
			add(errEntry, "%s: no platform (os and architecture): declare one in the spec", m)
			continue
		}
		p := *d.Platform
		var perr *spec.PlatformError
		if errors.As(spec.CheckPlatform(p), &perr) && !opts.AllowUnknownPlatform {
			if m.declares(perr.Field, perr.Value) {
				add(errPlatform, "%s: %v%s", m.Entry.FieldPos(perr.Field), perr, allowUnknown)
			} else {
				add(errPlatform, "%s: platform %s, from the image: %v%s", m, spec.FormatPlatform(p), perr, allowUnknown)
			}
		}
		if m.Config != nil && spec.Contradicts(p, *m.Config) {
			msg := fmt.Sprintf("%s: declared %s, but the image's config says %s", m, spec.FormatPlatform(p), spec.FormatPlatform(*m.Config))
			if opts.Strict {
				add(errContradiction, "%s (--strict)", msg)
			} else {
				warnings = append(warnings, msg+"; the declared platform is written (--strict refuses this)")
			}
		}
		for _, prev := range images.candidates(p) {
			if spec.SamePlatform(prev.p, p) {
				add(ErrDuplicatePlatform, "%s: platform %s is already provided by %s%s", m, spec.FormatPlatform(p), prev.m,
					sameBecause(prev.p, p, prev.m.Normalized, m.Normalized))
				break
			}
		}
		images.add(p, &seen{m, p})
	}
	if w := mixedTypes(idx); w != "" {
		warnings = append(warnings, where+w)
	}
	if len(probs) == 0 {
		if err := schemaCheck(idx); err != nil {
			index(errSchema, "%v", err)
		}
	}
	if len(probs) == 0 {
		return warnings, nil
	}
	return warnings, probs
}

// rawList is the part of an index or list that the rules look at.
type rawList struct {
	SchemaVersion *int   `json:"schemaVersion"`
	MediaType     string `json:"mediaType"`
	Manifests     []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"manifests"`
}

// checkBytes reads back the exact bytes of the index and checks the rules
// of its type that concern the whole list, reporting them through add, and
// returns the problem (or "") of each entry, in index order.
func checkBytes(idx Index, add func(error, string, ...any)) []string {
	var l rawList
	if err := json.Unmarshal(idx.Bytes(), &l); err != nil {
		add(errSchema, "the index does not parse back: %v", err)
		return nil
	}
	if l.SchemaVersion == nil || *l.SchemaVersion != 2 {
		add(errSchema, "schemaVersion must be 2")
	}
	if l.MediaType != idx.Type.MediaType() {
		add(errSchema, "mediaType %q, want %q", l.MediaType, idx.Type.MediaType())
	}
	out := make([]string, len(l.Manifests))
	for i, e := range l.Manifests {
		var why []string
		if err := digest.Digest(e.Digest).Validate(); err != nil {
			why = append(why, fmt.Sprintf("invalid digest %q: %v", e.Digest, err))
		}
		if e.Size <= 0 {
			why = append(why, fmt.Sprintf("size %d, want > 0", e.Size))
		}
		switch e.MediaType {
		case mediatype.Docker2Manifest, mediatype.OCI1Manifest:
		case mediatype.Docker2ManifestList, mediatype.OCI1ManifestList:
			if idx.Type == Docker {
				why = append(why, "a Docker manifest list cannot hold another list ("+e.MediaType+")")
			}
		case "":
			why = append(why, "no mediaType")
		default:
			if idx.Type == Docker {
				why = append(why, "a Docker manifest list cannot hold "+e.MediaType)
			}
		}
		out[i] = strings.Join(why, "; ")
	}
	return out
}

// schemaCheck validates an OCI index against image-spec's JSON schema. It
// runs last, as a backstop: the rules above name the member at fault.
func schemaCheck(idx Index) error {
	if idx.Type != OCI {
		return nil
	}
	if err := schema.ValidatorMediaTypeImageIndex.Validate(bytes.NewReader(idx.Bytes())); err != nil {
		return fmt.Errorf("the OCI image-index schema refuses the index: %v", err)
	}
	return nil
}

// mixedTypes warns about a list holding manifests of the other family.
func mixedTypes(idx Index) string {
	other, hint := mediatype.OCI1Manifest, "--type oci writes an OCI index instead"
	if idx.Type == OCI {
		other, hint = mediatype.Docker2Manifest, "--type docker writes a Docker manifest list instead"
	}
	n := 0
	for _, m := range idx.Members {
		if m.Descriptor.MediaType == other {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	if n < len(idx.Members) {
		hint = "as the members mix both families, no --type avoids it"
	}
	return fmt.Sprintf("the %s (%s) holds %s (%s); some registries (Quay, Nexus) refuse lists that mix the two families; %s",
		text.MediaTypeName(idx.Type.MediaType()), idx.Type.MediaType(), text.Plural(n, text.MediaTypeName(other)), other, hint)
}

// declares reports whether the user declared value for a platform field of
// the member (after normalisation), rather than the image bringing it.
func (m Member) declares(field, value string) bool {
	if m.Entry.Platform == nil || m.FromIndex {
		return false
	}
	p, _ := spec.NormalizePlatform(*m.Entry.Platform)
	return map[string]string{"os": p.OS, "architecture": p.Architecture, "variant": p.Variant}[field] == value
}

// dockerAnnotationProblems are the annotations s asks for, which its
// Docker list cannot carry.
func dockerAnnotationProblems(s spec.Spec) spec.Errors {
	var p spec.Errors
	if len(s.Annotations) > 0 {
		p = append(p, problemf(errAnnotations, "%s: %s", s.AnnotationsPos, dockerAnnotations))
	}
	if s.AnnotationsFromLabels {
		p = append(p, problemf(errAnnotations, "%s: %s", s.AnnotationsFromLabelsPos, dockerAnnotations))
	}
	for _, e := range s.Manifests {
		if len(e.Annotations) > 0 {
			p = append(p, problemf(errAnnotations, "%s: %s", e.AnnotationsPos, dockerAnnotations))
		}
	}
	return p
}

const dockerAnnotations = "a Docker manifest list cannot carry annotations; use --type oci"

func keys(m map[string]string) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// problemf is one validation problem: a message matching kind and
// ErrInvalid.
func problemf(kind error, format string, args ...any) error {
	return fmt.Errorf("%s%.0w%.0w", fmt.Sprintf(format, args...), kind, ErrInvalid)
}
