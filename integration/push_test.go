package integration

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// checkIndex reads repo:tag back from the registry and checks its media
// type, its digest against the tool's Digest line, and its entries.
func checkIndex(t *testing.T, r *regtest.Registry, repo, tag, mediaType, digest string, size int, want []regtest.Descriptor) regtest.Index {
	t.Helper()
	m, idx, err := r.GetIndex(repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != mediaType || idx.MediaType != mediaType {
		t.Errorf("%s:%s media type %q (body %q), want %q", repo, tag, m.MediaType, idx.MediaType, mediaType)
	}
	if got := regtest.Digest(m.Body); got != digest || m.Digest != digest || len(m.Body) != size {
		t.Errorf("%s:%s is %s (header %s, %d bytes), tool printed %s %d", repo, tag, got, m.Digest, len(m.Body), digest, size)
	}
	if !reflect.DeepEqual(idx.Manifests, want) {
		t.Errorf("%s:%s entries\n got %s\nwant %s", repo, tag, js(idx.Manifests), js(want))
	}
	return idx
}

func js(v any) string { return fmt.Sprintf("%+v", v) }

// entry is the descriptor we expect for img in an index.
func entry(img regtest.Image, p *regtest.Platform) regtest.Descriptor {
	d := img.Manifest.Descriptor
	d.Platform = p
	return d
}

func TestPushFromSpecDocker(t *testing.T) {
	t.Parallel()
	repo := "spec/docker"
	imgs := seed(t, reg, repo, "1.0", true, linuxAMD64, linuxARM64, linuxARMv7)
	specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/%[2]s:1.0
tags: ["1", latest]
manifests:
  - image: %[1]s/%[2]s:1.0-linux-amd64
    platform:
      architecture: amd64
      os: linux
  - image: %[1]s/%[2]s:1.0-linux-arm64v8
    platform: {os: linux, architecture: arm64, variant: v8}
  - image: %[1]s/%[2]s:1.0-linux-armv7
    platform:
      os: linux
      architecture: arm
`, reg.Host, repo))
	reg.Requests()
	res := mt(t, "--plain-http", "push", "from-spec", specFile)
	digest, size := res.ok(t)
	want := []regtest.Descriptor{
		entry(imgs["1.0-linux-amd64"], &linuxAMD64),
		entry(imgs["1.0-linux-arm64v8"], &linuxARM64),
		entry(imgs["1.0-linux-armv7"], &linuxARMv7), // the variant comes from the config
	}
	for _, tag := range []string{"1.0", "1", "latest"} {
		checkIndex(t, reg, repo, tag, regtest.DockerList, digest, size, want)
	}
	if strings.Count(res.stdout, "\n") != 1 {
		t.Errorf("stdout should be the Digest line only: %q", res.stdout)
	}
}

func TestPushFromSpecPlatformFromConfig(t *testing.T) {
	t.Parallel()
	repo := "spec/fromconfig"
	imgs := seed(t, reg, repo, "2.0", false, linuxAMD64, linuxARMv7, windows)
	specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/%[2]s:2.0
manifests:
  - image: %[1]s/%[2]s:2.0-linux-amd64
  - image: %[1]s/%[2]s:2.0-linux-armv7
  - image: %[1]s/%[2]s:2.0-windows-amd64
`, reg.Host, repo))
	digest, size := mt(t, "push", "--type", "oci", "from-spec", specFile, "--plain-http").ok(t)
	checkIndex(t, reg, repo, "2.0", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		entry(imgs["2.0-linux-amd64"], &linuxAMD64),
		entry(imgs["2.0-linux-armv7"], &linuxARMv7),
		entry(imgs["2.0-windows-amd64"], &windows), // os.version and os.features from the config
	})
}

func TestPushOCIAnnotations(t *testing.T) {
	t.Parallel()
	repo := "spec/annotated"
	imgs := seed(t, reg, repo, "3", false, linuxAMD64, linuxARM64)
	specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/%[2]s:3
annotations:
  org.opencontainers.image.source: https://example.com/app
  org.opencontainers.image.description: "A value: with 'quotes', commas, and = signs"
manifests:
  - image: %[1]s/%[2]s:3-linux-amd64
    annotations: {org.opencontainers.image.title: amd64 build}
  - image: %[1]s/%[2]s:3-linux-arm64v8
    platform: {os: linux, architecture: arm64}
`, reg.Host, repo))
	digest, size := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile).ok(t)
	amd := entry(imgs["3-linux-amd64"], &linuxAMD64)
	amd.Annotations = map[string]string{"org.opencontainers.image.title": "amd64 build"}
	idx := checkIndex(t, reg, repo, "3", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		amd,
		entry(imgs["3-linux-arm64v8"], &linuxARM64), // declared arm64 takes v8 from the config
	})
	wantAnn := map[string]string{
		"org.opencontainers.image.source":      "https://example.com/app",
		"org.opencontainers.image.description": "A value: with 'quotes', commas, and = signs",
	}
	if !reflect.DeepEqual(idx.Annotations, wantAnn) {
		t.Errorf("annotations %v, want %v", idx.Annotations, wantAnn)
	}
}

func TestPushFromArgs(t *testing.T) {
	t.Parallel()
	repo := "args/app"
	imgs := seed(t, reg, repo, "1.0", true, linuxAMD64, linuxARMv7, linuxS390x)
	res := mt(t, "push", "from-args",
		"--platforms", "linux/amd64,linux/arm/v7", "--platforms", "linux/s390x",
		"--template", reg.Host+"/"+repo+":1.0-OS-ARCHVARIANT",
		"--target", reg.Host+"/"+repo+":1.0",
		"--tags", "1,latest", "--plain-http")
	digest, size := res.ok(t)
	want := []regtest.Descriptor{
		entry(imgs["1.0-linux-amd64"], &linuxAMD64),
		entry(imgs["1.0-linux-armv7"], &linuxARMv7),
		entry(imgs["1.0-linux-s390x"], &linuxS390x),
	}
	for _, tag := range []string{"1.0", "1", "latest"} {
		checkIndex(t, reg, repo, tag, regtest.DockerList, digest, size, want)
	}
}

func TestPushFromArgsOCIAnnotations(t *testing.T) {
	t.Parallel()
	repo := "args/annotated"
	imgs := seed(t, reg, repo, "v1", false, linuxAMD64, linuxARM64)
	res := mt(t, "--plain-http", "push", "--type", "oci", "from-args",
		"--platforms", "linux/amd64,linux/arm64/v8",
		"--template", reg.Host+"/"+repo+":v1-OS-ARCHVARIANT",
		"--target", reg.Host+"/"+repo+":v1",
		"--annotations", "org.opencontainers.image.description=Hello, world",
		"--annotations", "a=1,b=2=3")
	digest, size := res.ok(t)
	idx := checkIndex(t, reg, repo, "v1", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		entry(imgs["v1-linux-amd64"], &linuxAMD64),
		entry(imgs["v1-linux-arm64v8"], &linuxARM64),
	})
	want := map[string]string{"org.opencontainers.image.description": "Hello, world", "a": "1", "b": "2=3"}
	if !reflect.DeepEqual(idx.Annotations, want) {
		t.Errorf("annotations %v, want %v", idx.Annotations, want)
	}
}

// Members in other repositories of the registry are copied into the target
// repository by digest before the index is pushed.
func TestPushMembersFromOtherRepositories(t *testing.T) {
	t.Parallel()
	amd := seed(t, reg, "other/build-amd64", "5", false, linuxAMD64)["5-linux-amd64"]
	arm := seed(t, reg, "other/build-arm64", "5", false, linuxARM64)["5-linux-arm64v8"]
	specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/other/app:5
manifests:
  - image: %[1]s/other/build-amd64:5-linux-amd64
  - image: %[1]s/other/build-arm64@%[2]s
`, reg.Host, arm.Manifest.Digest))
	digest, size := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile).ok(t)
	checkIndex(t, reg, "other/app", "5", regtest.OCIIndex, digest, size, []regtest.Descriptor{
		entry(amd, &linuxAMD64), entry(arm, &linuxARM64),
	})
	for _, img := range []regtest.Image{amd, arm} {
		m, err := reg.GetManifest("other/app", img.Manifest.Digest)
		if err != nil || string(m.Body) != string(img.Manifest.Data) {
			t.Errorf("member %s not in the target repository: %v", img.Manifest.Digest, err)
		}
		for _, b := range append(img.Layers, img.Config) {
			if ok, err := reg.HasBlob("other/app", b.Digest); !ok || err != nil {
				t.Errorf("blob %s not in the target repository: %v", b.Digest, err)
			}
		}
	}
}

// A member that is a buildx index (image + attestation) is flattened: its
// image goes in with its platform, its attestation after all images, still
// naming the image's digest.
func TestPushBuildxMembers(t *testing.T) {
	t.Parallel()
	bxAMD := regtest.NewBuildxIndex(linuxAMD64)
	bxARM := regtest.NewBuildxIndex(linuxARM64)
	if err := reg.PushBuildx("buildx/app-amd64", "7", bxAMD); err != nil {
		t.Fatal(err)
	}
	if err := reg.PushBuildx("buildx/app-arm64", "7", bxARM); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"docker", "oci"} {
		t.Run(typ, func(t *testing.T) {
			specFile := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/buildx/app:7-%[2]s
manifests:
  - image: %[1]s/buildx/app-amd64:7
  - image: %[1]s/buildx/app-arm64:7
`, reg.Host, typ))
			digest, size := mt(t, "--plain-http", "push", "--type", typ, "from-spec", specFile).ok(t)
			att := func(bx regtest.BuildxIndex) regtest.Descriptor {
				d := bx.Attestation.Manifest.Descriptor
				d.Platform = &regtest.Platform{OS: "unknown", Architecture: "unknown"}
				d.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": bx.Image.Manifest.Digest}
				return d
			}
			mediaType := map[string]string{"docker": regtest.DockerList, "oci": regtest.OCIIndex}[typ]
			checkIndex(t, reg, "buildx/app", "7-"+typ, mediaType, digest, size, []regtest.Descriptor{
				entry(bxAMD.Image, &linuxAMD64), entry(bxARM.Image, &linuxARM64), att(bxAMD), att(bxARM),
			})
			for _, img := range []regtest.Image{bxAMD.Image, bxAMD.Attestation, bxARM.Image, bxARM.Attestation} {
				if _, err := reg.GetManifest("buildx/app", img.Manifest.Digest); err != nil {
					t.Errorf("%s not copied into buildx/app: %v", img.Manifest.Digest, err)
				}
			}
		})
	}
}

// A platform declared for an index member selects that image of the index.
func TestPushSelectFromIndex(t *testing.T) {
	t.Parallel()
	seed(t, reg, "select/src", "1", false, linuxAMD64)
	arm := seed(t, reg, "select/src", "1", false, linuxARM64)["1-linux-arm64v8"]
	specFile := writeFile(t, "multi.yaml", fmt.Sprintf(`image: %[1]s/select/src:multi
manifests:
  - image: %[1]s/select/src:1-linux-amd64
  - image: %[1]s/select/src:1-linux-arm64v8
`, reg.Host))
	mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile).ok(t)
	specFile = writeFile(t, "select.yaml", fmt.Sprintf(`image: %[1]s/select/src:arm-only
manifests:
  - image: %[1]s/select/src:multi
    platform: {os: linux, architecture: arm64}
`, reg.Host))
	digest, size := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile).ok(t)
	checkIndex(t, reg, "select/src", "arm-only", regtest.OCIIndex, digest, size, []regtest.Descriptor{entry(arm, &linuxARM64)})

	specFile = writeFile(t, "none.yaml", fmt.Sprintf(`image: %[1]s/select/src:none
manifests:
  - image: %[1]s/select/src:multi
    platform:
      os: linux
      architecture: s390x
`, reg.Host))
	mt(t, "--plain-http", "push", "--type", "oci", "from-spec", specFile).fails(t, 2,
		fmt.Sprintf("error: %s:6: manifests[0].platform.architecture: %s/select/src:multi is an index without a linux/s390x image (it has linux/amd64, linux/arm64/v8)", specFile, reg.Host))
}

// Several YAML documents publish several indexes, from stdin too; all are
// resolved before any is written, and a second run writes nothing.
func TestPushMultiDocumentStdin(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "multi/app", "1", false, linuxAMD64, linuxARM64)
	doc := fmt.Sprintf(`image: %[1]s/multi/app:1
manifests:
  - image: %[1]s/multi/app:1-linux-amd64
  - image: %[1]s/multi/app:1-linux-arm64v8
---
image: %[1]s/multi/app:1-amd64-only
tags: [amd64]
manifests:
  - image: %[1]s/multi/app:1-linux-amd64
`, r.Host)
	res := mtEnv(t, nil, doc, "push", "--type", "oci", "from-spec", "-", "--plain-http")
	res.ok(t)
	lines := digestLineRE.FindAllStringSubmatch(res.stdout, -1)
	if len(lines) != 2 {
		t.Fatalf("want 2 Digest lines, got %q", res.stdout)
	}
	var size1, size2 int
	fmt.Sscan(lines[0][2], &size1)
	fmt.Sscan(lines[1][2], &size2)
	checkIndex(t, r, "multi/app", "1", regtest.OCIIndex, lines[0][1], size1, []regtest.Descriptor{
		entry(imgs["1-linux-amd64"], &linuxAMD64), entry(imgs["1-linux-arm64v8"], &linuxARM64)})
	checkIndex(t, r, "multi/app", "amd64", regtest.OCIIndex, lines[1][1], size2, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})

	r.Requests()
	again := mtEnv(t, nil, doc, "push", "--type", "oci", "from-spec", "-", "--plain-http")
	again.ok(t)
	if again.stdout != res.stdout {
		t.Errorf("second run printed %q, first %q", again.stdout, res.stdout)
	}
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("a second identical run wrote %v", w)
	}

	// one bad document stops every document before anything is written
	bad := fmt.Sprintf(`image: %[1]s/multi/app:fresh
manifests: [{image: %[1]s/multi/app:1-linux-amd64}]
---
image: %[1]s/multi/other:fresh
manifests: [{image: %[1]s/multi/other:1-linux-amd64}]
---
image: %[1]s/multi/app:broken
manifests:
  - image: %[1]s/multi/app:1-linux-s390x
`, r.Host)
	mtEnv(t, nil, bad, "push", "--type", "oci", "from-spec", "-", "--plain-http").fails(t, 1,
		fmt.Sprintf("error: stdin:5: manifests[0]: resolving %[1]s/multi/other:1-linux-amd64: not found (MANIFEST_UNKNOWN: manifest unknown)", r.Host),
		fmt.Sprintf("error: stdin:9: manifests[0]: resolving %[1]s/multi/app:1-linux-s390x: not found (MANIFEST_UNKNOWN: manifest unknown)", r.Host))
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("writes despite a failing document: %v", w)
	}
}

// A push of N members already in the target repository with M extra tags
// costs one manifest GET and one config GET per member, and one HEAD and
// one PUT per tag: 2N + 2(M+1) requests. A second run only reads.
func TestRequestBudget(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "budget/app", "1", false, linuxAMD64, linuxARM64, linuxARMv7, linuxS390x)
	args := []string{"--plain-http", "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8,linux/arm/v7,linux/s390x",
		"--template", r.Host + "/budget/app:1-OS-ARCHVARIANT", "--target", r.Host + "/budget/app:1", "--tags", "a,b"}
	r.Requests()
	mt(t, args...).ok(t)
	count := func(reqs []string) map[string]int {
		out := map[string]int{}
		for _, q := range reqs {
			method, path, _ := strings.Cut(q, " ")
			kind := "manifests"
			if strings.Contains(path, "/blobs/") {
				kind = "blobs"
			}
			out[method+" "+kind]++
		}
		return out
	}
	const n, m = 4, 2
	want := map[string]int{"GET manifests": n, "GET blobs": n, "HEAD manifests": m + 1, "PUT manifests": m + 1}
	if got := count(r.Requests()); !reflect.DeepEqual(got, want) {
		t.Errorf("first run: %v, want %v", got, want)
	}
	mt(t, args...).ok(t)
	want = map[string]int{"GET manifests": n, "GET blobs": n, "HEAD manifests": m + 1}
	if got := count(r.Requests()); !reflect.DeepEqual(got, want) {
		t.Errorf("second run: %v, want %v", got, want)
	}
}

// The documents of one spec are resolved side by side and pushed side by
// side: the registry holds the requests of both documents until both have
// arrived, which only happens when they are sent at the same time.
func TestMultiDocumentConcurrency(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "conc/a", "1", false, linuxAMD64)
	seed(t, r, "conc/b", "1", false, linuxARM64)
	doc := fmt.Sprintf(`image: %[1]s/conc/a:1
manifests: [{image: %[1]s/conc/a:1-linux-amd64}]
---
image: %[1]s/conc/b:1
manifests: [{image: %[1]s/conc/b:1-linux-arm64v8}]
`, r.Host)
	met := r.Barrier("GET /v2/conc/a/manifests/1-linux-amd64", "GET /v2/conc/b/manifests/1-linux-arm64v8")
	mtEnv(t, nil, doc, "--plain-http", "push", "--dry-run", "from-spec", "-").ok(t)
	if !met() {
		t.Error("the documents' members were not resolved at the same time")
	}
	met = r.Barrier("PUT /v2/conc/a/manifests/1", "PUT /v2/conc/b/manifests/1")
	res := mtEnv(t, nil, doc, "--plain-http", "push", "from-spec", "-")
	res.ok(t)
	if !met() {
		t.Error("the documents' indexes were not pushed at the same time")
	}
	lines := digestLineRE.FindAllStringSubmatch(res.stdout, -1)
	for i, repo := range []string{"conc/a", "conc/b"} {
		if m, err := r.GetManifest(repo, "1"); err != nil || len(lines) != 2 || m.Digest != lines[i][1] {
			t.Errorf("%s: %v; stdout %q", repo, err, res.stdout)
		}
	}
}

// Members named by several documents are read once in the run.
func TestNothingFetchedTwice(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "twice/app", "1", false, linuxAMD64, linuxARM64)
	var doc strings.Builder
	for d := 0; d < 3; d++ {
		fmt.Fprintf(&doc, "---\nimage: %[1]s/twice/app:doc%[2]d\nmanifests:\n  - image: %[1]s/twice/app:1-linux-amd64\n  - image: %[1]s/twice/app:1-linux-arm64v8\n", r.Host, d)
	}
	r.Requests()
	mtEnv(t, nil, doc.String(), "--plain-http", "push", "from-spec", "-").ok(t)
	gets := map[string]int{}
	for _, q := range r.Requests() {
		if strings.HasPrefix(q, "GET ") {
			gets[q]++
		}
	}
	if len(gets) != 4 {
		t.Errorf("GETs: %v, want the 2 manifests and 2 configs", gets)
	}
	for q, n := range gets {
		if n != 1 {
			t.Errorf("%s fetched %d times", q, n)
		}
	}
}
