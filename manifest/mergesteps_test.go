package manifest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

// stepFixture is an index as buildx writes it (two images and their
// attestations) and images to change it with, each named by its tag.
type stepFixture struct {
	target                     ref.Ref
	amd, arm, arm2, s390x, win Member
	bare, bareResolved         Member // an entry its index gives no platform, and its image resolved
	attAmd, attArm, attArm2    Member
	attArmNew                  Member   // another attestation of arm
	current                    []Member // amd arm att-amd att-arm
}

func newStepFixture(t *testing.T) stepFixture {
	t.Helper()
	target, _ := ref.New("registry.example.com/app:1")
	plat := func(s string) *platform.Platform {
		p, err := spec.ParsePlatform(s)
		if err != nil {
			t.Fatal(err)
		}
		return &p
	}
	img := func(name, p string) Member { return member(t, name, mediatype.OCI1Manifest, plat(p), 0) }
	f := stepFixture{target: target,
		amd: img("amd", "linux/amd64"), arm: img("arm", "linux/arm64/v8"), arm2: img("arm2", "linux/arm64"),
		s390x: img("s390x", "linux/s390x"), win: img("win", "windows/amd64:10.0.20348.1"), bareResolved: img("bare", "linux/ppc64le")}
	f.bare = noPlatform(f.bareResolved)
	f.attAmd, f.attArm, f.attArm2 = attestation(t, f.amd, 0), attestation(t, f.arm, 0), attestation(t, f.arm2, 0)
	f.attArmNew = member(t, "att-arm-new", mediatype.OCI1Manifest, &platform.Platform{OS: "unknown", Architecture: "unknown"}, 0)
	f.attArmNew.Descriptor.Annotations = map[string]string{AnnotationReferenceType: AttestationManifest, AnnotationReferenceDigest: f.arm.Descriptor.Digest.String()}
	f.current = []Member{f.amd, f.arm, f.attAmd, f.attArm}
	return f
}

// removal is a --remove item for platform p.
func removal(t *testing.T, p string) Removal {
	t.Helper()
	pl, err := spec.ParsePlatform(p)
	if err != nil {
		t.Fatal(err)
	}
	return Removal{Platform: pl, Pos: spec.Pos{Field: fmt.Sprintf("--remove %q", p)}}
}

// tagsOf names digests by the tags of the members that have them, sorted.
func tagsOf(set map[string]bool, members ...Member) string {
	var out []string
	for _, m := range members {
		if set[m.Descriptor.Digest.String()] && !slices.Contains(out, m.Entry.Image.Tag) {
			out = append(out, m.Entry.Image.Tag)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// The type of a changed index is the index's own; an explicit other one,
// or annotations for a Docker list, is bad input.
func TestCheckType(t *testing.T) {
	t.Parallel()
	f := newStepFixture(t)
	oci := current(t, f.target, OCI, nil, f.current...)
	docker := current(t, f.target, Docker, nil, f.amd)
	specType := spec.Pos{File: "r.yaml", Line: 2, Field: "type"}
	tests := []struct {
		name string
		cur  Current
		ch   Change
		want Type
		err  string
		kind error
	}{
		{name: "no target yet: the type asked for", cur: Current{}, ch: Change{Type: Docker}, want: Docker},
		{name: "an image: the type asked for", cur: CurrentImage(f.amd), ch: Change{Type: OCI, TypeSet: true}, want: OCI},
		{name: "an index keeps its type over the default", cur: oci, ch: Change{Type: Docker}, want: OCI},
		{name: "the same type asked for", cur: oci, ch: Change{Type: OCI, TypeSet: true}, want: OCI},
		{name: "annotations on an OCI index", cur: oci, ch: Change{Annotations: map[string]string{"k": "v"}}, want: OCI},
		{name: "--type another", cur: oci, ch: Change{Type: Docker, TypeSet: true}, kind: ErrType,
			err: "registry.example.com/app:1 is an OCI image index (application/vnd.oci.image.index.v1+json); a change keeps its type, so --type docker cannot apply: drop --type, or give --type oci"},
		{name: "a spec's type: another", cur: docker, ch: Change{Type: OCI, TypeSet: true, TypePos: specType}, kind: ErrType,
			err: "r.yaml:2: type: registry.example.com/app:1 is a Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json); a change keeps its type, so type: oci cannot apply: remove it, or write type: docker"},
		{name: "annotations on a Docker list", cur: docker, ch: Change{Annotations: map[string]string{"k": "v"}}, kind: errAnnotations,
			err: "registry.example.com/app:1 is a Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json), which cannot carry annotations, and a change keeps its type: drop --annotations, or push it anew with --type oci"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := checkType(f.target, tc.cur, tc.ch)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, tc.kind) || !errors.Is(err, ErrInvalid) {
					t.Errorf("got %v\nwant %s, matching %v and ErrInvalid", err, tc.err, tc.kind)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A new image replaces the current one of its platform, or of its digest
// where the index gave it none; a replaced digest takes its attestations
// away, and an image with new attestations gives up its old ones.
func TestPairReplacements(t *testing.T) {
	t.Parallel()
	f := newStepFixture(t)
	withBare := append(slices.Clone(f.current), f.bare)
	tests := []struct {
		name     string
		current  []Member
		add      []Member
		replaced map[int]int // current entry -> new image
		gone     string      // tags
		attested string      // tags
	}{
		{"nothing new", f.current, nil, map[int]int{}, "", ""},
		{"a new platform replaces nothing", f.current, []Member{f.s390x}, map[int]int{}, "", ""},
		{"the same platform, written another way, another digest", f.current, []Member{f.arm2, f.attArm2}, map[int]int{1: 0}, "arm", "arm2"},
		{"the same image again: replaced by itself, not gone", f.current, []Member{f.arm}, map[int]int{1: 0}, "", ""},
		{"the same image with a new attestation", f.current, []Member{f.arm, f.attArmNew}, map[int]int{1: 0}, "", "arm"},
		{"two new images of one platform: the first takes the place", f.current, []Member{f.s390x, f.arm2, f.arm}, map[int]int{1: 1}, "arm", ""},
		{"an entry without a platform, by its digest", withBare, []Member{f.bareResolved}, map[int]int{4: 0}, "", ""},
		{"a new image without a platform replaces nothing", f.current, []Member{noPlatform(f.arm2)}, map[int]int{}, "", ""},
		{"another os.version is another platform", []Member{f.win}, []Member{member(t, "win2", mediatype.OCI1Manifest,
			&platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"}, 0)}, map[int]int{}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := pairReplacements(tc.current, tc.add)
			all := append(slices.Clone(tc.current), tc.add...)
			if !maps.Equal(plan.replacedBy, tc.replaced) || tagsOf(plan.gone, all...) != tc.gone || tagsOf(plan.attested, all...) != tc.attested || len(plan.removed) != 0 {
				t.Errorf("replaced %v, gone %q, attested %q, removed %v\nwant %v, %q, %q, none",
					plan.replacedBy, tagsOf(plan.gone, all...), tagsOf(plan.attested, all...), plan.removed, tc.replaced, tc.gone, tc.attested)
			}
		})
	}
}

// A removed platform takes its images unless a new image replaces them;
// one the index lacks is an error naming what it has, or a warning.
func TestApplyRemovals(t *testing.T) {
	t.Parallel()
	f := newStepFixture(t)
	missing := func(p string) string {
		return fmt.Sprintf("--remove %q: registry.example.com/app:1 has no %s image (it has linux/amd64, linux/arm64/v8)", p, p)
	}
	tests := []struct {
		name     string
		add      []Member
		ch       Change
		removed  map[int]bool
		gone     string
		warnings []string
		err      string
	}{
		{name: "a platform, as --require meets it", ch: Change{Remove: []Removal{removal(t, "linux/arm64")}}, removed: map[int]bool{1: true}, gone: "arm"},
		{name: "replaced as well: the new image wins", add: []Member{f.arm2}, ch: Change{Remove: []Removal{removal(t, "linux/arm64")}}, removed: map[int]bool{}, gone: "arm"},
		{name: "two platforms", ch: Change{Remove: []Removal{removal(t, "linux/arm64"), removal(t, "linux/amd64")}}, removed: map[int]bool{0: true, 1: true}, gone: "amd arm"},
		{name: "not there", ch: Change{Remove: []Removal{removal(t, "linux/s390x")}},
			err: missing("linux/s390x") + "; the index was not changed"},
		{name: "two not there: both named", ch: Change{Remove: []Removal{removal(t, "linux/s390x"), removal(t, "linux/arm64"), removal(t, "linux/riscv64")}},
			err: missing("linux/s390x") + "; the index was not changed\n" + missing("linux/riscv64") + "; the index was not changed"},
		{name: "not there, ignored", ch: Change{IgnoreMissing: true, Remove: []Removal{removal(t, "linux/s390x"), removal(t, "linux/arm64")}},
			removed: map[int]bool{1: true}, gone: "arm", warnings: []string{missing("linux/s390x") + "; skipped (--ignore-missing)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := pairReplacements(f.current, tc.add)
			warnings, err := applyRemovals(f.target, f.current, tc.ch, plan)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrMissing) || errors.Is(err, ErrInvalid) {
					t.Errorf("got %v\nwant %s, matching ErrMissing", err, tc.err)
				}
				return
			}
			if err != nil || !maps.Equal(plan.removed, tc.removed) || tagsOf(plan.gone, f.current...) != tc.gone || !slices.Equal(warnings, tc.warnings) {
				t.Errorf("removed %v, gone %q, warnings %q, %v\nwant %v, %q, %q", plan.removed, tagsOf(plan.gone, f.current...), warnings, err, tc.removed, tc.gone, tc.warnings)
			}
		})
	}
}

// The entries keep their places, a replacement takes the place of what it
// replaces, new images follow the last image and new attestations come
// last; what changed and what must hold are said per platform.
func TestPlaceEntries(t *testing.T) {
	t.Parallel()
	f := newStepFixture(t)
	d := func(m Member) string { return m.Descriptor.Digest.String() }
	want := func(m Member, value, previous string) string {
		return fmt.Sprintf("%s=%s<-%s", spec.FormatPlatform(*m.Descriptor.Platform), value, previous)
	}
	attS390x := attestation(t, f.s390x, 0)
	tests := []struct {
		name    string
		current []Member
		add     []Member
		plan    entryPlan
		order   string
		diff    Diff
		effects []string
		err     string
	}{
		{name: "nothing changes", current: f.current, order: "amd arm att-amd att-arm",
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}},
		{name: "a new image after the last image, its attestation last", current: f.current, add: []Member{f.s390x, attS390x},
			order:   "amd arm s390x att-amd att-arm att-s390x",
			diff:    Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}, Added: []string{"linux/s390x"}},
			effects: []string{want(f.s390x, d(f.s390x), "")}},
		{name: "a replacement in the place of the image, the old attestation gone", current: f.current, add: []Member{f.arm2, f.attArm2},
			plan:    entryPlan{replacedBy: map[int]int{1: 0}, gone: map[string]bool{d(f.arm): true}},
			order:   "amd arm2 att-amd att-arm2",
			diff:    Diff{Kept: []string{"linux/amd64"}, Replaced: []string{"linux/arm64"}},
			effects: []string{want(f.arm2, d(f.arm2), d(f.arm))}},
		{name: "the same image again is kept", current: f.current, add: []Member{f.arm},
			plan:    entryPlan{replacedBy: map[int]int{1: 0}},
			order:   "amd arm att-amd att-arm",
			diff:    Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}},
			effects: []string{want(f.arm, d(f.arm), d(f.arm))}},
		{name: "an image with new attestations gives up its old ones", current: f.current, add: []Member{f.attArmNew},
			plan:  entryPlan{attested: map[string]bool{d(f.arm): true}},
			order: "amd arm att-amd att-arm-new",
			diff:  Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}},
		{name: "a removal takes its attestation", current: f.current,
			plan:    entryPlan{removed: map[int]bool{0: true}, gone: map[string]bool{d(f.amd): true}},
			order:   "arm att-arm",
			diff:    Diff{Kept: []string{"linux/arm64/v8"}, Removed: []string{"linux/amd64"}},
			effects: []string{want(f.amd, "", d(f.amd))}},
		{name: "an entry already in the index is not added twice", current: []Member{f.amd, f.bare}, add: []Member{f.bare},
			order: "amd bare", diff: Diff{Kept: []string{"linux/amd64"}}},
		{name: "no image left", current: f.current,
			plan: entryPlan{removed: map[int]bool{0: true, 1: true}, gone: map[string]bool{d(f.amd): true, d(f.arm): true}},
			err:  "registry.example.com/app:1: the change leaves no image in the index (it had linux/amd64, linux/arm64/v8); the index was not changed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out Merged
			err := placeEntries(f.target, tc.current, tc.add, tc.plan, &out)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, errEmpty) || !errors.Is(err, ErrInvalid) {
					t.Errorf("got %v\nwant %s, matching ErrInvalid", err, tc.err)
				}
				return
			}
			var effects []string
			for _, w := range out.Effects {
				effects = append(effects, fmt.Sprintf("%s=%s<-%s", w, w.Value, w.Previous))
			}
			if err != nil || names(out.Members) != tc.order || !equalDiff(out.Diff, tc.diff) || !slices.Equal(effects, tc.effects) {
				t.Errorf("order %q, diff %+v, effects %q, %v\nwant %q, %+v, %q", names(out.Members), out.Diff, effects, err, tc.order, tc.diff, tc.effects)
			}
		})
	}
}

// Annotations merge key by key: the new value wins, a dropped key goes,
// and each key set or dropped is an Effect with what it was before.
func TestMergeAnnotations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		current map[string]string
		set     map[string]string
		drop    []string
		want    map[string]string
		effects []Effect
	}{
		{name: "none", want: nil},
		{name: "kept as they are", current: map[string]string{"a": "1"}, want: map[string]string{"a": "1"}},
		{name: "set on none", set: map[string]string{"b": "2", "a": "1"}, want: map[string]string{"a": "1", "b": "2"},
			effects: []Effect{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
		{name: "the new value wins", current: map[string]string{"a": "1", "b": "2"}, set: map[string]string{"b": "3"},
			want: map[string]string{"a": "1", "b": "3"}, effects: []Effect{{Key: "b", Value: "3", Previous: "2"}}},
		{name: "dropped", current: map[string]string{"a": "1", "b": "2"}, drop: []string{"a", "absent"},
			want: map[string]string{"b": "2"}, effects: []Effect{{Key: "a", Previous: "1"}}},
		{name: "the last one dropped", current: map[string]string{"a": "1"}, drop: []string{"a"}, want: nil, effects: []Effect{{Key: "a", Previous: "1"}}},
		{name: "set and dropped", current: map[string]string{"a": "1"}, set: map[string]string{"a": "2"}, drop: []string{"a"},
			want: nil, effects: []Effect{{Key: "a", Value: "2", Previous: "1"}, {Key: "a", Previous: "2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := maps.Clone(tc.current)
			got, effects := mergeAnnotations(tc.current, tc.set, tc.drop)
			if (got == nil) != (tc.want == nil) || !maps.Equal(got, tc.want) || !slices.Equal(effects, tc.effects) {
				t.Errorf("got %v, %+v\nwant %v, %+v", got, effects, tc.want, tc.effects)
			}
			if !maps.Equal(tc.current, before) {
				t.Errorf("the current annotations changed: %v, were %v", tc.current, before)
			}
		})
	}
}
