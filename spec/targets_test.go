package spec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// A document's targets: image: first, then targets:, each with its
// line; --target items in order.
func TestTargets(t *testing.T) {
	t.Parallel()
	const file = `image: reg.example.com/app:1
targets:
  - ghcr.io/org/app:1
  - ocidir://out:1
  - ${MIRROR}/app:1
tags: [latest]
manifests: [{image: reg.example.com/app:1-amd64}]
---
targets: [quay.io/org/app:2]
manifests: [{image: reg.example.com/app:1-amd64}]
`
	lookup := func(string) (string, bool) { return "mirror.example.com", true }
	specs, err := Load(context.Background(), "f.yaml", strings.NewReader(file), WithLookup(lookup))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		for _, tg := range s.AllTargets() {
			got = append(got, fmt.Sprintf("%s %s %v", tg.Pos, tg.Ref.CommonName(), tg.TagDefaulted))
		}
	}
	want := []string{
		"f.yaml:1: image reg.example.com/app:1 false",
		"f.yaml:3: targets[0] ghcr.io/org/app:1 false",
		"f.yaml:4: targets[1] ocidir://out:1 false",
		"f.yaml:5: targets[2] mirror.example.com/app:1 false",
		"f.yaml:9: targets[0] quay.io/org/app:2 false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("targets\n got %q\nwant %q", got, want)
	}
	if s := specs[1]; s.Target.CommonName() != "quay.io/org/app:2" || s.Pos.Line != 9 || len(s.MoreTargets) != 0 {
		t.Errorf("a document of targets: alone: %+v", s)
	}
	if got, want := Targets(specs...), []string{"reg.example.com", "ghcr.io", "mirror.example.com", "quay.io"}; !slices.Equal(got, want) {
		t.Errorf("Targets = %q, want %q (every target's registry, no layout)", got, want)
	}
	var refs []string
	for _, r := range Refs(specs[0]) {
		refs = append(refs, r.CommonName())
	}
	if !slices.Contains(refs, "ghcr.io/org/app:latest") || !slices.Contains(refs, "mirror.example.com/app:1") {
		t.Errorf("Refs leaves out a target or its tags: %q", refs)
	}

	s, err := FromArgs(Args{Members: []string{"r/a@sha256:" + strings.Repeat("a", 64)}, Targets: []string{"r/a:1", "ghcr.io/o/a", "ocidir://x:1"}})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, tg := range s.AllTargets() {
		got = append(got, tg.Pos.String()+" "+tg.Ref.CommonName())
	}
	if want := []string{`--target "r/a:1" docker.io/r/a:1`, `--target "ghcr.io/o/a" ghcr.io/o/a:latest`, `--target "ocidir://x:1" ocidir://x:1`}; !slices.Equal(got, want) {
		t.Errorf("from-args targets\n got %q\nwant %q", got, want)
	}
}

// Targets that are wrong: each is one line, bad input, at the item.
func TestTargetsInvalid(t *testing.T) {
	t.Parallel()
	member := "manifests: [{image: a/c}]\n"
	tests := []struct {
		name, yaml string
		want       string
		kind       error
	}{
		{"one twice", "image: a/b:1\ntargets: [a/b:1]\n" + member, `f.yaml:2: targets[0]: docker.io/a/b:1 is also named by f.yaml:1: image; give each target once`, ErrDuplicateTarget},
		{"one twice, spelled two ways", "targets:\n  - docker.io/library/b\n  - b:latest\n" + member, `f.yaml:3: targets[1]: docker.io/library/b:latest is also named by f.yaml:2: targets[0]; give each target once`, ErrDuplicateTarget},
		{"not a list", "image: a/b\ntargets: a/c\n" + member, `f.yaml:2: targets: must be a list of strings, not "a/c"`, ErrType},
		{"a digest", "targets: [a/b@sha256:" + strings.Repeat("0", 64) + "]\n" + member, `f.yaml:1: targets[0]: target "a/b@sha256:` + strings.Repeat("0", 64) + `" names a digest; name a tag instead (the index's digest is known only once it is built)`, ErrReference},
		{"bad reference", "image: a/b\ntargets: [a/B]\n" + member, `f.yaml:2: targets[0]: invalid reference "a/B", repo must be lowercase`, ErrReference},
		{"empty item", "image: a/b\ntargets: ['']\n" + member, `f.yaml:2: targets[0]: is empty`, ErrMissing},
		{"empty list alone", "targets: []\n" + member, "f.yaml:1: image: no target image: add `image: registry/repo:tag` (or a `targets:` list)", ErrMissing},
		{"a tag written twice by two targets", "targets: [a/b:1, a/b:2]\ntags: [1]\n" + member, "", nil}, // manifest.Precheck's, not the loader's
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(context.Background(), "f.yaml", strings.NewReader(tc.yaml))
			if tc.kind == nil {
				if err != nil {
					t.Errorf("got %v, want it to load", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, tc.kind) || !errors.Is(err, ErrInvalid) {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		targets []string
		want    string
	}{
		{[]string{"r/a:1", "docker.io/r/a:1"}, `--target "docker.io/r/a:1": docker.io/r/a:1 is also named by --target "r/a:1"; give each target once`},
		{[]string{"r/a:1", "r/a:1"}, `--target "r/a:1": docker.io/r/a:1 is given twice; give each target once`},
		{[]string{"r/a:1", " "}, `--target "": is empty`},
		{[]string{"r/a:1", "r/a:1\nfake"}, `--target "r/a:1\nfake": invalid reference "r/a:1\nfake"`},
	} {
		_, err := FromArgs(Args{Template: "r/a:ARCH", Platforms: []string{"linux/amd64"}, Targets: tc.targets})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("--target %q: got %v\nwant %s", tc.targets, err, tc.want)
		}
	}
}

// Too many targets stop the reading at the first one past the limit,
// before any is parsed: a hostile list costs no more than its size.
func TestTargetsLimit(t *testing.T) {
	t.Parallel()
	item := "  - reg.example.com/app:1\n"
	_, err := Load(context.Background(), "f.yaml", strings.NewReader("image: a/b\ntargets:\n"+strings.Repeat(item, 3)+"manifests: [{image: a/c}]\n"), WithLimits(Limits{Targets: 3}))
	if want := "f.yaml:5: targets[2]: more than 3 targets in one document (--max-targets raises the limit)"; err == nil || err.Error() != want || !errors.Is(err, ErrLimit) {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if _, err := Load(context.Background(), "f.yaml", strings.NewReader("targets:\n"+strings.Repeat(item, 3)+"manifests: [{image: a/c}]\n"), WithLimits(Limits{Targets: 3})); err == nil || !errors.Is(err, ErrDuplicateTarget) {
		t.Errorf("at the limit, the list is read (and here refused for its repeats): %v", err)
	}
	// a hostile one: 200,000 targets in a spec under 4 MiB, and on a command line
	start := time.Now()
	_, err = Load(context.Background(), "f.yaml", strings.NewReader("targets:\n"+strings.Repeat("  - r/a\n", 200000)+"manifests: [{image: a/c}]\n"))
	if want := fmt.Sprintf("f.yaml:%d: targets[%d]: more than %d targets", DefaultMaxTargets+2, DefaultMaxTargets, DefaultMaxTargets); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v\nwant %s…", err, want)
	}
	many := make([]string, 200000)
	for i := range many {
		many[i] = fmt.Sprintf("r/a:%d", i)
	}
	_, err = FromArgs(Args{Template: "r/a:ARCH", Platforms: []string{"linux/amd64"}, Targets: many, MaxTargets: 10})
	if want := `--target "r/a:10": more than 10 targets in one document (--max-targets raises the limit)`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	// the time and memory of a hostile list through the binary are held
	// to a bound by the integration test TestSeveralTargetsRefused; here,
	// under -race, they are only logged
	t.Logf("200,000 targets refused in %s", time.Since(start).Round(time.Millisecond))
}
