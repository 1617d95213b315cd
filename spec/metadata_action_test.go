package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// docker/metadata-action's output, as its README shows it: tags in two
// registries, labels (not read), annotations at several levels.
const metadataActionOutput = `{
  "tags": ["ghcr.io/org/app:1.2.3", "ghcr.io/org/app:latest", "docker.io/org/app:1.2.3", "ghcr.io/org/app:1.2"],
  "labels": {"org.opencontainers.image.title": "app"},
  "annotations": [
    "manifest:org.opencontainers.image.title=app",
    "index:org.opencontainers.image.version=1.2.3",
    "org.opencontainers.image.source=https://example.com/app",
    "manifest,index:org.opencontainers.image.revision=abc",
    "manifest-descriptor:org.opencontainers.image.created=2026"
  ]
}`

// Each repository is one target with exactly its tags; index annotations
// (and unprefixed ones) are kept, others skipped; --target comes first and
// explicit --annotations win.
func TestMetadataAction(t *testing.T) {
	t.Parallel()
	m, err := ParseMetadataAction([]byte(metadataActionOutput), "meta.json", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := FromArgs(Args{
		MetadataAction: &m,
		Targets:        []string{"quay.io/org/app:1.2.3"},
		Members:        []string{"reg.example.com/app@sha256:" + strings.Repeat("a", 64)},
		Tags:           []string{"stable"},
		Annotations:    []string{"org.opencontainers.image.version=override"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range s.AllTargets() {
		got = append(got, fmt.Sprintf("%s %v", tg.Ref.CommonName(), s.ExtraTags(tg.Ref)))
	}
	want := []string{
		"quay.io/org/app:1.2.3 [stable]",
		"ghcr.io/org/app:1.2.3 [stable latest 1.2]",
		"docker.io/org/app:1.2.3 [stable]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("targets:\n got %q\nwant %q", got, want)
	}
	wantAnn := map[string]string{
		"org.opencontainers.image.version":  "override",
		"org.opencontainers.image.source":   "https://example.com/app",
		"org.opencontainers.image.revision": "abc",
	}
	if !maps.Equal(s.Annotations, wantAnn) {
		t.Errorf("annotations %v, want %v", s.Annotations, wantAnn)
	}
	if len(m.Skipped) != 2 || !strings.HasPrefix(m.Skipped[0], "manifest:") {
		t.Errorf("skipped %q, want the manifest: and manifest-descriptor: ones", m.Skipped)
	}
	// without --target, the JSON's targets alone
	s, err = FromArgs(Args{MetadataAction: &m, Members: []string{"reg.example.com/app:1"}})
	if err != nil || s.Target.CommonName() != "ghcr.io/org/app:1.2.3" || len(s.MoreTargets) != 1 {
		t.Errorf("got %v %v", s.AllTargets(), err)
	}
}

// Hostile and broken output: each refused as bad input naming the flag,
// the file and, for a tag, the tag.
func TestMetadataActionBad(t *testing.T) {
	t.Parallel()
	many := make([]string, 65)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprintf("ghcr.io/org/app:t%d", i))
	}
	for _, tc := range []struct{ name, json, want string }{
		{"not json", `{"tags": [`, "--metadata-action m.json: is not docker/metadata-action's JSON output"},
		{"no tags", `{"labels": {}}`, "lists no tags"},
		{"bad ref", `{"tags": ["ghcr.io/Org/App:1"]}`, `tag "ghcr.io/Org/App:1"`},
		{"bad tag", `{"tags": ["ghcr.io/org/app:-x"]}`, `tag "ghcr.io/org/app:-x"`},
		{"no tag", `{"tags": ["ghcr.io/org/app"]}`, "names no tag"},
		{"digest", `{"tags": ["ghcr.io/org/app@sha256:` + strings.Repeat("a", 64) + `"]}`, "names a digest"},
		{"twice", `{"tags": ["ghcr.io/org/app:1", "ghcr.io/org/app:1"]}`, "is listed twice"},
		{"too many", `{"tags": [` + strings.Join(many, ",") + `]}`, "lists 65 tags, more than 64 (--max-targets"},
		{"bad annotation", `{"tags": ["ghcr.io/org/app:1"], "annotations": ["index:=v"]}`, "want [level:]key=value"},
	} {
		_, err := ParseMetadataAction([]byte(tc.json), "m.json", 0)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", tc.name, err, tc.want)
		}
	}
	m, _ := ParseMetadataAction([]byte(`{"tags": ["ghcr.io/org/app:1"]}`), "m.json", 0)
	_, err := FromArgs(Args{MetadataAction: &m, Targets: []string{"ghcr.io/org/app:1"}, Members: []string{"reg.example.com/app:1"}})
	if !errors.Is(err, ErrDuplicateTarget) {
		t.Errorf("a --target the JSON names too: got %v", err)
	}
	_, err = FromArgs(Args{MetadataAction: &m, Targets: []string{"a.example.com/app:1"}, MaxTargets: 1, Members: []string{"reg.example.com/app:1"}})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("over --max-targets with --target: got %v", err)
	}
}

// The file is read within MaxMetadataActionSize, as is standard input.
func TestReadMetadataActionSize(t *testing.T) {
	t.Parallel()
	big := append([]byte(`{"tags": ["ghcr.io/org/app:1"], "labels": {"x": "`), bytes.Repeat([]byte("a"), MaxMetadataActionSize)...)
	big = append(big, `"}}`...)
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, "-"} {
		_, err := ReadMetadataAction(context.Background(), p, bytes.NewReader(big), 0)
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s: got %v, want the size limit", p, err)
		}
	}
	_, err := ReadMetadataAction(context.Background(), filepath.Join(t.TempDir(), "none.json"), nil, 0)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing file: got %v", err)
	}
	m, err := ReadMetadataAction(context.Background(), "-", strings.NewReader(metadataActionOutput), 0)
	if err != nil || len(m.Targets) != 2 {
		t.Errorf("stdin: got %v %v", m, err)
	}
}
