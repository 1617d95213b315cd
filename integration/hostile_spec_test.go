package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aliasBomb is a spec whose one platform lists n features and is named by
// n members: n² strings once expanded, from a file of about 70n bytes.
func aliasBomb(n int) string {
	var b strings.Builder
	b.WriteString("image: reg.invalid/app:1\nmanifests:\n  - image: reg.invalid/app:0\n    platform: &p\n      os: linux\n      architecture: amd64\n      features:\n")
	for i := range n {
		fmt.Fprintf(&b, "        - f%d\n", i)
	}
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  - image: reg.invalid/app:%d\n    platform: *p\n", i)
	}
	return b.String()
}

// Hostile specs end in one line and exit 2, at once and in bounded
// memory, before any registry is asked anything: aliases that expand
// without bound (from a file and from stdin), merge keys that refer to
// themselves, and specs over the size and member limits. Each run's
// memory and time are logged.
func TestHostileSpecs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	member := "  - image: reg.invalid/app:1-amd64\n    platform: {os: linux, architecture: amd64}\n"
	big := aliasBomb(20000) // 1.3 MB, 400 million strings expanded
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string // the error line, after "error: FILE"
	}{
		{"alias bomb", "", []string{file("bomb.yaml", big)}, ":19645: manifests[59].platform.features[19637]: its aliases (*name) expand the document to more than"},
		{"alias bomb on stdin", big, []string{"-"}, ":19645: manifests[59].platform.features[19637]: its aliases (*name) expand the document to more than"},
		{"small alias bomb", "", []string{file("bomb200k.yaml", aliasBomb(3000))}, ":2645: manifests[59].platform.features[2637]: its aliases"},
		{"member merges itself", "", []string{file("merge.yaml", "image: reg.invalid/app:1\nmanifests:\n  - &m {image: reg.invalid/app:1, <<: *m}\n")}, ":3: manifests[0]: merge key refers to itself"},
		{"platform merges itself", "", []string{file("merge2.yaml", "image: reg.invalid/app:1\nmanifests:\n  - image: reg.invalid/app:1\n    platform: &p {os: linux, architecture: amd64, <<: *p}\n")},
			":4: manifests[0].platform: merge key refers to itself"},
		{"too many members", "", []string{file("members.yaml", "image: reg.invalid/app:1\nmanifests:\n"+strings.Repeat(member, 10001))},
			":20003: manifests[10000]: more than 10000 members in one spec (--max-members raises the limit)"},
		{"too large", "", []string{file("large.yaml", "image: reg.invalid/app:1\nmanifests:\n"+strings.Repeat(member, 60000))}, ": the spec is larger than 4MiB (--max-spec-size raises the limit)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mtMeasured(t, nil, tc.stdin, append([]string{"push", "--dry-run", "from-spec"}, tc.args...)...)
			name := "stdin"
			if tc.args[0] != "-" {
				name = tc.args[0]
			}
			lines := errorLines(res.stderr)
			if res.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "error: "+name+tc.want) {
				t.Errorf("exit %d, error lines %q, want one: error: %s%s…", res.code, lines, name, tc.want)
			}
			t.Logf("%s: %.0f MiB at most, %s", tc.name, float64(res.maxRSS)/1024, res.elapsed.Round(1e6))
			if res.maxRSS > 300<<10 {
				t.Errorf("it held %d MiB", res.maxRSS>>10)
			}
		})
	}
}

// 10,000 problems are all reported, a line each, exit 2, and the run's
// time and memory are logged (make bench measures speed, not this test).
func TestManyProblems(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("image: reg.invalid/app:1\nmanifests:\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "  - image: reg.invalid/app:1-%d\n    annotations: {a: b}\n", i)
	}
	p := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res := mtMeasured(t, nil, "", "push", "--dry-run", "from-spec", p)
	lines := errorLines(res.stderr)
	if res.code != 2 || len(lines) != 10000 || !strings.HasSuffix(lines[9999], "manifests[9999].annotations: a Docker manifest list cannot carry annotations; use --type oci") {
		t.Errorf("exit %d, %d error lines, the last %q", res.code, len(lines), lines[len(lines)-1])
	}
	t.Logf("10,000 problems: %.0f MiB at most, %s", float64(res.maxRSS)/1024, res.elapsed.Round(1e6))
}

// --timeout holds while a large spec is read and checked, not only while
// registries are asked: the run stops between members, says so, and
// writes nothing (spec.TestLoadCancelled holds the loader to it).
func TestTimeoutWhileLoading(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("image: reg.invalid/app:1\nmanifests:\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "  - image: reg.invalid/app:1-%d\n    platform: {os: linux, architecture: amd64, variant: v%d, features: [a, b, c, d]}\n", i, i)
	}
	p := filepath.Join(t.TempDir(), "large.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	res := mt(t, "--timeout", "1ms", "--allow-unknown-platform", "push", "--dry-run", "from-spec", p)
	want := []string{"error: timed out (--timeout 1ms); run the same command again to finish", "error: nothing was written"}
	if lines := errorLines(res.stderr); res.code != 1 || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("exit %d, error lines %q, want %q", res.code, lines, want)
	}
}

// A spec of 80 members, each a distinct image of a registry whose
// manifests are 4 MB (26,000 layers), under the manifest limit: push
// resolves them without holding every member's manifest for the copy, so
// that its memory is what the reads in flight take (--concurrency of
// them), not the members times the manifest limit (it grew with the
// members before: 730 MiB for 40 of them; 40 GB for a spec of 10,000). A dry run (the index is made, and
// nothing is copied) ends, exit 0. The memory and time measured are
// logged and held.
func TestSpecOfLargeMembers(t *testing.T) {
	t.Parallel()
	const members = 80
	h := layeredImages(t, members, 26_000)
	var ix struct{ Manifests []struct{ Digest string } }
	if err := json.Unmarshal([]byte(mt(t, "--plain-http", "inspect", "--raw", h.Host+"/app:1").okOut(t)), &ix); err != nil || len(ix.Manifests) != members {
		t.Fatalf("the index of %d images: %v", members, err)
	}
	var spec strings.Builder
	fmt.Fprintf(&spec, "image: %s/out:1\nmanifests:\n", h.Host)
	for i, m := range ix.Manifests {
		fmt.Fprintf(&spec, "  - image: %s/app@%s\n    platform: {os: linux, architecture: arch%d}\n", h.Host, m.Digest, i)
	}
	res := mtMeasured(t, nil, "", "--plain-http", "--timeout", "2m", "push", "--dry-run", "--allow-unknown-platform", "from-spec", writeFile(t, "release.yaml", spec.String()))
	t.Logf("measured: a spec of %d members of 4 MB manifests, push --dry-run: exit %d, max RSS %d KiB (%.1f MiB), %s", members, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
	if res.code != 0 {
		t.Errorf("exit %d, want 0:\n%.2000s", res.code, res.stderr)
	}
	// the reads in flight: 16 manifests of 4 MB, parsed
	if res.maxRSS > 400<<10 {
		t.Errorf("max RSS %d KiB, over 400 MiB", res.maxRSS)
	}
}
