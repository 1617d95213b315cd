package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// --dry-run prints the exact bytes that would be pushed and their digest,
// and not one write request reaches the registry.
func TestDryRun(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "dry/app", "1", false, linuxAMD64, linuxARM64)
	other := seed(t, r, "dry/other", "1", false, linuxS390x) // would need copying
	specFile := writeFile(t, "dry.yaml", fmt.Sprintf(`image: %[1]s/dry/app:1
tags: [latest]
manifests:
  - image: %[1]s/dry/app:1-linux-amd64
  - image: %[1]s/dry/app:1-linux-arm64v8
  - image: %[1]s/dry/other:1-linux-s390x
`, r.Host))
	runs := map[string][]string{
		"from-spec": {"--plain-http", "push", "--type", "oci", "from-spec", specFile, "--dry-run"},
		"from-args": {"--plain-http", "push", "--dry-run", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
			"--template", r.Host + "/dry/app:1-OS-ARCHVARIANT", "--target", r.Host + "/dry/app:1"},
	}
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			r.Requests()
			res := mt(t, args...)
			digest, size := res.ok(t)
			body, _, _ := strings.Cut(res.stdout, "\nDigest: ")
			if regtest.Digest([]byte(body)) != digest || len(body) != size {
				t.Errorf("printed bytes hash to %s (%d bytes), printed digest %s %d", regtest.Digest([]byte(body)), len(body), digest, size)
			}
			var idx regtest.Index
			if err := json.Unmarshal([]byte(body), &idx); err != nil {
				t.Fatal(err)
			}
			if idx.MediaType != regtest.OCIIndex || idx.Manifests[0].Digest != imgs["1-linux-amd64"].Manifest.Digest {
				t.Errorf("index %+v", idx)
			}
			if name == "from-spec" && idx.Manifests[2].Digest != other["1-linux-s390x"].Manifest.Digest {
				t.Errorf("index %+v", idx)
			}
			reqs := r.Requests()
			if w := regtest.Writes(reqs); len(w) > 0 || len(reqs) == 0 {
				t.Errorf("requests %v, of which writes %v", reqs, w)
			}
			if _, err := r.GetManifest("dry/app", "1"); err == nil {
				t.Error("the target tag exists after a dry run")
			}
		})
	}
}

// Platform aliases are written normalised, and the log says so.
func TestNormalisedPlatforms(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "norm/app", "1", false, linuxAMD64, linuxARM64, linuxARMv7)
	specFile := writeFile(t, "norm.yaml", fmt.Sprintf(`image: %[1]s/norm/app:1
manifests:
  - image: %[1]s/norm/app:1-linux-amd64
    platform: {os: linux, architecture: x86_64}
  - image: %[1]s/norm/app:1-linux-arm64v8
    platform:
      os: linux
      architecture: aarch64
  - image: %[1]s/norm/app:1-linux-armv7
    platform:
      os: linux
      architecture: armhf
`, r.Host))
	res := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile)
	digest, size := res.ok(t)
	checkIndex(t, r, "norm/app", "1", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		entry(imgs["1-linux-amd64"], &linuxAMD64), entry(imgs["1-linux-arm64v8"], &linuxARM64), entry(imgs["1-linux-armv7"], &linuxARMv7),
	})
	for _, want := range []string{
		specFile + `:4: manifests[0].platform.architecture: architecture "x86_64" is written "amd64"`,
		specFile + `:8: manifests[1].platform.architecture: architecture "aarch64" is written "arm64"`,
		specFile + `:12: manifests[2].platform.architecture: architecture "armhf" is written "arm/v7"`,
	} {
		if !strings.Contains(res.stderr, want+"\n") {
			t.Errorf("stderr lacks %q", want)
		}
	}
	// aarch64 and arm64/v8 are one platform
	dup := writeFile(t, "dup.yaml", fmt.Sprintf(`image: %[1]s/norm/app:dup
manifests:
  - image: %[1]s/norm/app:1-linux-arm64v8
    platform: {os: linux, architecture: aarch64}
  - image: %[1]s/norm/app:1-linux-amd64
    platform: {os: linux, architecture: arm64, variant: v8}
`, r.Host))
	mt(t, "--plain-http", "push", "from-spec", dup).fails(t, 2, fmt.Sprintf(
		"error: %[1]s:5: manifests[1]: %[2]s/norm/app:1-linux-amd64 (%[3]s): platform linux/arm64/v8 is already provided by %[1]s:3: manifests[0]: %[2]s/norm/app:1-linux-arm64v8 (%[4]s) (architecture \"aarch64\" is written \"arm64\")",
		dup, r.Host, imgs["1-linux-amd64"].Manifest.Digest, imgs["1-linux-arm64v8"].Manifest.Digest))
}

// Unknown platform values are refused before any request, with the nearest
// known value; --allow-unknown-platform lets them through.
func TestUnknownPlatform(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "unknown/app", "1", false, linuxAMD64)
	specFile := writeFile(t, "unknown.yaml", fmt.Sprintf(`image: %[1]s/unknown/app:1
manifests:
  - image: %[1]s/unknown/app:1-linux-amd64
    platform:
      os: linux
      architecture: amd46
`, r.Host))
	r.Requests()
	mt(t, "--plain-http", "push", "from-spec", specFile).fails(t, 2,
		fmt.Sprintf(`error: %s:6: manifests[0].platform.architecture: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`, specFile))
	mt(t, "--plain-http", "push", "from-args", "--platforms", "lnux/amd64", "--template", r.Host+"/unknown/app:1-linux-ARCH", "--target", r.Host+"/unknown/app:1").fails(t, 2,
		`error: --platforms "lnux/amd64": unknown os "lnux"; did you mean "linux"? (--allow-unknown-platform lets it through)`)
	if reqs := r.Requests(); len(reqs) > 0 {
		t.Errorf("requests before refusing: %v", reqs)
	}
	// let through on purpose: the image is amd64, so the declared value is a contradiction too
	res := mt(t, "--plain-http", "push", "--allow-unknown-platform", "--type", "oci", "from-spec", specFile)
	digest, size := res.ok(t)
	checkIndex(t, r, "unknown/app", "1", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		entry(imgs["1-linux-amd64"], &regtest.Platform{OS: "linux", Architecture: "amd46"})})
}

// A declared platform the config contradicts is a warning naming both, and
// an error under --strict; the declared value is written.
func TestContradiction(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "liar/app", "1", false, linuxAMD64)
	specFile := writeFile(t, "liar.yaml", fmt.Sprintf(`image: %[1]s/liar/app:1
manifests:
  - image: %[1]s/liar/app:1-linux-amd64
    platform: {os: linux, architecture: s390x}
`, r.Host))
	member := fmt.Sprintf("%s:3: manifests[0]: %s/liar/app:1-linux-amd64 (%s)", specFile, r.Host, imgs["1-linux-amd64"].Manifest.Digest)
	r.Requests()
	mt(t, "--plain-http", "push", "--strict", "from-spec", specFile).fails(t, 2,
		"error: "+member+": declared linux/s390x, but the image's config says linux/amd64 (--strict)")
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("writes under --strict: %v", w)
	}
	res := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile)
	digest, size := res.ok(t)
	if want := "warning: " + member + ": declared linux/s390x, but the image's config says linux/amd64; the declared platform is written (--strict refuses this)\n"; !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q", want)
	}
	checkIndex(t, r, "liar/app", "1", regtest.OCIIndex, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxS390x)})
}

// A Docker list of OCI manifests is written with a warning naming both
// media types; a document's type: overrides --type.
func TestMediaTypesAndDocumentType(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "mixed/app", "1", false, linuxAMD64)
	specFile := writeFile(t, "mixed.yaml", fmt.Sprintf(`image: %[1]s/mixed/app:docker
manifests: [{image: %[1]s/mixed/app:1-linux-amd64}]
---
image: %[1]s/mixed/app:oci
type: oci
manifests: [{image: %[1]s/mixed/app:1-linux-amd64}]
`, r.Host))
	res := mt(t, "--plain-http", "push", "from-spec", specFile)
	res.ok(t)
	want := fmt.Sprintf("warning: %s:1: image: %s/mixed/app:docker: the Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json) holds 1 OCI image manifest (application/vnd.oci.image.manifest.v1+json); some registries (Quay, Nexus) refuse lists that mix the two families; --type oci writes an OCI index instead\n", specFile, r.Host)
	if strings.Count(res.stderr, want) != 1 {
		t.Errorf("stderr lacks, once, %q", want)
	}
	lines := digestLineRE.FindAllStringSubmatch(res.stdout, -1)
	if len(lines) != 2 {
		t.Fatalf("stdout %q", res.stdout)
	}
	var s1, s2 int
	fmt.Sscan(lines[0][2], &s1)
	fmt.Sscan(lines[1][2], &s2)
	want1 := []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)}
	checkIndex(t, r, "mixed/app", "docker", regtest.DockerList, lines[0][1], s1, want1)
	checkIndex(t, r, "mixed/app", "oci", regtest.OCIIndex, lines[1][1], s2, want1)
}

// ${VAR} and ${VAR:-default} expand in spec values; an unset variable
// without a default names its line; two documents cannot write one tag.
func TestVariablesAndTagConflicts(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "vars/app", "2.0", false, linuxAMD64)
	specFile := writeFile(t, "vars.yaml", `image: ${REGISTRY}/vars/app:${VERSION:-0.0}
tags: ["${VERSION}-rc"]
type: oci
annotations:
  org.opencontainers.image.version: "${VERSION}"
  org.opencontainers.image.description: "costs $$5, $HOME stays"
manifests:
  - image: ${REGISTRY}/vars/app:${VERSION}-linux-amd64
`)
	env := []string{"REGISTRY=" + r.Host, "VERSION=2.0"}
	digest, size := mtEnv(t, env, "", "--plain-http", "push", "from-spec", specFile).ok(t)
	idx := checkIndex(t, r, "vars/app", "2.0", regtest.OCIIndex, digest, size, []regtest.Descriptor{entry(imgs["2.0-linux-amd64"], &linuxAMD64)})
	if idx.Annotations["org.opencontainers.image.version"] != "2.0" || idx.Annotations["org.opencontainers.image.description"] != "costs $5, $HOME stays" {
		t.Errorf("annotations %v", idx.Annotations)
	}
	if m, err := r.GetManifest("vars/app", "2.0-rc"); err != nil || m.Digest != digest {
		t.Errorf("tag 2.0-rc: %v %s", err, m.Digest)
	}
	mtEnv(t, []string{"REGISTRY=" + r.Host}, "", "--plain-http", "push", "from-spec", specFile).fails(t, 2,
		fmt.Sprintf("error: %s:2: tags[0]: ${VERSION} is not set (set it, or write ${VERSION:-default})", specFile))

	conflict := writeFile(t, "conflict.yaml", fmt.Sprintf(`image: %[1]s/vars/app:3
tags: [latest]
manifests: [{image: %[1]s/vars/app:2.0-linux-amd64}]
---
image: %[1]s/vars/app:latest
manifests: [{image: %[1]s/vars/app:2.0-linux-amd64}]
`, r.Host))
	r.Requests()
	mt(t, "--plain-http", "push", "from-spec", conflict).fails(t, 2,
		fmt.Sprintf("error: %[1]s:5: image: %[2]s/vars/app:latest is also written by %[1]s:2: tags[0]; a tag can point at one index", conflict, r.Host))
	if reqs := r.Requests(); len(reqs) > 0 {
		t.Errorf("requests before refusing: %v", reqs)
	}
}
