package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// An OCI layout whose files were altered after they were written: the
// error names the layout, whose bytes do not match their digest, not a
// host "or something between".
func TestLayoutAltered(t *testing.T) {
	t.Parallel()
	img := regtest.NewFixedImage(linuxAMD64, false, "altered")
	layout := func(t *testing.T, altered regtest.Blob) string {
		dir := t.TempDir()
		if err := regtest.WriteLayout(dir, "1", img.Manifest, img.Blobs()[1:]...); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(altered.Digest, "sha256:"))
		data := append([]byte{}, altered.Data...)
		data[len(data)-2] ^= 1 // same size, other bytes
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("the manifest", func(t *testing.T) {
		t.Parallel()
		dir := layout(t, img.Manifest)
		res := mt(t, "platforms", "ocidir://"+dir+":1")
		if res.code != 1 || len(errorLines(res.stderr)) != 1 {
			t.Fatalf("exit %d, want 1 and one error line", res.code)
		}
		line := errorLines(res.stderr)[0]
		want := "error: reading ocidir://" + dir + ":1: the layout at " + dir + " holds bytes that do not match their digest (" + img.Manifest.Digest + " expected, sha256:"
		if !strings.HasPrefix(line, want) || strings.Contains(line, "something between") {
			t.Errorf("error line\n got: %s\nwant: %s…", line, want)
		}
	})
	t.Run("a layer copied to a registry", func(t *testing.T) {
		t.Parallel()
		r := regtest.New(t)
		dir := layout(t, img.Layers[0])
		res := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64",
			"--template", "ocidir://"+dir+":1", "--target", r.Host+"/altered/app:1")
		if res.code != 1 || len(errorLines(res.stderr)) != 1 {
			t.Fatalf("exit %d, want 1 and one error line", res.code)
		}
		line := errorLines(res.stderr)[0]
		if !strings.Contains(line, "the layout at "+dir+" holds bytes that do not match their digest") || strings.Contains(line, "something between") {
			t.Errorf("error line: %s", line)
		}
	})
}
