package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

// current builds an index of members and reads it back as a target's
// current index, through its bytes.
func current(t *testing.T, target ref.Ref, typ Type, ann map[string]string, members ...Member) Current {
	t.Helper()
	idx, err := build(typ, members, ann)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := CurrentIndex(target, idx.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

func noPlatform(m Member) Member {
	m.Descriptor.Platform = nil
	return m
}

func names(members []Member) string {
	var out []string
	for _, m := range members {
		out = append(out, m.Entry.Image.Tag)
	}
	return strings.Join(out, " ")
}

func TestMerge(t *testing.T) {
	t.Parallel()
	target, _ := ref.New("registry.example.com/app:1")
	plat := func(s string) *platform.Platform {
		p, err := spec.ParsePlatform(s)
		if err != nil {
			t.Fatal(err)
		}
		return &p
	}
	img := func(name, p string) Member { return member(t, name, mediatype.OCI1Manifest, plat(p), 0) }
	amd, arm, s390x := img("amd", "linux/amd64"), img("arm", "linux/arm64/v8"), img("s390x", "linux/s390x")
	arm2 := img("arm2", "linux/arm64")
	attAmd, attArm, attArm2, attS390x := attestation(t, amd, 0), attestation(t, arm, 0), attestation(t, arm2, 0), attestation(t, s390x, 0)
	win1, win2 := img("win1", "windows/amd64:10.0.17763.1"), img("win2", "windows/amd64:10.0.20348.1")
	buildx := current(t, target, OCI, map[string]string{"a": "1", "b": "2"}, amd, arm, attAmd, attArm)
	// the current entries carry the target's name, the new ones theirs
	tag := func(m Member) string { return m.Entry.Image.Tag }
	order := func(ms []Member) string {
		var out []string
		for _, m := range ms {
			switch {
			case tag(m) != "":
				out = append(out, tag(m))
			default:
				for _, k := range []Member{amd, arm, attAmd, attArm, win1} {
					if k.Descriptor.Digest == m.Descriptor.Digest {
						out = append(out, "old-"+tag(k))
					}
				}
			}
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name     string
		cur      Current
		ch       Change
		order    string
		diff     Diff
		ann      map[string]string
		typ      Type
		err      string
		kind     error
		warnings int
	}{
		{name: "a new platform follows the images, its attestation comes last", cur: buildx,
			ch:    Change{Add: []Member{s390x, attS390x}, Type: Docker},
			order: "old-amd old-arm s390x old-att-amd old-att-arm att-s390x", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}, Added: []string{"linux/s390x"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "a replacement takes the old one's place, and the old attestation goes", cur: buildx,
			ch:    Change{Add: []Member{arm2, attArm2}},
			order: "old-amd arm2 old-att-amd att-arm2", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64"}, Replaced: []string{"linux/arm64"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "the same image again changes nothing", cur: buildx,
			ch:    Change{Add: []Member{arm, attArm}},
			order: "old-amd arm old-att-amd att-arm", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "the same image with a new attestation: the old one goes", cur: buildx,
			ch:    Change{Add: []Member{arm, attestation(t, img("arm-att2", "linux/arm64/v8"), 0)}},
			order: "old-amd arm old-att-amd old-att-arm att-arm-att2", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "a removal takes the attestation too", cur: buildx,
			ch:    Change{Remove: []Removal{{Platform: *plat("linux/arm64"), Pos: spec.Pos{Field: `--remove "linux/arm64"`}}}},
			order: "old-amd old-att-amd", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64"}, Removed: []string{"linux/arm64/v8"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "removing what is not there", cur: buildx,
			ch:   Change{Remove: []Removal{{Platform: *plat("linux/s390x"), Pos: spec.Pos{Field: `--remove "linux/s390x"`}}}},
			err:  `--remove "linux/s390x": registry.example.com/app:1 has no linux/s390x image (it has linux/amd64, linux/arm64/v8); the index was not changed`,
			kind: ErrMissing},
		{name: "removing what is not there, ignored", cur: buildx,
			ch:    Change{IgnoreMissing: true, Remove: []Removal{{Platform: *plat("linux/s390x"), Pos: spec.Pos{Field: `--remove "linux/s390x"`}}}},
			order: "old-amd old-arm old-att-amd old-att-arm", typ: OCI, warnings: 1,
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}, ann: map[string]string{"a": "1", "b": "2"}},
		{name: "removing two that are not there: both named", cur: buildx,
			ch: Change{Remove: []Removal{{Platform: *plat("linux/s390x"), Pos: spec.Pos{Field: `--remove "linux/s390x"`}}, {Platform: *plat("linux/ppc64le"), Pos: spec.Pos{Field: `--remove "linux/ppc64le"`}}}},
			err: `--remove "linux/s390x": registry.example.com/app:1 has no linux/s390x image (it has linux/amd64, linux/arm64/v8); the index was not changed` + "\n" +
				`--remove "linux/ppc64le": registry.example.com/app:1 has no linux/ppc64le image (it has linux/amd64, linux/arm64/v8); the index was not changed`,
			kind: ErrMissing},
		{name: "annotations on a Docker list", cur: current(t, target, Docker, nil, amd), ch: Change{Annotations: map[string]string{"k": "v"}},
			err:  "registry.example.com/app:1 is a Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json), which cannot carry annotations, and a change keeps its type: drop --annotations, or push it anew with --type oci",
			kind: errAnnotations},
		{name: "a spec's other type", cur: buildx, ch: Change{Type: Docker, TypeSet: true, TypePos: spec.Pos{File: "r.yaml", Line: 2, Field: "type"}},
			err:  "r.yaml:2: type: registry.example.com/app:1 is an OCI image index (application/vnd.oci.image.index.v1+json); a change keeps its type, so type: docker cannot apply: remove it, or write type: oci",
			kind: ErrType},
		{name: "an entry the index gave no platform is replaced by its image", cur: current(t, target, OCI, nil, amd, noPlatform(arm)),
			ch:    Change{Add: []Member{arm}},
			order: "old-amd arm", typ: OCI, diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}},
		{name: "removing every image", cur: buildx,
			ch:   Change{Remove: []Removal{{Platform: *plat("linux/arm64")}, {Platform: *plat("linux/amd64")}}},
			err:  "registry.example.com/app:1: the change leaves no image in the index (it had linux/amd64, linux/arm64/v8); the index was not changed",
			kind: errEmpty},
		{name: "an explicit other type", cur: buildx, ch: Change{Add: []Member{s390x}, Type: Docker, TypeSet: true},
			err:  "registry.example.com/app:1 is an OCI image index (application/vnd.oci.image.index.v1+json); a change keeps its type, so --type docker cannot apply: drop --type, or give --type oci",
			kind: ErrType},
		{name: "annotations merge, the new value wins", cur: buildx,
			ch:    Change{Annotations: map[string]string{"b": "3", "c": "4"}, DropAnnotations: []string{"a"}},
			order: "old-amd old-arm old-att-amd old-att-arm", typ: OCI,
			diff: Diff{Kept: []string{"linux/amd64", "linux/arm64/v8"}}, ann: map[string]string{"b": "3", "c": "4"}},
		{name: "no target yet", cur: Current{}, ch: Change{Add: []Member{amd, arm}, Type: Docker},
			order: "amd arm", typ: Docker, diff: Diff{Added: []string{"linux/amd64", "linux/arm64/v8"}}},
		{name: "an image becomes the first entry", cur: CurrentImage(win1), ch: Change{Add: []Member{win2}, Type: OCI},
			order: "win1 win2", typ: OCI, diff: Diff{Kept: []string{"windows/amd64:10.0.17763.1"}, Added: []string{"windows/amd64:10.0.20348.1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Merge(target, tc.cur, tc.ch)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, tc.kind) {
					t.Errorf("got %v\nwant %s", err, tc.err)
				}
				if tc.kind != ErrMissing && !errors.Is(err, ErrInvalid) {
					t.Errorf("%v is not bad input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := order(m.Members); got != tc.order {
				t.Errorf("order %q, want %q", got, tc.order)
			}
			if !equalDiff(m.Diff, tc.diff) || m.Type != tc.typ || !equalMaps(m.Annotations, tc.ann) || len(m.Warnings) != tc.warnings {
				t.Errorf("diff %+v type %s annotations %v warnings %q\nwant %+v %s %v %d", m.Diff, m.Type, m.Annotations, m.Warnings, tc.diff, tc.typ, tc.ann, tc.warnings)
			}
			if _, err := BuildMerged("x", m); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("two new images of one platform are left to Validate", func(t *testing.T) {
		m, err := Merge(target, buildx, Change{Add: []Member{s390x, img("s390x-b", "linux/s390x")}})
		if err != nil {
			t.Fatal(err)
		}
		idx, err := BuildMerged("x", m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Validate(idx, ValidateOptions{}); !errors.Is(err, ErrDuplicatePlatform) || !strings.Contains(err.Error(), "s390x-b") {
			t.Errorf("got %v", err)
		}
	})
}

func equalDiff(a, b Diff) bool {
	return slices.Equal(a.Kept, b.Kept) && slices.Equal(a.Added, b.Added) && slices.Equal(a.Replaced, b.Replaced) && slices.Equal(a.Removed, b.Removed)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Verify tells an update another writer took back (merge again) from one
// it overrode with a third value (a conflict).
func TestVerify(t *testing.T) {
	t.Parallel()
	target, _ := ref.New("registry.example.com/app:1")
	p := func(s string) *platform.Platform { x, _ := spec.ParsePlatform(s); return &x }
	img := func(name, pl string) Member { return member(t, name, mediatype.OCI1Manifest, p(pl), 0) }
	amd, arm, arm2, arm3 := img("amd", "linux/amd64"), img("arm", "linux/arm64"), img("arm2", "linux/arm64"), img("arm3", "linux/arm64")
	d := func(m Member) string { return m.Descriptor.Digest.String() }
	wrote := []Effect{{Platform: p("linux/arm64"), Value: d(arm2), Previous: d(arm)}}
	removed := []Effect{{Platform: p("linux/arm64"), Previous: d(arm)}}
	tests := []struct {
		name    string
		effects []Effect
		after   Current
		lost    []string
		err     string
	}{
		{"held", wrote, current(t, target, OCI, nil, amd, arm2), nil, ""},
		{"held next to another writer's", wrote, current(t, target, OCI, nil, amd, arm2, img("s390x", "linux/s390x")), nil, ""},
		{"taken back to the old one", wrote, current(t, target, OCI, nil, amd, arm), []string{"linux/arm64"}, ""},
		{"gone", wrote, current(t, target, OCI, nil, amd), []string{"linux/arm64"}, ""},
		{"a third digest", wrote, current(t, target, OCI, nil, amd, arm3), nil,
			"registry.example.com/app:1: linux/arm64 is now " + d(arm3) + ", set by another writer after this run replaced " + d(arm) + " and wrote " + d(arm2) + "; run again to apply this change on top of it"},
		{"a removal held", removed, current(t, target, OCI, nil, amd), nil, ""},
		{"a removal taken back", removed, current(t, target, OCI, nil, amd, arm), []string{"linux/arm64"}, ""},
		{"a removal overridden", removed, current(t, target, OCI, nil, amd, arm3), nil,
			"registry.example.com/app:1: linux/arm64 is now " + d(arm3) + ", set by another writer after this run replaced " + d(arm) + " and removed it; run again to apply this change on top of it"},
		{"an annotation taken back", []Effect{{Key: "k", Value: "new", Previous: "old"}}, current(t, target, OCI, map[string]string{"k": "old"}, amd), []string{"annotation k"}, ""},
		{"an annotation another writer set anew", []Effect{{Key: "k", Value: "new", Previous: "old"}}, current(t, target, OCI, map[string]string{"k": "theirs"}, amd), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lost, err := Verify(target, tc.effects, tc.after)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) {
					t.Errorf("got %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(lost, tc.lost) {
				t.Errorf("lost %q, %v; want %q", lost, err, tc.lost)
			}
		})
	}
}

func TestOnly(t *testing.T) {
	t.Parallel()
	p := func(s string) *platform.Platform { x, _ := spec.ParsePlatform(s); return &x }
	amd := member(t, "amd", mediatype.OCI1Manifest, p("linux/amd64"), 0)
	arm := member(t, "arm", mediatype.OCI1Manifest, p("linux/arm/v7"), 0)
	members := []Member{amd, arm, attestation(t, amd, 0), attestation(t, arm, 0)}
	sel := func(items ...string) spec.Spec {
		s, err := spec.FromArgs(spec.Args{Members: []string{"r/a:1"}, Platforms: items, Targets: []string{"r/a:all"}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name     string
		s        spec.Spec
		ignore   bool
		want     string
		err      string
		warnings int
	}{
		{"no selection", spec.Spec{}, false, "amd arm att-amd att-arm", "", 0},
		{"one platform and its attestation", sel("linux/arm"), false, "arm att-arm", "", 0},
		{"not there", sel("linux/amd64", "linux/s390x"), false, "", `--platforms "linux/s390x": no member has a linux/s390x image (they have linux/amd64, linux/arm/v7)`, 0},
		{"not there, ignored", sel("linux/amd64", "linux/s390x"), true, "amd att-amd", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := Only(tc.s, members, tc.ignore)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !errors.Is(err, ErrMissing) {
					t.Errorf("got %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil || names(got) != tc.want || len(warnings) != tc.warnings {
				t.Errorf("got %q, %q, %v; want %q", names(got), warnings, err, tc.want)
			}
		})
	}
}
