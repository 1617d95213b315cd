package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Current is what a target tag points at before a change (--append, edit):
// the entries of an index, a single image (which becomes the first entry),
// or nothing.
type Current struct {
	// Digest is the manifest's digest; "" when the tag does not exist.
	Digest string
	// Type is the index's type; "" for an image or nothing.
	Type        Type
	MediaType   string
	Members     []Member
	Annotations map[string]string
	// Manifest is the manifest as it was read; nil when there is none.
	Manifest rcmanifest.Manifest
}

// Exists reports whether the tag points at anything.
func (c Current) Exists() bool { return c.Digest != "" }

// CurrentIndex reads the entries of an index that target points at (m,
// read by tag) as members, each named target@digest. An image is not an
// index: the caller resolves it as a member and uses CurrentImage.
func CurrentIndex(target ref.Ref, m rcmanifest.Manifest) (Current, error) {
	d := m.GetDescriptor()
	cur := Current{Digest: d.Digest.String(), MediaType: d.MediaType, Manifest: m}
	switch d.MediaType {
	case mediatype.OCI1ManifestList:
		cur.Type = OCI
	case mediatype.Docker2ManifestList:
		cur.Type = Docker
	default:
		return Current{}, fmt.Errorf("%s is %s, not an index", target.CommonName(), text.MediaTypeName(d.MediaType))
	}
	list, err := m.(rcmanifest.Indexer).GetManifestList()
	if err != nil {
		return Current{}, fmt.Errorf("%s: %w", target.CommonName(), err)
	}
	if a, ok := m.(rcmanifest.Annotator); ok {
		cur.Annotations, _ = a.GetAnnotations()
	}
	for _, e := range list {
		cur.Members = append(cur.Members, Member{Descriptor: e, Entry: spec.Entry{Image: target.SetDigest(e.Digest.String())}, FromIndex: true})
	}
	return cur, nil
}

// CurrentImage is a target that points at a single image, resolved as a
// member (with its platform from its config).
func CurrentImage(m Member) Current {
	return Current{Digest: m.Descriptor.Digest.String(), MediaType: m.Descriptor.MediaType, Members: []Member{m}, Manifest: m.Manifest}
}

// Change is what --append or edit does to the index a target points at.
type Change struct {
	// Add are the new entries, in the order Build would write them (images,
	// then attestations).
	Add []Member
	// Remove are platforms whose images (and their attestations) leave the
	// index, each with the flag item that named it.
	Remove []Removal
	// Annotations are set on the index; DropAnnotations are removed.
	Annotations     map[string]string
	DropAnnotations []string
	// Type is the type asked for, and TypeSet whether it was asked for
	// explicitly; an index keeps its own. TypePos is where a spec's type:
	// chose it (zero for --type).
	Type    Type
	TypeSet bool
	TypePos spec.Pos
	// IgnoreMissing makes removing an absent platform a warning.
	IgnoreMissing bool
}

// Removal is a platform to remove and where it was given.
type Removal struct {
	Platform platform.Platform
	Pos      spec.Pos
}

// Diff says what a change did to the images of an index, by platform
// (os/arch[/variant][:os.version]).
type Diff struct {
	Kept     []string `json:"kept"`
	Added    []string `json:"added"`
	Replaced []string `json:"replaced"`
	Removed  []string `json:"removed"`
}

// Merged is an index with a change applied: what to build, what changed,
// and what must still hold after it is written.
type Merged struct {
	Type        Type
	Members     []Member // in index order
	Annotations map[string]string
	Diff        Diff
	// Effects are what the written index must still show for the change to
	// have held (see Verify).
	Effects  []Effect
	Warnings []string
}

// Effect is one thing a change set: a platform's image (Value, its
// digest), a removed platform (Value ""), or an annotation (Key). Previous is what was there
// before the change, so that a third value tells a conflict from an update
// that was lost.
type Effect struct {
	Platform *platform.Platform
	Key      string // an annotation key, when Platform is nil
	Value    string // the digest, or the annotation's value; "" for a removal
	Previous string
}

// String names what the change set, for messages.
func (e Effect) String() string {
	if e.Platform != nil {
		return spec.FormatPlatform(*e.Platform)
	}
	return "annotation " + e.Key
}

// Merge applies a change to the current entries, one step per rule:
//
//   - an index keeps its type: another explicit Type is an error matching
//     ErrType, annotations for a Docker list one matching ErrInvalid; a
//     target that does not exist gets ch.Type, and an image becomes the
//     first entry;
//   - a new image replaces the current one of its platform (normalised,
//     os.version included) in its place; the others are kept;
//   - an attestation leaves with the image it describes (replaced or
//     removed), or when that image brings attestations of its own;
//   - a removed platform takes its images; one the index does not have is
//     an error matching ErrMissing, or a warning with IgnoreMissing;
//   - new images follow the last image, new attestations come last; a
//     change that leaves no image is an error matching ErrInvalid;
//   - new annotation values override the old ones; dropped keys go.
//
// Two new images of the one platform are left to Validate, which names
// both.
func Merge(target ref.Ref, cur Current, ch Change) (Merged, error) {
	t, err := checkType(target, cur, ch)
	if err != nil {
		return Merged{}, err
	}
	plan := pairReplacements(cur.Members, ch.Add)
	warnings, err := applyRemovals(target, cur.Members, ch, plan)
	if err != nil {
		return Merged{}, err
	}
	out := Merged{Type: t, Warnings: warnings}
	if err := placeEntries(target, cur.Members, ch.Add, plan, &out); err != nil {
		return Merged{}, err
	}
	ann, effects := mergeAnnotations(cur.Annotations, ch.Annotations, ch.DropAnnotations)
	out.Annotations, out.Effects = ann, append(out.Effects, effects...)
	return out, nil
}

// entryPlan is what the steps of Merge decide for the current entries.
type entryPlan struct {
	replacedBy map[int]int     // current image -> the new image in its place (in Change.Add)
	removed    map[int]bool    // current images a removal takes out
	gone       map[string]bool // image digests replaced by another or removed: their attestations leave
	attested   map[string]bool // image digests a new attestation describes: their old ones leave
}

// checkType is the type of the changed index (Merge's first rule), or
// the error naming the type: or --type that asked for another.
func checkType(target ref.Ref, cur Current, ch Change) (Type, error) {
	if cur.Type == "" {
		return ch.Type, nil
	}
	is := fmt.Sprintf("%s is %s (%s)", target.CommonName(), text.Article(text.MediaTypeName(cur.MediaType)), cur.MediaType)
	switch {
	case ch.TypeSet && ch.Type != cur.Type && ch.TypePos.String() != "":
		return "", fmt.Errorf("%s: %s; a change keeps its type, so type: %s cannot apply: remove it, or write type: %s%.0w%.0w",
			ch.TypePos, is, ch.Type, cur.Type, ErrType, ErrInvalid)
	case ch.TypeSet && ch.Type != cur.Type:
		return "", fmt.Errorf("%s; a change keeps its type, so --type %s cannot apply: drop --type, or give --type %s%.0w%.0w",
			is, ch.Type, cur.Type, ErrType, ErrInvalid)
	case cur.Type == Docker && len(ch.Annotations) > 0:
		return "", fmt.Errorf("%s, which cannot carry annotations, and a change keeps its type: drop --annotations, or push it anew with --type oci%.0w%.0w",
			is, errAnnotations, ErrInvalid)
	}
	return cur.Type, nil
}

// pairReplacements pairs each current image with the first new image of
// its platform (of its digest where the index gave it none), and marks
// which images' attestations leave.
func pairReplacements(current, add []Member) entryPlan {
	plan := entryPlan{replacedBy: map[int]int{}, removed: map[int]bool{}, gone: map[string]bool{}, attested: map[string]bool{}}
	for _, n := range add {
		if n.Attestation() {
			plan.attested[n.Descriptor.Annotations[AnnotationReferenceDigest]] = true
		}
	}
	for i, m := range current {
		if m.Attestation() {
			continue
		}
		for j, n := range add {
			if n.Attestation() || n.Descriptor.Platform == nil {
				continue
			}
			if (m.Descriptor.Platform != nil && samePlatform(*m.Descriptor.Platform, *n.Descriptor.Platform)) ||
				(m.Descriptor.Platform == nil && m.Descriptor.Digest == n.Descriptor.Digest) {
				plan.replacedBy[i] = j
				if n.Descriptor.Digest != m.Descriptor.Digest {
					plan.gone[m.Descriptor.Digest.String()] = true
				}
				break
			}
		}
	}
	return plan
}

// applyRemovals marks removed the current images of each platform
// ch.Remove names (as platforms --require meets it) that no new image
// replaces, and names every platform the index does not have.
func applyRemovals(target ref.Ref, current []Member, ch Change, plan entryPlan) ([]string, error) {
	var warnings []string
	var missing spec.Errors
	for _, r := range ch.Remove {
		found := false
		for i, m := range current {
			if m.Attestation() || m.Descriptor.Platform == nil || !spec.Meets(*m.Descriptor.Platform, r.Platform) {
				continue
			}
			found = true
			if _, ok := plan.replacedBy[i]; !ok {
				plan.removed[i] = true
				plan.gone[m.Descriptor.Digest.String()] = true
			}
		}
		if found {
			continue
		}
		err := fmt.Errorf("%s: %s has no %s image (it has %s); the index was not changed%.0w",
			r.Pos, target.CommonName(), spec.FormatPlatform(r.Platform), listPlatforms(current), ErrMissing)
		if !ch.IgnoreMissing {
			missing = append(missing, err)
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s; skipped (--ignore-missing)", strings.TrimSuffix(err.Error(), "; the index was not changed")))
	}
	if len(missing) > 0 {
		return nil, missing
	}
	return warnings, nil
}

// placeEntries puts the members of the changed index in out, in order,
// each once, with what changed for each platform (Diff) and what must
// hold after the write (Effects).
func placeEntries(target ref.Ref, current, add []Member, plan entryPlan, out *Merged) error {
	out.Diff = Diff{Kept: []string{}, Added: []string{}, Replaced: []string{}, Removed: []string{}}
	have := map[string]bool{} // digests placed
	lastImage := -1
	for i, m := range current {
		switch {
		case plan.removed[i]:
			out.Diff.Removed = append(out.Diff.Removed, spec.FormatPlatform(*m.Descriptor.Platform))
			out.Effects = append(out.Effects, Effect{Platform: m.Descriptor.Platform, Previous: m.Descriptor.Digest.String()})
			continue
		case m.Attestation() && (plan.gone[m.Descriptor.Annotations[AnnotationReferenceDigest]] || plan.attested[m.Descriptor.Annotations[AnnotationReferenceDigest]]):
			continue // it goes with its image, or gives way to the image's new ones
		}
		if j, ok := plan.replacedBy[i]; ok {
			n := add[j]
			p := spec.FormatPlatform(*n.Descriptor.Platform)
			if n.Descriptor.Digest == m.Descriptor.Digest {
				out.Diff.Kept = append(out.Diff.Kept, p)
			} else {
				out.Diff.Replaced = append(out.Diff.Replaced, p)
			}
			out.Effects = append(out.Effects, Effect{Platform: n.Descriptor.Platform, Value: n.Descriptor.Digest.String(), Previous: m.Descriptor.Digest.String()})
			m = n
		} else if !m.Attestation() && m.Descriptor.Platform != nil {
			out.Diff.Kept = append(out.Diff.Kept, spec.FormatPlatform(*m.Descriptor.Platform))
		}
		if !have[m.Descriptor.Digest.String()] {
			have[m.Descriptor.Digest.String()] = true
			out.Members = append(out.Members, m)
			if !m.Attestation() {
				lastImage = len(out.Members) - 1
			}
		}
	}
	var images, atts []Member
	for _, n := range add {
		if have[n.Descriptor.Digest.String()] { // placed already, as a replacement or in the index
			continue
		}
		have[n.Descriptor.Digest.String()] = true
		if n.Attestation() {
			atts = append(atts, n)
			continue
		}
		images = append(images, n)
		if n.Descriptor.Platform != nil {
			out.Diff.Added = append(out.Diff.Added, spec.FormatPlatform(*n.Descriptor.Platform))
			out.Effects = append(out.Effects, Effect{Platform: n.Descriptor.Platform, Value: n.Descriptor.Digest.String()})
		}
	}
	out.Members = slices.Concat(out.Members[:lastImage+1], images, out.Members[lastImage+1:], atts)
	if !slices.ContainsFunc(out.Members, func(m Member) bool { return !m.Attestation() }) {
		return fmt.Errorf("%s: the change leaves no image in the index (it had %s); the index was not changed%.0w%.0w",
			target.CommonName(), listPlatforms(current), errEmpty, ErrInvalid)
	}
	return nil
}

// mergeAnnotations is the changed index's annotations (nil when none is
// left), and an Effect per key set (sorted) or dropped.
func mergeAnnotations(current, set map[string]string, drop []string) (map[string]string, []Effect) {
	var out map[string]string
	var effects []Effect
	if len(current) > 0 || len(set) > 0 {
		out = maps.Clone(current)
		if out == nil {
			out = map[string]string{}
		}
		for _, k := range slices.Sorted(maps.Keys(set)) {
			effects = append(effects, Effect{Key: k, Value: set[k], Previous: out[k]})
			out[k] = set[k]
		}
	}
	for _, k := range drop {
		if _, ok := out[k]; ok {
			effects = append(effects, Effect{Key: k, Previous: out[k]})
			delete(out, k)
		}
	}
	if len(out) == 0 {
		return nil, effects
	}
	return out, effects
}

// samePlatform compares two entries' platforms after normalisation,
// os.version included on any os.
func samePlatform(a, b platform.Platform) bool {
	a, _ = spec.NormalizePlatform(a)
	b, _ = spec.NormalizePlatform(b)
	return spec.SamePlatform(a, b) && a.OSVersion == b.OSVersion
}

// listPlatforms names the images' platforms, in order ("nothing" when
// there is none).
func listPlatforms(members []Member) string {
	var have []string
	for _, m := range members {
		if !m.Attestation() && m.Descriptor.Platform != nil {
			have = append(have, spec.FormatPlatform(*m.Descriptor.Platform))
		}
	}
	if len(have) == 0 {
		return "no image"
	}
	return strings.Join(have, ", ")
}

// BuildMerged builds the index of a merge, with its entries in the order
// Merge gave them.
func BuildMerged(name string, m Merged) (Index, error) {
	idx, err := build(m.Type, m.Members, m.Annotations)
	if err != nil {
		return Index{}, fmt.Errorf("%s: %w", name, err)
	}
	idx.Name = name
	return idx, nil
}

// Verify tells whether what a change set still holds in the index the
// target points at after writing (after): lost lists what another writer's
// write took back, to merge again; a platform another writer has set to a
// third digest (neither the one this change replaced nor its own) is a
// conflict, an error matching ErrConflict. An annotation another writer
// set to a value of its own is theirs (runners stamp created and revision
// each): the last writer wins.
func Verify(target ref.Ref, effects []Effect, after Current) (lost []string, err error) {
	for _, w := range effects {
		now, ok := after.value(w)
		switch {
		case ok && now == w.Value, !ok && w.Value == "":
			continue
		case !ok || now == w.Previous:
			lost = append(lost, w.String())
		case w.Platform == nil:
			continue // an annotation another writer set anew: the last one wins
		default:
			was := "had none"
			if w.Previous != "" {
				was = "replaced " + w.Previous
			}
			want := "wrote " + w.Value
			if w.Value == "" {
				want = "removed it"
			}
			return nil, fmt.Errorf("%s: %s is now %s, set by another writer after this run %s and %s; run again to apply this change on top of it%.0w",
				target.CommonName(), w, now, was, want, ErrConflict)
		}
	}
	return lost, nil
}

// value is what the index holds for a want: the digest of the image of its
// platform, or the annotation's value.
func (c Current) value(w Effect) (string, bool) {
	if w.Platform == nil {
		v, ok := c.Annotations[w.Key]
		return v, ok
	}
	for _, m := range c.Members {
		if !m.Attestation() && m.Descriptor.Platform != nil && samePlatform(*m.Descriptor.Platform, *w.Platform) {
			return m.Descriptor.Digest.String(), true
		}
	}
	return "", false
}
