package integration

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// mtUmask runs the binary under umask 022 (as a shell would) and returns
// its exit code and stderr.
func mtUmask(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `umask 022; exec "$0" "$@"`, binary}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
	var errb strings.Builder
	cmd.Stderr = &errb
	err := cmd.Run()
	t.Logf("$ (umask 022) manifest-tool %s\n%s", strings.Join(args, " "), errb.String())
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, errb.String()
}

// An ocidir:// path is the path the user gave: ".." in it resolves as the
// system resolves it, and the layout is written there, its files with the
// mode the umask gives (0644 under 022), not 0600, so that another user
// can read it. A layout whose blobs directory is a symbolic link is not
// written through it.
func TestLayoutPaths(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	img := seed(t, r, "app", "1", false, linuxAMD64)["1-linux-amd64"]
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	member := r.Host + "/app@" + img.Manifest.Digest
	code, _ := mtUmask(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", member, "--target", "ocidir://"+root+"/a/../out:1")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var files int
	_ = filepath.WalkDir(filepath.Join(root, "out"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		if fi, _ := d.Info(); fi.Mode().Perm() != 0o644 {
			t.Errorf("%s is %v, want 0644 under umask 022", p, fi.Mode().Perm())
		}
		return nil
	})
	if files < 5 { // oci-layout, index.json, the index, the image's manifest, config and layer
		t.Errorf("%d files in the layout", files)
	}
	if _, err := os.Stat(filepath.Join(root, "a", "out")); err == nil {
		t.Error("the layout was written under a/, not where a/../out names")
	}

	// blobs as a symbolic link to elsewhere: refused, and nothing is written there
	elsewhere, layout := t.TempDir(), filepath.Join(root, "linked")
	if err := os.MkdirAll(layout, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(layout, "blobs")); err != nil {
		t.Fatal(err)
	}
	res := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", member, "--target", "ocidir://"+layout+":1")
	want := "error: the layout " + layout + ": blobs is a symbolic link (to " + elsewhere + "), through which its blobs would be written elsewhere; make it a directory"
	if lines := errorLines(res.stderr); res.code != 2 || len(lines) != 1 || !strings.HasSuffix(lines[0], strings.TrimPrefix(want, "error: ")) {
		t.Errorf("exit %d, error lines %q, want %q", res.code, lines, want)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		t.Errorf("written through the link: %v", entries)
	}
}

// A layout whose index.json names a manifest by a digest that is a path
// ("sha256:../../…") is refused as it is read, naming the digest; no file
// outside the layout is read as that manifest.
func TestLayoutHostileIndex(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := filepath.Join(root, "secret")
	if err := os.WriteFile(outside, []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(root, "layout")
	if err := os.MkdirAll(filepath.Join(layout, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": regtest.OCIIndex, "manifests": []map[string]any{{
		"mediaType": regtest.OCIManifest, "digest": "sha256:../../secret", "size": 80, "annotations": map[string]string{"org.opencontainers.image.ref.name": "1"}}}})
	_ = os.WriteFile(filepath.Join(layout, "index.json"), idx, 0o644)
	_ = os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	res := mt(t, "inspect", "ocidir://"+layout+":1")
	lines := errorLines(res.stderr)
	if res.code == 0 || len(lines) != 1 || !strings.Contains(lines[0], "sha256:../../secret") {
		t.Errorf("exit %d, error lines %q", res.code, lines)
	}
	if strings.Contains(res.stdout, "schemaVersion") {
		t.Errorf("the file outside the layout was read as the manifest:\n%s", res.stdout)
	}
}
