package spec

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/platform"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	const full = `# manifest-tool's format, unchanged
image: registry.example.com/app:1.0
tags: ["1", latest, 1.10]
annotations:
  org.opencontainers.image.source: https://example.com/app
manifests:
  - image: registry.example.com/app:1.0-amd64
    platform:
      architecture: amd64
      os: linux
  - image: registry.example.com/app:1.0-arm64
    platform: {os: linux, architecture: arm64, variant: v8}
  - image: registry.example.com/app:1.0-win
    platform:
      os: windows
      architecture: amd64
      osversion: 10.0.17763.1
      osfeatures: [win32k]
  - image: registry.example.com/other@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    annotations:
      org.opencontainers.image.title: other
`
	specs, err := Load(context.Background(), "release.yaml", strings.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 {
		t.Fatalf("got %d specs, want 1", len(specs))
	}
	s := specs[0]
	if got := s.Target.CommonName(); got != "registry.example.com/app:1.0" {
		t.Errorf("target %q", got)
	}
	if s.TagDefaulted {
		t.Error("TagDefaulted set for a target with a tag")
	}
	if want := []string{"1", "latest", "1.10"}; !reflect.DeepEqual(s.Tags, want) {
		t.Errorf("tags %q, want %q", s.Tags, want)
	}
	if s.Annotations["org.opencontainers.image.source"] != "https://example.com/app" {
		t.Errorf("annotations %v", s.Annotations)
	}
	if len(s.Manifests) != 4 {
		t.Fatalf("%d members, want 4", len(s.Manifests))
	}
	wantPlat := []*platform.Platform{
		{OS: "linux", Architecture: "amd64"},
		{OS: "linux", Architecture: "arm64", Variant: "v8"},
		{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1", OSFeatures: []string{"win32k"}},
		nil,
	}
	wantLine := []int{7, 11, 13, 19}
	for i, e := range s.Manifests {
		if !reflect.DeepEqual(e.Platform, wantPlat[i]) {
			t.Errorf("member %d platform %+v, want %+v", i, e.Platform, wantPlat[i])
		}
		if e.Pos.Line != wantLine[i] || e.Pos.File != "release.yaml" {
			t.Errorf("member %d at %s, want line %d", i, e.Pos, wantLine[i])
		}
	}
	if got := s.Manifests[0].PlatformPos.String(); got != "release.yaml:9: manifests[0].platform.architecture" {
		t.Errorf("platform position %q", got)
	}
	if got := s.Manifests[3].Image.Digest; !strings.HasPrefix(got, "sha256:0123") {
		t.Errorf("digest member %q", got)
	}
	if s.Manifests[3].Annotations["org.opencontainers.image.title"] != "other" {
		t.Errorf("member annotations %v", s.Manifests[3].Annotations)
	}
}

func TestLoadOCISpellingsAndDefaults(t *testing.T) {
	t.Parallel()
	const y = `image: localhost:5000/app
manifests:
  - image: localhost:5000/app:win
    platform:
      os: windows
      architecture: amd64
      os.version: 10.0.20348.2227
      os.features: [win32k]
      features: [sse4]
  - image: localhost:5000/app:amd64
    platform: {}
---
# second document
image: localhost:5000/other:2
manifests: [{image: localhost:5000/other:2-amd64}]
---
`
	specs, err := Load(context.Background(), "-", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 {
		t.Fatalf("%d specs, want 2", len(specs))
	}
	s := specs[0]
	if !s.TagDefaulted || s.Target.Tag != "latest" || s.Target.Registry != "localhost:5000" {
		t.Errorf("target %+v defaulted=%v", s.Target, s.TagDefaulted)
	}
	want := &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}, Features: []string{"sse4"}}
	if !reflect.DeepEqual(s.Manifests[0].Platform, want) {
		t.Errorf("platform %+v", s.Manifests[0].Platform)
	}
	if s.Manifests[1].Platform != nil {
		t.Errorf("platform: {} should mean 'from the image', got %+v", s.Manifests[1].Platform)
	}
	if specs[1].Target.Tag != "2" || specs[1].Manifests[0].Pos.Line != 15 {
		t.Errorf("second document %+v", specs[1])
	}
	if got := Registries(specs...); !reflect.DeepEqual(got, []string{"localhost:5000"}) {
		t.Errorf("registries %v", got)
	}
}

// TestLoadInvalid lists malformed specs with the exact line each must give.
func TestLoadInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
		kind             error
	}{
		// YAML that does not parse at all.
		{"syntax", "image: [a\n", `release.yaml:1: did not find expected ',' or ']'`, ErrSyntax},
		// A tab indents a key, which YAML forbids.
		{"tab", "image: a/b\nmanifests:\n\t- image: x\n", `release.yaml:3: found character that cannot start any token`, ErrSyntax},
		// Nothing but a comment.
		{"empty", "# nothing\n", `release.yaml: the spec is empty: it needs at least an image and a manifests list`, ErrMissing},
		// The document is a list, not a mapping.
		{"top list", "- image: a\n", `release.yaml:1: must be a mapping with image and manifests keys, not a list`, ErrType},
		// A typo in a top-level key.
		{"typo top", "image: a/b\nmanifest: []\n", `release.yaml:2: manifest: unknown key "manifest"; did you mean "manifests"?`, ErrUnknownKey},
		// A typo in a platform key.
		{"typo platform", "image: a/b\nmanifests:\n  - image: a/c\n    platform:\n      os: linux\n      archtecture: amd64\n",
			`release.yaml:6: manifests[0].platform.archtecture: unknown key "archtecture"; did you mean "architecture"?`, ErrUnknownKey},
		// A key nothing resembles.
		{"unknown member key", "image: a/b\nmanifests:\n  - image: a/c\n    digest: x\n",
			`release.yaml:4: manifests[0].digest: unknown key "digest" (known keys: image, platform, annotations)`, ErrUnknownKey},
		// No target.
		{"no image", "manifests: [{image: a/b}]\n", `release.yaml:1: image: no target image: add ` + "`image: registry/repo:tag` (or a `targets:` list)", ErrMissing},
		// No members.
		{"no manifests", "image: a/b\n", `release.yaml:1: manifests: no manifests: list the member images under ` + "`manifests:`", ErrMissing},
		// manifests: [] must never become an empty list in a registry.
		{"empty manifests", "image: a/b\nmanifests: []\n", `release.yaml:2: manifests: the list is empty: an index needs at least one member`, ErrMissing},
		// manifests: with no value at all.
		{"null manifests", "image: a/b\nmanifests:\n", `release.yaml:2: manifests: the list is empty: an index needs at least one member`, ErrMissing},
		// A member without an image.
		{"member without image", "image: a/b\nmanifests:\n  - platform: {os: linux, architecture: amd64}\n",
			`release.yaml:3: manifests[0]: no image: each member needs ` + "`image: registry/repo:tag`", ErrMissing},
		// Uppercase repository.
		{"bad target ref", "image: a/B:1\nmanifests: [{image: a/b}]\n", `release.yaml:1: image: invalid reference "a/B:1", repo must be lowercase`, ErrReference},
		// Bad member reference.
		{"bad member ref", "image: a/b\nmanifests:\n  - image: a/b:!!\n", `release.yaml:3: manifests[0].image: invalid reference "a/b:!!"`, ErrReference},
		// The index digest cannot be chosen by the user.
		{"target digest", "image: a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nmanifests: [{image: a/c}]\n",
			`release.yaml:1: image: target "a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" names a digest; name a tag instead (the index's digest is known only once it is built)`, ErrReference},
		// An image that is a list.
		{"image list", "image: [a]\nmanifests: [{image: a/c}]\n", `release.yaml:1: image: must be a string, not a list`, ErrType},
		// tags as a string.
		{"tags string", "image: a/b\ntags: latest\nmanifests: [{image: a/c}]\n", `release.yaml:2: tags: must be a list of strings, not "latest"`, ErrType},
		// A tag Docker would refuse.
		{"bad tag", "image: a/b\ntags: [-x]\nmanifests: [{image: a/c}]\n", `release.yaml:2: tags[0]: "-x" is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`, ErrReference},
		// annotations as a list.
		{"annotations list", "image: a/b\nannotations: [a]\nmanifests: [{image: a/c}]\n", `release.yaml:2: annotations: must be a mapping of keys to strings, not a list`, ErrType},
		// An annotation value that is a mapping.
		{"annotation value", "image: a/b\nannotations:\n  k: {a: b}\nmanifests: [{image: a/c}]\n", `release.yaml:3: annotations.k: must be a string, not a mapping`, ErrType},
		// The same key twice.
		{"duplicate key", "image: a/b\nimage: a/c\nmanifests: [{image: a/c}]\n", `release.yaml:2: image: key "image" given twice`, ErrSyntax},
		// os without architecture.
		{"os only", "image: a/b\nmanifests:\n  - image: a/c\n    platform: {os: linux}\n",
			`release.yaml:4: manifests[0].platform: architecture is required with os "linux" (e.g. architecture: amd64)`, ErrMissing},
		// architecture without os.
		{"arch only", "image: a/b\nmanifests:\n  - image: a/c\n    platform: {architecture: arm64}\n",
			`release.yaml:4: manifests[0].platform: os is required with architecture "arm64" (e.g. os: linux)`, ErrMissing},
		// A variant alone cannot stand.
		{"variant only", "image: a/b\nmanifests:\n  - image: a/c\n    platform: {variant: v7}\n",
			`release.yaml:4: manifests[0].platform: os and architecture are required when other platform fields are given`, ErrMissing},
		// Both spellings of os.version.
		{"both spellings", "image: a/b\nmanifests:\n  - image: a/c\n    platform:\n      os: windows\n      architecture: amd64\n      osversion: 1\n      os.version: 1\n",
			`release.yaml:8: manifests[0].platform.os.version: both "osversion" and "os.version" are given; they are the same field, keep one`, ErrSyntax},
		// Uppercase os.
		{"uppercase os", "image: a/b\nmanifests:\n  - image: a/c\n    platform: {os: Linux, architecture: amd64}\n",
			`release.yaml:4: manifests[0].platform.os: "Linux" is not a platform value (lowercase letters, digits, '.', '_' and '-')`, ErrPlatform},
		// features must be a list.
		{"features scalar", "image: a/b\nmanifests:\n  - image: a/c\n    platform: {os: linux, architecture: amd64, features: sse4}\n",
			`release.yaml:4: manifests[0].platform.features: must be a list of strings, not "sse4"`, ErrType},
		// platform as a string, as in docker's CLI.
		{"platform string", "image: a/b\nmanifests:\n  - image: a/c\n    platform: linux/amd64\n",
			`release.yaml:4: manifests[0].platform: must be a mapping of keys to values, not "linux/amd64"`, ErrType},
		// manifests as a mapping.
		{"manifests mapping", "image: a/b\nmanifests:\n  image: a/c\n", `release.yaml:3: manifests: must be a list of members (- image: ...), not a mapping`, ErrType},
		// An empty image string.
		{"empty image", "image: ''\nmanifests: [{image: a/c}]\n", `release.yaml:1: image: is empty`, ErrMissing},
		// An error in the second document names its own line.
		{"second doc", "image: a/b\nmanifests: [{image: a/c}]\n---\nimage: a/b\nmanifests: [{image: a/C}]\n",
			`release.yaml:5: manifests[0].image: invalid reference "a/C", repo must be lowercase`, ErrReference},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), "release.yaml", strings.NewReader(tc.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, tc.kind) {
				t.Errorf("error %v is not ErrInvalid and %v", err, tc.kind)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestLoadAlias(t *testing.T) {
	t.Parallel()
	const y = `image: a/b
manifests:
  - image: a/b:amd64
    platform: &linux {os: linux, architecture: amd64}
  - image: a/b:other
    platform: *linux
  - image: a/b:arm64
    platform: {<<: *linux, architecture: arm64}
`
	specs, err := Load(context.Background(), "f.yaml", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	if p := specs[0].Manifests[1].Platform; p == nil || p.Architecture != "amd64" {
		t.Errorf("alias platform %+v", p)
	}
	if p := specs[0].Manifests[2].Platform; p == nil || p.OS != "linux" || p.Architecture != "arm64" {
		t.Errorf("merged platform %+v", p)
	}
}

// Hostile specs end in one error, exit 2 (ErrInvalid), at once and in
// bounded memory: aliases that expand without bound, merge keys that
// refer to themselves, and specs over the size, document and member
// limits.
func TestLoadHostile(t *testing.T) {
	t.Parallel()
	var bomb strings.Builder // one platform of 20,000 features, named 20,000 times
	bomb.WriteString("image: a/b\nmanifests:\n  - image: a/c:0\n    platform: &p\n      os: linux\n      architecture: amd64\n      features:\n")
	for i := range 20000 {
		fmt.Fprintf(&bomb, "        - f%d\n", i)
	}
	for i := 1; i < 20000; i++ {
		fmt.Fprintf(&bomb, "  - image: a/c:%d\n    platform: *p\n", i)
	}
	var merges strings.Builder // each member merges the one before twice: 2^40 reads
	merges.WriteString("image: a/b\nmanifests:\n  - &m0 {image: a/c, platform: {os: linux, architecture: amd64}}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&merges, "  - &m%d {<<: [*m%d, *m%d]}\n", i, i-1, i-1)
	}
	var empties strings.Builder // a merge of N merges of N empty mappings: N² steps, no key read
	empties.WriteString("image: a/b\nmanifests: [{image: a/c}]\n<<: [&m {<<: [&e {}")
	empties.WriteString(strings.Repeat(", *e", 3000) + "]}" + strings.Repeat(", *m", 3000) + "]\n")
	member := "  - image: a/c\n    platform: {os: linux, architecture: amd64}\n"
	tests := []struct {
		name, yaml string
		limits     Limits
		want       string
	}{
		{"alias bomb", bomb.String(), Limits{Size: 4 << 20},
			"f.yaml:19645: manifests[59].platform.features[19637]: its aliases (*name) expand the document to more than 1200120 nodes, 10 times the nodes it is written with; write the repeated part out, or anchor less of it"},
		{"a member that merges itself", "image: a/b\nmanifests:\n  - &m {image: a/c, <<: *m}\n", Limits{},
			"f.yaml:3: manifests[0]: merge key refers to itself"},
		{"a platform that merges itself", "image: a/b\nmanifests:\n  - image: a/c\n    platform: &p {os: linux, architecture: amd64, <<: *p}\n", Limits{},
			"f.yaml:4: manifests[0].platform: merge key refers to itself"},
		{"merges that double", merges.String(), Limits{},
			"f.yaml:3: manifests[14]: its aliases (*name) expand the document to more than 100000 nodes, 10 times the nodes it is written with; write the repeated part out, or anchor less of it"},
		{"merges of empty mappings", empties.String(), Limits{},
			"f.yaml:3: its aliases (*name) expand the document to more than 100000 nodes, 10 times the nodes it is written with; write the repeated part out, or anchor less of it"},
		{"size", "image: a/b\nmanifests:\n" + strings.Repeat(member, 100), Limits{Size: 1024},
			"f.yaml: the spec is larger than 1KiB (--max-spec-size raises the limit)"},
		{"documents", strings.Repeat("---\nimage: a/b\nmanifests:\n"+member, 4), Limits{Documents: 3},
			"f.yaml:17: more than 3 documents (indexes) in one spec (--max-documents raises the limit)"},
		{"members, over all documents", "image: a/b\nmanifests:\n" + strings.Repeat(member, 2) + "---\nimage: a/d\nmanifests:\n" + strings.Repeat(member, 2), Limits{Members: 3},
			"f.yaml:12: manifests[1]: more than 3 members in one spec (--max-members raises the limit)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), "f.yaml", strings.NewReader(tc.yaml), WithLimits(tc.limits))
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
	// the limits are on: a spec at them loads
	if _, err := Load(context.Background(), "f.yaml", strings.NewReader("image: a/b\nmanifests:\n"+strings.Repeat(member, 3)), WithLimits(Limits{Members: 3})); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// Load stops between members when its context ends.
func TestLoadCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, "f.yaml", strings.NewReader("image: a/b\nmanifests:\n  - image: a/c\n"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("image: a/b\nmanifests:\n  - image: a/c\n    platform: {os: linux, architecture: amd64}\n")
	f.Add("image: a/b\ntags: [x]\nannotations: {k: v}\nmanifests: [{image: a/c, annotations: {a: b}}]\n---\nimage: c/d\n")
	f.Add("image: &x a/b\nmanifests: [*x]\n")
	f.Add("image: a/b\nmanifests:\n  - &m {image: a/c, <<: *m}\n")
	f.Add("image: a/b\nmanifests:\n  - image: a/c\n    platform: &p {os: linux, architecture: amd64, <<: *p}\n")
	f.Add("image: a/b\nmanifests:\n  - &a {image: a/c, platform: &p {os: linux, architecture: amd64, features: &f [x, y]}}\n  - {<<: [*a, *a], platform: {<<: *p, features: *f}}\n")
	f.Add("image: ${R:-reg}/a:${V}\ntype: OCI\ntags: [\"${V}\"]\nmanifests:\n  - image: r/a:$$x\n    platform: {<<: {os: linux}, architecture: ${A:-amd64}}\n")
	lookup := WithLookup(func(k string) (string, bool) {
		v, ok := map[string]string{"V": "1.0", "E": ""}[k]
		return v, ok
	})
	f.Fuzz(func(t *testing.T, y string) {
		specs, err := Load(context.Background(), "fuzz.yaml", strings.NewReader(y), lookup)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		for _, s := range specs {
			if len(s.Manifests) == 0 || s.Target.Tag == "" {
				t.Fatalf("accepted spec without members or tag: %+v", s)
			}
			for _, e := range s.Manifests {
				if e.Platform != nil && (e.Platform.OS == "" || e.Platform.Architecture == "") {
					t.Fatalf("accepted partial platform %+v", e.Platform)
				}
			}
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	var y strings.Builder
	for d := 0; d < 10; d++ {
		fmt.Fprintf(&y, "---\nimage: ${REG:-reg.example.com}/app:%d\ntags: [latest]\nannotations: {org.opencontainers.image.version: \"%d\"}\nmanifests:\n", d, d)
		for _, a := range []string{"amd64", "arm64", "s390x", "ppc64le"} {
			fmt.Fprintf(&y, "  - image: reg.example.com/app:%d-%s\n    platform: {os: linux, architecture: %s}\n", d, a, a)
		}
	}
	for b.Loop() {
		if _, err := Load(context.Background(), "bench.yaml", strings.NewReader(y.String())); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadReferrers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value          string
		want, required bool
		err            string
	}{
		{"true", true, false, ""},
		{"required", true, true, ""},
		{"false", false, false, ""},
		{"always", false, false, `r.yaml:2: referrers: "always": want true, false or required`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			specs, err := Load(context.Background(), "r.yaml", strings.NewReader("image: r/a:1\nreferrers: "+tc.value+"\nmanifests:\n  - image: r/a:amd\n"))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || specs[0].Referrers != tc.want || specs[0].ReferrersRequired != tc.required {
				t.Errorf("got %+v, %v", specs, err)
			}
		})
	}
}

func TestLoadUntagMembers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		want  bool
		err   string
	}{
		{"true", true, ""},
		{"false", false, ""},
		{"True", true, ""},
		// only a boolean: "yes" is a string in YAML 1.2
		{"yes", false, `r.yaml:2: untag-members: "yes": want true or false`},
		// a list is not a value
		{"[true]", false, `r.yaml:2: untag-members`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			specs, err := Load(context.Background(), "r.yaml", strings.NewReader("image: r/a:1\nuntag-members: "+tc.value+"\nmanifests:\n  - image: r/a:amd\n"))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || specs[0].UntagMembers != tc.want {
				t.Errorf("got %+v, %v", specs, err)
			}
		})
	}
}

func TestLoadAttestations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want, err string }{
		{"keep", "keep", ""},
		{"drop", "drop", ""},
		{"Referrers", "referrers", ""},
		{"[referrers]", "", `r.yaml:2: attestations:`},
		{"convert", "", `r.yaml:2: attestations: "convert": want keep, drop or referrers`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			specs, err := Load(context.Background(), "r.yaml", strings.NewReader("image: r/a:1\nattestations: "+tc.value+"\nmanifests:\n  - image: r/a:amd\n"))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.Is(err, ErrType) {
					t.Errorf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || specs[0].Attestations != tc.want || specs[0].AttestationsPos.String() != "r.yaml:2: attestations" {
				t.Errorf("got %+v, %v", specs, err)
			}
		})
	}
}
