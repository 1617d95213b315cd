package integration

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A binary built with plain go build (no -ldflags) says what it is: the
// module version and the commit the Go toolchain recorded in it, which
// `go version -m` reads back independently; in a git clone, that commit is
// the checkout's HEAD.
func TestVersionOfPlainBuild(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "manifest-tool")
	build := exec.Command("go", "build", "-o", bin, "./cmd/manifest-tool")
	build.Dir = ".."
	// the toolchain's defaults, as on a user's machine (-buildvcs=auto)
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if out, err := build.CombinedOutput(); err != nil && bytes.Contains(out, []byte("error obtaining VCS status")) {
		// a clone git refuses to read here (another owner): build as
		// without one, which must still say what it knows
		t.Logf("go build cannot read the clone: %s", out)
		build = exec.Command("go", "build", "-buildvcs=false", "-o", bin, "./cmd/manifest-tool")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	} else if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	version, rev, modified := "", "", ""
	sc := bufio.NewScanner(bytes.NewReader(info))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/manifest-tool/manifest-tool":
			version = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.modified="):
			modified = strings.TrimPrefix(f[1], "vcs.modified=")
		}
	}
	wantVersion, wantCommit := version, rev
	if version == "" || version == "(devel)" {
		wantVersion = "dev"
	}
	if modified == "true" {
		wantCommit += ", modified"
	}
	if rev == "" {
		wantCommit = "unknown"
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "manifest-tool version " + wantVersion + " (commit: " + wantCommit + ")\n"; string(out) != want {
		t.Errorf("--version says %q, the build info %q", out, want)
	}
	head, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if err != nil || rev == "" {
		t.Logf("not a git clone (%v): no commit to compare", err)
		return
	}
	if strings.TrimSpace(string(head)) != rev {
		t.Errorf("vcs.revision %q, HEAD %q", rev, head)
	}
	if wantVersion == "dev" {
		t.Errorf("in a git clone, go build records a version (%q)", version)
	}
}
