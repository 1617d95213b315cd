package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// pushJSON is push --output json, one object per document.
type pushJSON struct {
	Target, Digest, MediaType string
	Size                      int
	DryRun                    bool
	Tags                      []struct{ Tag, Status, Previous string }
	Manifests                 []struct{ Image, Digest, MediaType, Platform, How, Error string }
	Errors                    []string
}

func pushResults(t *testing.T, stdout string) []pushJSON {
	t.Helper()
	var out []pushJSON
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var p pushJSON
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatalf("not one JSON object per line: %v\n%s", err, stdout)
		}
		out = append(out, p)
	}
	return out
}

func tagStatuses(p pushJSON) string {
	var s []string
	for _, t := range p.Tags {
		prev := t.Previous
		if prev == p.Digest {
			prev = "same"
		} else if prev != "" {
			prev = "other"
		}
		s = append(s, t.Tag+"="+t.Status+"/"+prev)
	}
	return strings.Join(s, " ")
}

func hows(p pushJSON) string {
	var s []string
	for _, m := range p.Manifests {
		s = append(s, m.How)
	}
	return strings.Join(s, " ")
}

// Members in other registries (one with TLS and basic auth) are copied
// into the target repository with their digests unchanged; a re-run only
// reads; every tag and member says what happened to it.
func TestMembersFromOtherRegistries(t *testing.T) {
	t.Parallel()
	a := regtest.New(t)
	b := regtest.New(t)
	c := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	amd := seed(t, a, "build/amd64", "1", false, linuxAMD64)["1-linux-amd64"]
	arm := seed(t, c, "build/arm64", "1", true, linuxARM64)["1-linux-arm64v8"]
	bx := regtest.NewBuildxIndex(linuxS390x)
	if err := a.PushBuildx("build/s390x", "1", bx); err != nil {
		t.Fatal(err)
	}
	same := seed(t, b, "staging/app", "1", false, windows)["1-windows-amd64"] // same registry as the target
	cfg := dockerConfig(t, c.Host, authUser, authPass)
	spec := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[2]s/release/app:1.0
type: oci
tags: [latest, "1"]
manifests:
  - image: %[1]s/build/amd64:1-linux-amd64
  - image: %[3]s/build/arm64:1-linux-arm64v8
  - image: %[1]s/build/s390x:1
  - image: %[2]s/staging/app:1-windows-amd64
`, a.Host, b.Host, c.Host))
	args := []string{"--plain-http-registry", a.Host, "--plain-http-registry", b.Host, "--ca-file", caFile(t, c), "--docker-cfg", cfg,
		"push", "from-spec", spec, "--output", "json"}
	res := mt(t, args...)
	res.ok0(t)
	p := pushResults(t, res.stdout)[0]
	if got := tagStatuses(p); got != "1.0=created/ latest=created/ 1=created/" {
		t.Errorf("tags %s", got)
	}
	if got := hows(p); got != "copied copied copied mounted copied" {
		t.Errorf("members %s", got)
	}
	if p.Target != b.Host+"/release/app:1.0" || p.MediaType != regtest.OCIIndex || p.Manifests[0].Image != a.Host+"/build/amd64:1-linux-amd64" || p.Manifests[0].Platform != "linux/amd64" {
		t.Errorf("result %+v", p)
	}
	checkIndex(t, b, "release/app", "1.0", regtest.OCIIndex, p.Digest, p.Size, []regtest.Descriptor{
		entry(amd, &linuxAMD64), entry(arm, &linuxARM64), entry(bx.Image, &linuxS390x), entry(same, &windows),
		func() regtest.Descriptor {
			d := bx.Attestation.Manifest.Descriptor
			d.Platform = &regtest.Platform{OS: "unknown", Architecture: "unknown"}
			d.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": bx.Image.Manifest.Digest}
			return d
		}(),
	})
	for _, img := range []regtest.Image{amd, arm, bx.Image, bx.Attestation, same} {
		m, err := b.GetManifest("release/app", img.Manifest.Digest)
		if err != nil || m.Digest != img.Manifest.Digest {
			t.Errorf("%s not in the target repository with its digest: %v", img.Manifest.Digest, err)
		}
		for _, blob := range append(img.Layers, img.Config) {
			if ok, _ := b.HasBlob("release/app", blob.Digest); !ok {
				t.Errorf("blob %s not copied", blob.Digest)
			}
		}
	}
	// a line per member, none per blob (--debug's)
	memberLine := regexp.MustCompile(`(?m)^(copied|mounted) \S+@sha256:[0-9a-f]{64} into ` + regexp.QuoteMeta(b.Host) + `/release/app \(\d+ blobs, .+, .+ copied\)$`)
	if n := len(memberLine.FindAllString(res.stderr, -1)); n != 5 || strings.Contains(res.stderr, " blob sha256:") {
		t.Errorf("%d member lines, want 5 and no blob lines, on stderr:\n%s", n, res.stderr)
	}

	// a re-run only reads, and says so
	b.Requests()
	again := mt(t, args...)
	again.ok0(t)
	p2 := pushResults(t, again.stdout)[0]
	if got := tagStatuses(p2); got != "1.0=unchanged/same latest=unchanged/same 1=unchanged/same" || p2.Digest != p.Digest {
		t.Errorf("re-run tags %s", got)
	}
	if got := hows(p2); got != "present present present present present" {
		t.Errorf("re-run members %s", got)
	}
	if w := regtest.Writes(b.Requests()); len(w) > 0 {
		t.Errorf("a re-run wrote %v", w)
	}
}

// A tag that cannot be written: the result says which tags moved and which
// did not, and the next run completes the rest.
func TestPartialFailureCompletes(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "partial/app", "1", false, linuxAMD64, linuxARM64)
	var refuse atomic.Bool
	refuse.Store(true)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if refuse.Load() && req.Method == "PUT" && strings.HasSuffix(req.URL.Path, "/manifests/latest") {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"tag is protected"}]}`, http.StatusForbidden)
			return true
		}
		return false
	})
	args := []string{"--plain-http", "push", "--output", "json", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
		"--template", host + "/partial/app:1-OS-ARCHVARIANT", "--target", host + "/partial/app:1.0", "--tags", "latest,1"}
	res := mt(t, args...)
	if res.code != 1 || !strings.Contains(res.stderr, "error: pushing the index to "+host+"/partial/app:latest: ") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	p := pushResults(t, res.stdout)[0]
	if got := tagStatuses(p); got != "1.0=created/ latest=failed/ 1=created/" {
		t.Errorf("tags %s", got)
	}
	refuse.Store(false)
	again := mt(t, args...)
	again.ok0(t)
	p2 := pushResults(t, again.stdout)[0]
	if got := tagStatuses(p2); got != "1.0=unchanged/same latest=created/ 1=unchanged/same" || p2.Digest != p.Digest {
		t.Errorf("second run tags %s", got)
	}
}

// A member or target that cannot be reached fails before anything is
// written.
func TestFailBeforeWriting(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	auth := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	seed(t, r, "first/app", "1", false, linuxAMD64)
	down := freeAddr(t)
	r.Requests()
	spec := writeFile(t, "s.yaml", fmt.Sprintf(`image: %[1]s/first/app:1
manifests:
  - image: %[1]s/first/app:1-linux-amd64
  - image: %[2]s/gone/app:1
`, r.Host, down))
	mt(t, "--plain-http", "push", "from-spec", spec).fails(t, 1, fmt.Sprintf("error: %s:4: manifests[1]: resolving %[2]s/gone/app:1: connection refused by %[2]s (is the registry running, and is the address right?)", spec, down))
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("writes before failing: %v", w)
	}
	// the target refuses the credentials: nothing is copied into it
	auth.Requests()
	mt(t, "--plain-http-registry", r.Host, "--ca-file", caFile(t, auth), "--username", authUser, "--password", "wrong",
		"push", "from-args", "--platforms", "linux/amd64", "--template", r.Host+"/first/app:1-OS-ARCH", "--target", auth.Host+"/target/app:1").fails(t, 1,
		"error: reading the tag "+auth.Host+"/target/app:1: unauthorized as user \"alice\" (check --docker-cfg or docker login "+auth.Host+", --username, and access to the repository)")
	if w := regtest.Writes(auth.Requests()); len(w) > 0 {
		t.Errorf("writes into a target that refused the credentials: %v", w)
	}
}

// ocidir:// works for members and for the target: compose from layouts on
// disk and publish later, or publish a registry's images into a layout.
func TestOCILayouts(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	dir := t.TempDir()
	amd := regtest.NewFixedImage(linuxAMD64, false, "layout-amd64")
	arm := regtest.NewFixedImage(linuxARM64, false, "layout-arm64")
	for name, img := range map[string]regtest.Image{"amd64": amd, "arm64": arm} {
		if err := regtest.WriteLayout(filepath.Join(dir, name), "1", img.Manifest, img.Blobs()[1:]...); err != nil {
			t.Fatal(err)
		}
	}
	// layout -> registry
	digest, size := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
		"--template", "ocidir://"+dir+"/ARCH:1", "--target", r.Host+"/fromdisk/app:1").ok(t)
	checkIndex(t, r, "fromdisk/app", "1", regtest.OCIIndex, digest, size, []regtest.Descriptor{entry(amd, &linuxAMD64), entry(arm, &linuxARM64)})

	// registry -> layout, then read back from disk
	out := filepath.Join(t.TempDir(), "release")
	res := mt(t, "--plain-http", "push", "--type", "oci", "--output", "json", "from-spec", writeFile(t, "disk.yaml", fmt.Sprintf(`image: ocidir://%[2]s:1.0
tags: [latest]
manifests:
  - image: %[1]s/fromdisk/app@%[3]s
  - image: %[1]s/fromdisk/app@%[4]s
`, r.Host, out, amd.Manifest.Digest, arm.Manifest.Digest)))
	res.ok0(t)
	p := pushResults(t, res.stdout)[0]
	if p.Digest != digest || tagStatuses(p) != "1.0=created/ latest=created/" || hows(p) != "copied copied" {
		t.Errorf("result %+v", p)
	}
	idx, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var layout struct {
		Manifests []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	_ = json.Unmarshal(idx, &layout)
	var tags []string
	for _, m := range layout.Manifests {
		if m.Digest == digest {
			tags = append(tags, m.Annotations["org.opencontainers.image.ref.name"])
		}
	}
	if !reflect.DeepEqual(tags, []string{"1.0", "latest"}) && !reflect.DeepEqual(tags, []string{"latest", "1.0"}) {
		t.Errorf("layout tags for the index: %v\n%s", tags, idx)
	}
	for _, img := range []regtest.Image{amd, arm} {
		for _, b := range img.Blobs() {
			if _, err := os.Stat(filepath.Join(out, "blobs", "sha256", strings.TrimPrefix(b.Digest, "sha256:"))); err != nil {
				t.Errorf("blob %s not in the layout", b.Digest)
			}
		}
	}
	mt(t, "platforms", "--require", "linux/amd64,linux/arm64", "ocidir://"+out+":latest").ok0(t)
}
