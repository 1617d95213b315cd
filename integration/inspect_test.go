package integration

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares out, with the registry's address written REGISTRY,
// against testdata/name.
func golden(t *testing.T, r *regtest.Registry, name, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if len(line) > 80 && !strings.HasSuffix(name, ".json") {
			t.Errorf("%s: line over 80 columns: %q", name, line)
		}
	}
	got := strings.ReplaceAll(out, r.Host, "REGISTRY")
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// inspectRegistry pushes known images and indexes, the same every run.
func inspectRegistry(t *testing.T) *regtest.Registry {
	t.Helper()
	r := regtest.New(t)
	amd := regtest.NewFixedImage(linuxAMD64, true, "amd64")
	win := regtest.NewFixedImage(windows, false, "windows")
	bx := regtest.NewFixedBuildxIndex(linuxARM64, "arm64")
	for tag, img := range map[string]regtest.Image{"1.0-linux-amd64": amd, "1.0-windows": win} {
		if err := r.PushImage("inspect/app", tag, img); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PushBuildx("inspect/app", "1.0-linux-arm64", bx); err != nil {
		t.Fatal(err)
	}
	specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/inspect/app:1.0
type: oci
annotations:
  org.opencontainers.image.source: https://example.com/inspect/app
  org.opencontainers.image.description: An image with a description long enough to need a line of its own in 80 columns
manifests:
  - image: %[1]s/inspect/app:1.0-linux-amd64
    annotations: {org.opencontainers.image.title: amd64}
  - image: %[1]s/inspect/app:1.0-linux-arm64
  - image: %[1]s/inspect/app:1.0-windows
`, r.Host))
	mt(t, "--plain-http", "push", "from-spec", specFile).ok(t)
	// a Docker list, and an index holding it (a nested index)
	list := regtest.NewIndex(true, entry(amd, &linuxAMD64))
	if err := r.PutManifest("inspect/app", "docker-list", list.MediaType, list.Data); err != nil {
		t.Fatal(err)
	}
	nested := regtest.NewIndex(false, list.Descriptor, entry(win, &windows))
	if err := r.PutManifest("inspect/app", "nested", nested.MediaType, nested.Data); err != nil {
		t.Fatal(err)
	}
	// an artifact (a signature, say) whose subject is the amd64 image
	art, blobs := regtest.NewArtifact("application/vnd.example.signature.v1+json", amd.Manifest.Descriptor, []byte("signed"))
	for _, b := range blobs {
		if err := r.PushBlob("inspect/app", b.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PutManifest("inspect/app", "signature", art.MediaType, art.Data); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestInspect(t *testing.T) {
	t.Parallel()
	r := inspectRegistry(t)
	ref := r.Host + "/inspect/app:"
	for _, tc := range []struct{ golden, tag string }{
		{"inspect-index", "1.0"},
		{"inspect-image", "1.0-linux-amd64"},
		{"inspect-windows", "1.0-windows"},
		{"inspect-nested", "nested"},
		{"inspect-artifact", "signature"},
		{"inspect-by-digest", "1.0-windows@" + regtest.NewFixedImage(windows, false, "windows").Manifest.Digest},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			golden(t, r, tc.golden+".txt", mt(t, "--plain-http", "inspect", ref+tc.tag).okOut(t))
			out := mt(t, "inspect", ref+tc.tag, "--output", "json", "--plain-http").okOut(t)
			golden(t, r, tc.golden+".json", out)
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
		})
	}
	// --raw writes the registry's bytes, unchanged (after the argument, too)
	for _, tag := range []string{"1.0", "1.0-linux-amd64", "docker-list"} {
		raw := mt(t, "--plain-http", "inspect", ref+tag, "--raw").okOut(t)
		m, err := r.GetManifest("inspect/app", tag)
		if err != nil {
			t.Fatal(err)
		}
		if raw != string(m.Body) || regtest.Digest([]byte(raw)) != m.Digest {
			t.Errorf("--raw %s: %d bytes hashing to %s; the registry serves %d bytes, %s", tag, len(raw), regtest.Digest([]byte(raw)), len(m.Body), m.Digest)
		}
	}
}

func TestPlatforms(t *testing.T) {
	t.Parallel()
	r := inspectRegistry(t)
	ref := r.Host + "/inspect/app:"
	golden(t, r, "platforms-index.txt", mt(t, "--plain-http", "platforms", ref+"1.0").okOut(t))
	golden(t, r, "platforms-index.json", mt(t, "--plain-http", "platforms", "-o", "json", ref+"1.0").okOut(t))
	golden(t, r, "platforms-image.txt", mt(t, "--plain-http", "platforms", ref+"1.0-linux-amd64").okOut(t))
	golden(t, r, "platforms-nested.json", mt(t, "--plain-http", "platforms", "--output", "json", ref+"nested").okOut(t))

	// --require: met (aliases and variants as the contract says), then not
	mt(t, "--plain-http", "platforms", ref+"1.0", "--require", "linux/amd64,linux/aarch64,linux/arm64/v8,windows/amd64,windows/amd64:10.0.20348").ok0(t)
	res := mt(t, "--plain-http", "platforms", "--require", "linux/amd64,linux/s390x", "--require", "windows/arm64", ref+"1.0")
	res.fails(t, 3, "error: "+ref+"1.0 lacks linux/s390x, windows/arm64")
	if !strings.Contains(res.stdout, "Platforms (3):") {
		t.Errorf("the summary is not printed before the check: %q", res.stdout)
	}
	mt(t, "--plain-http", "platforms", "--require", "linux/arm/v7", ref+"1.0-linux-amd64").fails(t, 3, "error: "+ref+"1.0-linux-amd64 lacks linux/arm/v7")
	mt(t, "--plain-http", "platforms", "--require", "linux", ref+"1.0").fails(t, 2, `error: --require "linux": "linux" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`)
}

func TestInspectFailures(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	for _, cmd := range []string{"inspect", "platforms"} {
		mt(t, "--plain-http", cmd, r.Host+"/nothing/here:1").fails(t, 1, "error: reading "+r.Host+"/nothing/here:1: not found (MANIFEST_UNKNOWN: manifest unknown)")
		mt(t, cmd, "Bad/Ref").fails(t, 2, `error: invalid reference "Bad/Ref", repo must be lowercase`)
		mt(t, cmd).fails(t, 2, fmt.Sprintf("error: %s needs exactly one IMAGE, got 0 arguments", cmd))
		mt(t, cmd, "--output", "yaml", "a/b").fails(t, 2, `error: --output "yaml": want text or json`)
	}
	auth := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	seed(t, auth, "private/app", "1", false, linuxAMD64)
	mt(t, "--insecure", "inspect", auth.Host+"/private/app:1-linux-amd64").fails(t, 1,
		"error: reading "+auth.Host+"/private/app:1-linux-amd64: unauthorized: "+auth.Host+" requires credentials and none were found (run docker login "+auth.Host+", or pass --username with --password-stdin)")
	mt(t, "--insecure", "--username", authUser, "--password", authPass, "platforms", auth.Host+"/private/app:1-linux-amd64").ok0(t)
}

// inspect and platforms read OCI layouts on disk.
func TestInspectLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	amd := regtest.NewFixedImage(linuxAMD64, false, "amd64")
	arm := regtest.NewFixedImage(linuxARM64, false, "arm64")
	idx := regtest.NewIndex(false, entry(amd, &linuxAMD64), entry(arm, &linuxARM64))
	if err := regtest.WriteLayout(dir, "1.0", idx, append(amd.Blobs(), arm.Blobs()...)...); err != nil {
		t.Fatal(err)
	}
	out := mt(t, "platforms", "ocidir://"+dir+":1.0").okOut(t)
	if want := "Platforms (2):\n  linux/amd64\n  linux/arm64/v8\n"; !strings.Contains(out, want) {
		t.Errorf("platforms of the layout:\n%s", out)
	}
	out = mt(t, "inspect", "ocidir://"+dir+":1.0").okOut(t)
	if !strings.Contains(out, "Digest: "+idx.Digest) || !strings.Contains(out, arm.Layers[0].Digest) {
		t.Errorf("inspect of the layout:\n%s", out)
	}
}

// The entries of an index are read side by side; one that cannot be read
// is shown as such, the rest still are, and the run says so and exits 1.
func TestInspectEntries(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	amd := regtest.NewFixedImage(linuxAMD64, false, "amd64")
	arm := regtest.NewFixedImage(linuxARM64, false, "arm64")
	for tag, img := range map[string]regtest.Image{"amd": amd, "arm": arm} {
		if err := r.PushImage("entries/app", tag, img); err != nil {
			t.Fatal(err)
		}
	}
	idx := regtest.NewIndex(false, entry(amd, &linuxAMD64), entry(arm, &linuxARM64))
	if err := r.PutManifest("entries/app", "1", idx.MediaType, idx.Data); err != nil {
		t.Fatal(err)
	}
	met := r.Barrier("GET /v2/entries/app/manifests/"+amd.Manifest.Digest, "GET /v2/entries/app/manifests/"+arm.Manifest.Digest)
	mt(t, "--plain-http", "inspect", r.Host+"/entries/app:1").okOut(t)
	if !met() {
		t.Error("the entries were not read at the same time")
	}

	if err := r.DeleteManifest("entries/app", arm.Manifest.Digest); err != nil {
		t.Fatal(err)
	}
	res := mt(t, "--plain-http", "inspect", r.Host+"/entries/app:1")
	res.fails(t, 1, "error: "+r.Host+"/entries/app:1: an entry could not be read: "+arm.Manifest.Digest+": not found (MANIFEST_UNKNOWN: manifest unknown)")
	if !strings.Contains(res.stdout, "[2] linux/arm64/v8\n") || !strings.Contains(res.stdout, "    Not read: not found (MANIFEST_UNKNOWN: manifest unknown)\n") || !strings.Contains(res.stdout, amd.Layers[0].Digest) {
		t.Errorf("partial view:\n%s", res.stdout)
	}
	// platforms needs only the index
	mt(t, "--plain-http", "platforms", "--require", "linux/arm64", r.Host+"/entries/app:1").ok0(t)
	mt(t, "--plain-http", "platforms", "--require", "", r.Host+"/entries/app:1").fails(t, 2, "error: --require: no platform given (e.g. --require linux/amd64,linux/arm64)")
	mt(t, "--plain-http", "inspect", "--raw", "-o", "json", r.Host+"/entries/app:1").fails(t, 2, "error: --raw writes the registry's bytes; it cannot be combined with --output json")
}
