package main

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layout holds: spec, manifest, manifest/untag and manifest/view are pure (no network,
// no processes), the data flows one way (spec <- manifest <- manifest/view
// <- registry <- cmd), only package registry holds a regclient client, the
// packages under internal/ are leaves that import nothing of the project,
// and the transport imports nothing of the project but those leaves.
func TestLayout(t *testing.T) {
	t.Parallel()
	const module = "github.com/manifest-tool/manifest-tool"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string][]string{} // package -> its imports (not its tests')
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "integration" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
			return filepath.SkipDir // integration is a module of its own
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		imports[filepath.ToSlash(rel)] = pkg.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"spec", "manifest", "manifest/view", "registry", "registry/internal/transport", "cmd/manifest-tool"} {
		if _, ok := imports[want]; !ok {
			t.Fatalf("package %s not found (found %v)", want, imports)
		}
	}
	ours := func(dir string) []string {
		var out []string
		for _, imp := range imports[dir] {
			if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
				out = append(out, rest)
			}
		}
		return out
	}
	for _, pure := range []string{"spec", "manifest", "manifest/view", "manifest/untag"} {
		for _, imp := range imports[pure] {
			if imp == "net" || imp == "net/http" || imp == "os/exec" || imp == "github.com/regclient/regclient" {
				t.Errorf("%s imports %s", pure, imp)
			}
		}
	}
	leaf := func(p string) bool { return strings.HasPrefix(p, "internal/") }
	leaves := 0
	for dir := range imports {
		if leaf(dir) {
			leaves++
			if got := ours(dir); len(got) > 0 {
				t.Errorf("%s imports %v of ours; a leaf imports nothing of the project", dir, got)
			}
		}
	}
	if leaves == 0 {
		t.Fatalf("no package under internal/ (found %v)", imports)
	}
	allowed := map[string][]string{ // of ours, besides the leaves
		"spec":                        nil,
		"manifest":                    {"spec", "manifest/untag"},
		"manifest/untag":              nil, // a value manifest's results hold
		"manifest/view":               {"spec", "manifest"},
		"registry/internal/transport": nil,
	}
	for dir, want := range allowed {
		for _, imp := range ours(dir) {
			if !leaf(imp) && !slices.Contains(want, imp) {
				t.Errorf("%s imports %s; of ours it may import only %v and the leaves under internal/", dir, imp, want)
			}
		}
	}
	for dir, imps := range imports {
		if dir != "registry" && slices.Contains(imps, "github.com/regclient/regclient") {
			t.Errorf("%s imports the regclient client; only registry may", dir)
		}
		if !strings.HasPrefix(dir, "registry") && dir != "cmd/manifest-tool" && slices.ContainsFunc(ours(dir), func(p string) bool { return strings.HasPrefix(p, "registry") }) {
			t.Errorf("%s imports registry", dir)
		}
	}
}
