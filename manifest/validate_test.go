package manifest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/spec"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	amd := member(t, "amd64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 3)
	arm := member(t, "arm64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64"}, 5)
	armV8 := member(t, "arm64v8", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, 7)
	noPlat := member(t, "artifact", mediatype.OCI1Manifest, nil, 9)
	badDigest := member(t, "bad", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "s390x"}, 11)
	badDigest.Descriptor.Digest = "sha256:xyz"
	badDigest.Descriptor.Size = 0
	win1 := member(t, "win1", mediatype.OCI1Manifest, &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"}, 13)
	win2 := member(t, "win2", mediatype.OCI1Manifest, &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.1"}, 15)
	nested := member(t, "nested", mediatype.OCI1ManifestList, nil, 19)
	typo := member(t, "typo", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd46"}, 21)
	declaredTypo := member(t, "dtypo", mediatype.OCI1Manifest, &platform.Platform{OS: "lnux", Architecture: "amd64"}, 23)
	specs, err := spec.Load(context.Background(), "release.yaml", strings.NewReader(strings.Repeat("\n", 21)+"image: r/a:1\nmanifests:\n  - image: r/a:2\n    platform: {os: lnux, architecture: amd64}\n"))
	if err != nil {
		t.Fatal(err)
	}
	declaredTypo.Entry = specs[0].Manifests[0]
	v5 := member(t, "v5", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64", Variant: "v5"}, 25)
	v5.Entry = specs[0].Manifests[0]
	v5.Entry.Platform = &platform.Platform{OS: "linux", Architecture: "amd64"}
	x86 := member(t, "x86", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 27)
	x86.Normalized = []string{`its config's architecture "x86_64" is written "amd64"`}
	liar := member(t, "liar", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "s390x"}, 25)
	liar.Config = &platform.Platform{OS: "linux", Architecture: "amd64"}
	linuxVer := member(t, "amd64-ver", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64", OSVersion: "1.0"}, 17)

	tests := []struct {
		name    string
		typ     Type
		members []Member
		ann     map[string]string
		opts    ValidateOptions
		want    []string
		kinds   []error
		warning string // a warning that must be given
	}{
		{name: "valid with two windows versions", typ: OCI, members: []Member{amd, arm, win1, win2}},
		{name: "valid docker with attestation", typ: Docker, members: []Member{amd, attestation(t, amd, 4)}},
		{
			name: "os.version does not tell linux platforms apart", typ: OCI, members: []Member{amd, linuxVer},
			want:  []string{"release.yaml:17: manifests: registry.example.com/app:amd64-ver (" + linuxVer.Descriptor.Digest.String() + "): platform linux/amd64:1.0 is already provided by release.yaml:3: manifests: registry.example.com/app:amd64 (" + amd.Descriptor.Digest.String() + ") (linux/amd64 and linux/amd64:1.0 are the same platform)"},
			kinds: []error{ErrDuplicatePlatform},
		},
		{
			name: "arm64 and arm64/v8 are one platform", typ: OCI, members: []Member{amd, arm, armV8},
			want:  []string{"release.yaml:7: manifests: registry.example.com/app:arm64v8 (" + armV8.Descriptor.Digest.String() + "): platform linux/arm64/v8 is already provided by release.yaml:5: manifests: registry.example.com/app:arm64 (" + arm.Descriptor.Digest.String() + ") (linux/arm64 and linux/arm64/v8 are the same platform)"},
			kinds: []error{ErrDuplicatePlatform},
		},
		{
			name: "every problem at once", typ: Docker, members: []Member{amd, noPlat, badDigest}, ann: map[string]string{"a": "b"},
			want: []string{
				"index annotations (a): a Docker manifest list cannot carry annotations; use --type oci",
				"release.yaml:9: manifests: registry.example.com/app:artifact (" + noPlat.Descriptor.Digest.String() + "): no platform (os and architecture): declare one in the spec",
				`release.yaml:11: manifests: registry.example.com/app:bad (sha256:xyz): invalid digest "sha256:xyz": invalid checksum digest length; size 0, want > 0`,
			},
			kinds: []error{errAnnotations, errEntry},
		},
		{
			name: "nested list in a Docker list", typ: Docker, members: []Member{amd, nested},
			want: []string{
				"release.yaml:19: manifests: registry.example.com/app:nested (" + nested.Descriptor.Digest.String() + "): a Docker manifest list cannot hold another list (application/vnd.oci.image.index.v1+json)",
				"release.yaml:19: manifests: registry.example.com/app:nested (" + nested.Descriptor.Digest.String() + "): no platform (os and architecture): declare one in the spec",
			},
			kinds: []error{errEntry},
		},
		{
			name: "unknown platform from the config", typ: OCI, members: []Member{amd, typo},
			want:  []string{`release.yaml:21: manifests: registry.example.com/app:typo (` + typo.Descriptor.Digest.String() + `): platform linux/amd46, from the image: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`},
			kinds: []error{errPlatform},
		},
		{
			name: "unknown declared platform", typ: OCI, members: []Member{declaredTypo},
			want:  []string{`release.yaml:25: manifests[0].platform.os: unknown os "lnux"; did you mean "linux"? (--allow-unknown-platform lets it through)`},
			kinds: []error{errPlatform},
		},
		{name: "unknown platform allowed", typ: OCI, members: []Member{amd, typo}, opts: ValidateOptions{AllowUnknownPlatform: true}},
		{
			name: "a variant the config brings is the image's, not the spec's", typ: OCI, members: []Member{v5},
			want:  []string{`release.yaml:24: manifests[0]: docker.io/r/a:2 (` + v5.Descriptor.Digest.String() + `): platform linux/amd64/v5, from the image: unknown variant "v5" for amd64 (known: v2, v3, v4) (--allow-unknown-platform lets it through)`},
			kinds: []error{errPlatform},
		},
		{
			name: "duplicate after normalising a config", typ: OCI, members: []Member{amd, x86},
			want:  []string{"release.yaml:27: manifests: registry.example.com/app:x86 (" + x86.Descriptor.Digest.String() + "): platform linux/amd64 is already provided by release.yaml:3: manifests: registry.example.com/app:amd64 (" + amd.Descriptor.Digest.String() + ") (its config's architecture \"x86_64\" is written \"amd64\")"},
			kinds: []error{ErrDuplicatePlatform},
		},
		{
			name: "contradiction is a warning", typ: OCI, members: []Member{liar},
			warning: "release.yaml:25: manifests: registry.example.com/app:liar (" + liar.Descriptor.Digest.String() + "): declared linux/s390x, but the image's config says linux/amd64",
		},
		{
			name: "contradiction under --strict", typ: OCI, members: []Member{liar}, opts: ValidateOptions{Strict: true},
			want:  []string{"release.yaml:25: manifests: registry.example.com/app:liar (" + liar.Descriptor.Digest.String() + "): declared linux/s390x, but the image's config says linux/amd64 (--strict)"},
			kinds: []error{errContradiction},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := Build(tc.typ, tc.members, tc.ann)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := Validate(idx, tc.opts)
			if tc.warning != "" && !slices.ContainsFunc(warnings, func(w string) bool { return strings.HasPrefix(w, tc.warning) }) {
				t.Errorf("warnings %q lack %q", warnings, tc.warning)
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no problem found")
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems\n got: %q\nwant: %q", got, tc.want)
			}
			for _, k := range append(tc.kinds, ErrInvalid) {
				if !errors.Is(err, k) {
					t.Errorf("%v does not match %v", err, k)
				}
			}
		})
	}
}

func TestPrecheck(t *testing.T) {
	t.Parallel()
	y := `image: r/a:1
annotations: {k: v}
manifests:
  - image: r/a:2
    annotations: {k: v}
  - image: r/a:3
    platform:
      os: linux
      architecture: amd46
---
image: r/a:2
type: oci
tags: [x, "1"]
manifests:
  - image: r/a:3
    annotations: {k: v}
`
	specs, err := spec.Load(context.Background(), "r.yaml", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	types, probs := Precheck(specs, Docker, ValidateOptions{})
	if !reflect.DeepEqual(types, []Type{Docker, OCI}) {
		t.Errorf("types %v", types)
	}
	want := []string{
		"r.yaml:2: annotations: a Docker manifest list cannot carry annotations; use --type oci\n" +
			"r.yaml:5: manifests[0].annotations: a Docker manifest list cannot carry annotations; use --type oci\n" +
			`r.yaml:9: manifests[1].platform.architecture: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`,
		"r.yaml:13: tags[1]: docker.io/r/a:1 is also written by r.yaml:1: image; a tag can point at one index",
	}
	for i, w := range want {
		if probs[i] == nil || probs[i].Error() != w || !errors.Is(probs[i], ErrInvalid) {
			t.Errorf("document %d:\n%v\nwant:\n%s", i+1, probs[i], w)
		}
	}
	if !errors.Is(probs[0], errAnnotations) || !errors.Is(probs[0], errPlatform) || !errors.Is(probs[1], errTagClash) {
		t.Errorf("kinds: %v", probs)
	}
	_, probs = Precheck(specs[:1], OCI, ValidateOptions{AllowUnknownPlatform: true})
	if probs[0] != nil {
		t.Errorf("OCI, unknown allowed: %v", probs[0])
	}
}

// A spec with an unknown architecture and two members of one platform
// reports both problems at once, each at its member's line.
func TestPrecheckDuplicates(t *testing.T) {
	t.Parallel()
	y := `image: r/a:1
manifests:
  - image: r/a:amd
    platform: {os: linux, architecture: amd64}
  - image: r/a:typo
    platform: {os: linux, architecture: amd46}
  - image: r/a:x86
    platform: {os: linux, architecture: x86_64}
  - image: r/a:arm
    platform: {os: linux, architecture: arm64, variant: v8}
  - image: r/a:arm-v8
    platform: {os: linux, architecture: aarch64, variant: v8}
  - image: r/a:arm32
    platform: {os: linux, architecture: arm}
  - image: r/a:arm32-v7
    platform: {os: linux, architecture: arm, variant: v7}
  - image: r/a:win-a
    platform: {os: windows, architecture: amd64}
  - image: r/a:win-b
    platform: {os: windows, architecture: amd64}
  - image: r/a:win-c
    platform: {os: windows, architecture: amd64, os.version: 10.0.20348.1}
  - image: r/a:win-d
    platform: {os: windows, architecture: amd64, os.version: 10.0.20348.1}
`
	specs, err := spec.Load(context.Background(), "r.yaml", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts ValidateOptions
		want []string
	}{
		{"all at once", ValidateOptions{}, []string{
			`r.yaml:6: manifests[1].platform.architecture: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`,
			"r.yaml:7: manifests[2]: docker.io/r/a:x86: platform linux/amd64 is already declared by r.yaml:3: manifests[0]: docker.io/r/a:amd (architecture \"x86_64\" is written \"amd64\")",
			"r.yaml:11: manifests[4]: docker.io/r/a:arm-v8: platform linux/arm64/v8 is already declared by r.yaml:9: manifests[3]: docker.io/r/a:arm (architecture \"aarch64\" is written \"arm64\")",
			// arm32 may be v6 by its config; win-a and win-b may take
			// distinct os.versions from theirs
			"r.yaml:23: manifests[10]: docker.io/r/a:win-d: platform windows/amd64:10.0.20348.1 is already declared by r.yaml:21: manifests[9]: docker.io/r/a:win-c",
		}},
		{"with --ignore-missing a duplicate may not be there", ValidateOptions{IgnoreMissing: true}, []string{
			`r.yaml:6: manifests[1].platform.architecture: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := Precheck(specs, OCI, tc.opts)
			got := spec.Split(probs[0])
			var msgs []string
			for _, e := range got {
				msgs = append(msgs, e.Error())
			}
			if !slices.Equal(msgs, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(got) > 1 && !errors.Is(got[1], ErrDuplicatePlatform) {
				t.Errorf("%v does not match ErrDuplicatePlatform", got[1])
			}
		})
	}
	// without another problem the run goes on, and Validate reports the
	// duplicates with their digests once the members are read
	t.Run("only duplicates", func(t *testing.T) {
		alone, err := spec.Load(context.Background(), "r.yaml", strings.NewReader(strings.Replace(y, "amd46", "s390x", 1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, probs := Precheck(alone, OCI, ValidateOptions{}); probs[0] != nil {
			t.Errorf("got %v", probs[0])
		}
	})
}

// The schema and the list rules run on the exact bytes.
func TestValidateBytes(t *testing.T) {
	t.Parallel()
	bogus := member(t, "bogus", "bogus", &platform.Platform{OS: "linux", Architecture: "amd64"}, 3)
	idx, err := Build(OCI, []Member{bogus}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Validate(idx, ValidateOptions{})
	if !errors.Is(err, errSchema) || !strings.HasPrefix(err.Error(), "the OCI image-index schema refuses the index: ") {
		t.Errorf("schema: %v", err)
	}
	// a Docker index whose bytes are an OCI index
	amd := member(t, "amd64", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 3)
	oci, err := Build(OCI, []Member{amd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	oci.Type = Docker
	_, err = Validate(oci, ValidateOptions{})
	if !errors.Is(err, errSchema) || !strings.Contains(err.Error(), `mediaType "application/vnd.oci.image.index.v1+json", want "application/vnd.docker.distribution.manifest.list.v2+json"`) {
		t.Errorf("media type: %v", err)
	}
}

// FuzzPrecheck runs whatever spec loads through Precheck: no panic, and
// every problem is bad input.
func FuzzPrecheck(f *testing.F) {
	f.Add("image: r/a:1\nannotations: {k: v}\nmanifests:\n  - image: r/a:2\n    platform: {os: lnux, architecture: amd46, variant: v9}\n---\nimage: r/a:2\ntags: ['1']\nmanifests: [{image: r/a:3}]\n")
	f.Fuzz(func(t *testing.T, y string) {
		specs, err := spec.Load(context.Background(), "fuzz.yaml", strings.NewReader(y), spec.WithLookup(func(string) (string, bool) { return "", false }))
		if err != nil {
			return
		}
		types, probs := Precheck(specs, Docker, ValidateOptions{})
		if len(types) != len(specs) || len(probs) != len(specs) {
			t.Fatalf("%d types, %d problem lists for %d specs", len(types), len(probs), len(specs))
		}
		for _, p := range probs {
			if p != nil && !errors.Is(p, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", p)
			}
		}
	})
}

func BenchmarkBuildValidate(b *testing.B) {
	var members []Member
	arches := []string{"amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le"}
	for i, a := range arches {
		members = append(members, member(b, a, mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: a}, i))
	}
	for b.Loop() {
		idx, err := Build(OCI, members, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Validate(idx, ValidateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Precheck of the largest spec the default limits allow: 10,000 members
// of distinct platforms, every one compared for duplicates.
func BenchmarkPrecheck10000(b *testing.B) {
	var s spec.Spec
	s.Target, _ = ref.New("reg.example.com/app:1")
	for i := range 10000 {
		r, _ := ref.New(fmt.Sprintf("reg.example.com/app:1-%d", i))
		s.Manifests = append(s.Manifests, spec.Entry{Image: r, Platform: &platform.Platform{OS: "linux", Architecture: "amd64", Variant: fmt.Sprintf("v%d", i+2)}})
	}
	for b.Loop() {
		if _, probs := Precheck([]spec.Spec{s}, OCI, ValidateOptions{AllowUnknownPlatform: true}); probs[0] != nil {
			b.Fatal(probs[0])
		}
	}
}
