package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Interoperability: what manifest-tool pushes, to three registry
// implementations, read back by independent clients. The README's matrix
// is this test's result (INTEROP_UPDATE=1 rewrites it; when every registry
// and client is here, a README that says otherwise fails the test).

// peer finds a client: in MANIFEST_TOOL_PEERS (where make peers installs
// them), else on PATH.
func peer(name string) string {
	if dir := os.Getenv("MANIFEST_TOOL_PEERS"); dir != "" {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode()&0o111 != 0 {
			return p
		}
	}
	p, _ := exec.LookPath(name)
	return p
}

// run runs a client and returns its stdout.
func run(t *testing.T, env []string, bin string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	t.Logf("$ %s %s\n%s%s", filepath.Base(bin), strings.Join(args, " "), out.String(), errb.String())
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// pushed is one list as manifest-tool pushed it.
type pushed struct {
	kind   string // "docker" or "oci"
	ref    string // host/repo:tag
	digest string
	index  regtest.Index // as the registry serves it
	// images are the platform entries (not attestations), by platform
	images map[string]regtest.Descriptor
	hows   string // how each member reached the target repository
}

func platformKey(p *regtest.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	if p.OSVersion != "" {
		s += ":" + p.OSVersion
	}
	return s
}

// readers: each reads a pushed list back its own way and says what does
// not match.
type reader struct {
	name  string
	bin   string
	check func(t *testing.T, r *regtest.Registry, p pushed) error
}

func readers(t *testing.T) []reader {
	home := t.TempDir()
	env := []string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker")}
	sameRaw := func(raw []byte, p pushed) error {
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(raw)); got != p.digest {
			return fmt.Errorf("bytes of digest %s, pushed %s", got, p.digest)
		}
		var idx regtest.Index
		if err := json.Unmarshal(raw, &idx); err != nil {
			return err
		}
		if !reflect.DeepEqual(idx, p.index) {
			return fmt.Errorf("read %+v, pushed %+v", idx, p.index)
		}
		return nil
	}
	return []reader{
		{"manifest-tool inspect", binary, func(t *testing.T, r *regtest.Registry, p pushed) error {
			out, err := run(t, env, binary, "--plain-http", "inspect", "--raw", p.ref)
			if err != nil {
				return err
			}
			return sameRaw(out, p)
		}},
		{"docker manifest inspect", peer("docker"), func(t *testing.T, r *regtest.Registry, p pushed) error {
			out, err := run(t, env, peer("docker"), "manifest", "inspect", "--insecure", p.ref)
			if err != nil {
				return err
			}
			// docker rebuilds the list from its entries (annotations dropped:
			// a limitation of that client); entries and platforms must match
			var idx regtest.Index
			if err := json.Unmarshal(out, &idx); err != nil {
				return err
			}
			if len(idx.Manifests) != len(p.index.Manifests) {
				return fmt.Errorf("%d entries, pushed %d", len(idx.Manifests), len(p.index.Manifests))
			}
			for i, d := range idx.Manifests {
				w := p.index.Manifests[i]
				if d.Digest != w.Digest || d.Size != w.Size || d.MediaType != w.MediaType || platformKey(d.Platform) != platformKey(w.Platform) {
					return fmt.Errorf("entry %d: %+v, pushed %+v", i, d, w)
				}
			}
			return nil
		}},
		{"skopeo", peer("skopeo"), func(t *testing.T, r *regtest.Registry, p pushed) error {
			out, err := run(t, env, peer("skopeo"), "inspect", "--raw", "--tls-verify=false", "docker://"+p.ref)
			if err != nil {
				return err
			}
			if err := sameRaw(out, p); err != nil {
				return err
			}
			// platform selection picks the right member
			for plat, d := range p.images {
				osArch, osVersion, _ := strings.Cut(plat, ":")
				parts := strings.Split(osArch, "/")
				args := []string{"inspect", "--tls-verify=false", "--no-tags", "--override-os", parts[0], "--override-arch", parts[1]}
				if len(parts) > 2 {
					args = append(args, "--override-variant", parts[2])
				}
				if osVersion != "" {
					continue // skopeo 1.9 has no os.version selection
				}
				out, err := run(t, env, peer("skopeo"), append(args, "docker://"+p.ref)...)
				if err != nil {
					return err
				}
				// skopeo shows the list's digest, and the chosen image's layers
				var got struct {
					Digest, Architecture, Os string
					Layers                   []string
				}
				if err := json.Unmarshal(out, &got); err != nil {
					return err
				}
				repo := strings.TrimPrefix(p.ref[:strings.LastIndex(p.ref, ":")], r.Host+"/")
				m, err := r.GetManifest(repo, d.Digest)
				if err != nil {
					return err
				}
				var want struct{ Layers []regtest.Descriptor }
				if err := json.Unmarshal(m.Body, &want); err != nil {
					return err
				}
				var layers []string
				for _, l := range want.Layers {
					layers = append(layers, l.Digest)
				}
				if got.Digest != p.digest || got.Os+"/"+got.Architecture != parts[0]+"/"+parts[1] || !reflect.DeepEqual(got.Layers, layers) {
					return fmt.Errorf("--override for %s chose %s/%s with layers %v; want the list %s and %s's layers %v", plat, got.Os, got.Architecture, got.Layers, p.digest, d.Digest, layers)
				}
			}
			return nil
		}},
		{"crane", peer("crane"), func(t *testing.T, r *regtest.Registry, p pushed) error {
			out, err := run(t, env, peer("crane"), "manifest", "--insecure", p.ref)
			if err != nil {
				return err
			}
			if err := sameRaw(out, p); err != nil {
				return err
			}
			dig, err := run(t, env, peer("crane"), "digest", "--insecure", p.ref)
			if err != nil {
				return err
			}
			if strings.TrimSpace(string(dig)) != p.digest {
				return fmt.Errorf("crane digest %s, pushed %s", dig, p.digest)
			}
			return nil
		}},
		{"regctl", peer("regctl"), func(t *testing.T, r *regtest.Registry, p pushed) error {
			host := "--host=reg=" + r.Host + ",tls=disabled"
			out, err := run(t, env, peer("regctl"), host, "manifest", "get", "--format", "raw-body", p.ref)
			if err != nil {
				return err
			}
			if err := sameRaw(out, p); err != nil {
				return err
			}
			dig, err := run(t, env, peer("regctl"), host, "image", "digest", p.ref)
			if err != nil {
				return err
			}
			if strings.TrimSpace(string(dig)) != p.digest {
				return fmt.Errorf("regctl image digest %s, pushed %s", dig, p.digest)
			}
			return nil
		}},
	}
}

// registryFlavour is one registry implementation, and how it differs.
type registryFlavour struct {
	name  string
	start func(t *testing.T) *regtest.Registry // skips when not installed
	// mounts: blobs are mounted across repositories (else the registry
	// offers an upload, and members are copied)
	mounts bool
	// referrers: the OCI referrers API answers
	referrers bool
}

var registryFlavours = []registryFlavour{
	{"Distribution 3.1 (in-process)", func(t *testing.T) *regtest.Registry { return regtest.New(t) }, true, false},
	{"Distribution 2.8 (Debian docker-registry)", func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) }, true, false},
	{"go-containerregistry pkg/registry", func(t *testing.T) *regtest.Registry { return regtest.NewGGCR(t) }, false, true},
}

// seedInterop pushes the members: Docker images for the Docker list (one
// of them Windows), OCI images and a buildx index for the OCI index.
func seedInterop(t *testing.T, r *regtest.Registry) {
	t.Helper()
	win := regtest.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}}
	for tag, img := range map[string]regtest.Image{
		"docker-amd64":   regtest.NewImage(linuxAMD64, true),
		"docker-arm64":   regtest.NewImage(linuxARM64, true),
		"docker-windows": regtest.NewImage(win, true),
		"oci-amd64":      regtest.NewImage(linuxAMD64, false),
		"oci-armv7":      regtest.NewImage(linuxARMv7, false),
	} {
		if err := r.PushImage("interop/build", tag, img); err != nil {
			t.Fatalf("seeding %s: %v", tag, err)
		}
	}
	if err := r.PushBuildx("interop/build", "oci-s390x", regtest.NewBuildxIndex(linuxS390x)); err != nil {
		t.Fatal(err)
	}
}

const interopSpecs = `image: HOST/interop/app:docker
tags: [docker-latest]
manifests:
  - image: HOST/interop/build:docker-amd64
  - image: HOST/interop/build:docker-arm64
  - image: HOST/interop/build:docker-windows
---
image: HOST/interop/app:oci
type: oci
tags: [oci-latest]
annotations:
  org.opencontainers.image.version: "1.0"
manifests:
  - image: HOST/interop/build:oci-amd64
    annotations:
      org.opencontainers.image.title: amd64
  - image: HOST/interop/build:oci-armv7
  - image: HOST/interop/build:oci-s390x
`

// pushInterop pushes both lists with spec and reads them back with our
// own reader.
func pushInterop(t *testing.T, tool string, r *regtest.Registry, specs, repo string) []pushed {
	t.Helper()
	specs = strings.ReplaceAll(strings.ReplaceAll(specs, "HOST", r.Host), "interop/app", repo)
	var out []pushed
	res := mtEnv(t, nil, specs, "--plain-http", "push", "--output", "json", "from-spec", "-")
	res.ok0(t)
	for i, p := range pushResults(t, res.stdout) {
		tag := []string{"docker", "oci"}[i]
		m, idx, err := r.GetIndex(repo, tag)
		if err != nil {
			t.Fatal(err)
		}
		if m.Digest != p.Digest {
			t.Fatalf("%s:%s is %s, pushed %s", repo, tag, m.Digest, p.Digest)
		}
		images := map[string]regtest.Descriptor{}
		for _, d := range idx.Manifests {
			if d.Annotations["vnd.docker.reference.type"] == "" {
				images[platformKey(d.Platform)] = d
			}
		}
		out = append(out, pushed{kind: tag, ref: r.Host + "/" + repo + ":" + tag, digest: p.Digest, index: idx, images: images, hows: hows(p)})
	}
	return out
}

func TestInteroperability(t *testing.T) {
	t.Parallel()
	rs := readers(t)
	var (
		mu    sync.Mutex
		cells []cell
	)
	record := func(c cell) {
		mu.Lock()
		cells = append(cells, c)
		mu.Unlock()
	}
	t.Run("registries", func(t *testing.T) {
		for _, fl := range registryFlavours {
			t.Run(fl.name, func(t *testing.T) {
				t.Parallel()
				defer func() {
					if t.Skipped() {
						for _, rd := range rs {
							for _, kind := range []string{"docker", "oci"} {
								record(cell{fl.name, rd.name, kind, "not run: registry not installed"})
							}
						}
					}
				}()
				r := fl.start(t)
				seedInterop(t, r)
				lists := pushInterop(t, binary, r, interopSpecs, "interop/app")
				if got := platformsOf(lists[0]); got != "linux/amd64 linux/arm64/v8 windows/amd64:10.0.20348.2227" {
					t.Errorf("docker list platforms %s", got)
				}
				if got := platformsOf(lists[1]); got != "linux/amd64 linux/arm/v7 linux/s390x unknown/unknown" {
					t.Errorf("OCI index platforms %s", got)
				}
				if lists[1].index.Annotations["org.opencontainers.image.version"] != "1.0" || lists[1].index.Manifests[0].Annotations["org.opencontainers.image.title"] != "amd64" {
					t.Errorf("annotations lost: %+v", lists[1].index)
				}
				for _, rd := range rs {
					t.Run(rd.name, func(t *testing.T) {
						for _, p := range lists {
							if rd.bin == "" {
								record(cell{fl.name, rd.name, p.kind, "not run: client not installed"})
								continue
							}
							if err := rd.check(t, r, p); err != nil {
								t.Errorf("%s reading %s: %v", rd.name, p.ref, err)
								record(cell{fl.name, rd.name, p.kind, "FAILED"})
							} else {
								record(cell{fl.name, rd.name, p.kind, "ok"})
							}
						}
						if rd.bin == "" {
							t.Skipf("%s is not installed (.ci/run installs it; make peers installs crane and regctl)", rd.name)
						}
					})
				}
				// inspect, platforms and probe work there too
				mt(t, "--plain-http", "platforms", "--require", "linux/amd64,linux/arm64,windows/amd64:10.0.20348", lists[0].ref).ok0(t)
				p, rows := probe(t, 0, "--plain-http", r.Host)
				t.Logf("probe of %s: %v (leftovers %v)", fl.name, rows, p.Leftovers)
				if rows["docker-manifest-list"] != "supported" || rows["oci-index"] != "supported" || rows["index-annotations"] != "supported" {
					t.Errorf("probe: %v", rows)
				}
				// where the implementations differ, and what the tool does
				// about it: without mounts, members are copied (and probe
				// says the registry does not mount)
				want := map[bool]string{true: "supported", false: "unsupported"}
				if rows["blob-mount"] != want[fl.mounts] || rows["referrers-api"] != want[fl.referrers] {
					t.Errorf("probe: blob-mount %s, referrers-api %s; this registry was known to mount: %v, to have referrers: %v", rows["blob-mount"], rows["referrers-api"], fl.mounts, fl.referrers)
				}
				how := map[bool]string{true: "mounted", false: "copied"}[fl.mounts]
				for _, l := range lists {
					if n := len(l.index.Manifests); n == 0 || l.hows != strings.TrimSpace(strings.Repeat(how+" ", n)) {
						t.Errorf("%s: members %s, want each %s", l.ref, l.hows, how)
					}
				}
			})
		}
	})
	writeMatrix(t, cells)
}

// cell is one result of the matrix.
type cell struct{ registry, reader, kind, result string }

func platformsOf(p pushed) string {
	var out []string
	for _, d := range p.index.Manifests {
		out = append(out, platformKey(d.Platform))
	}
	return strings.Join(out, " ")
}

const matrixBegin, matrixEnd = "<!-- interop matrix: begin (written by integration/interop_test.go) -->", "<!-- interop matrix: end -->"

// writeMatrix renders the matrix; with INTEROP_UPDATE=1 it replaces the
// README's, and when nothing was skipped it must equal the README's.
func writeMatrix(t *testing.T, cells []cell) {
	t.Helper()
	var regs, rds []string
	results := map[[2]string][]string{}
	complete := true
	for _, fl := range registryFlavours {
		regs = append(regs, fl.name)
	}
	seen := map[string]bool{}
	for _, c := range cells {
		if !seen[c.reader] {
			seen[c.reader] = true
			rds = append(rds, c.reader)
		}
	}
	sort.SliceStable(cells, func(i, j int) bool { return cells[i].kind < cells[j].kind }) // docker, then oci
	for _, c := range cells {
		mark := map[string]string{"ok": "✓", "FAILED": "✗"}[c.result]
		if mark == "" {
			mark, complete = "–", false
		}
		name := map[string]string{"docker": "Docker", "oci": "OCI"}[c.kind]
		results[[2]string{c.registry, c.reader}] = append(results[[2]string{c.registry, c.reader}], name+" "+mark)
	}
	var b strings.Builder
	b.WriteString("| registry \\ read back by | " + strings.Join(rds, " | ") + " |\n")
	b.WriteString("| --- |" + strings.Repeat(" --- |", len(rds)) + "\n")
	for _, reg := range regs {
		row := []string{reg}
		for _, rd := range rds {
			row = append(row, strings.Join(results[[2]string{reg, rd}], ", "))
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	matrix := b.String()
	t.Logf("interoperability matrix:\n%s", matrix)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start, end := bytes.Index(readme, []byte(matrixBegin)), bytes.Index(readme, []byte(matrixEnd))
	if start < 0 || end < start {
		t.Fatalf("README.md has no %q ... %q section", matrixBegin, matrixEnd)
	}
	current := string(readme[start+len(matrixBegin) : end])
	want := "\n" + matrix
	switch {
	case os.Getenv("INTEROP_UPDATE") == "1":
		updated := append(append(append([]byte{}, readme[:start+len(matrixBegin)]...), want...), readme[end:]...)
		if err := os.WriteFile("../README.md", updated, 0o644); err != nil {
			t.Fatal(err)
		}
	case !complete:
		t.Log("some registries or clients are not installed: the README's matrix is not compared")
	case current != want:
		t.Errorf("the README's interoperability matrix is not what this run found; run INTEROP_UPDATE=1 make integration\nREADME:\n%s\nthis run:\n%s", current, want)
	}
}

// From the same spec, the index has the same entries as the manifest-tool
// it succeeds pushes (built by make peers from its module, v2.1.9): media
// types, digests, sizes, platforms, annotations and order. Only the bytes
// differ (v2 indents its JSON and writes size before digest), so the
// index's own digest differs: docs/migration.md says so.
func TestSameAsManifestToolV2(t *testing.T) {
	t.Parallel()
	v2 := peer("manifest-tool-v2")
	if v2 == "" {
		t.Skip("manifest-tool-v2 is not installed: make peers builds it")
	}
	r := regtest.New(t)
	seedInterop(t, r)
	specs := map[string]string{
		"docker": `image: HOST/same/REPO:docker
tags: [also-docker]
manifests:
  - image: HOST/interop/build:docker-amd64
  - image: HOST/interop/build:docker-arm64
    platform:
      os: linux
      architecture: arm64
      variant: v8
  - image: HOST/interop/build:docker-windows
`,
		"oci": `image: HOST/same/REPO:oci
tags: [also-oci]
annotations:
  org.opencontainers.image.version: "1.0"
manifests:
  - image: HOST/interop/build:oci-amd64
  - image: HOST/interop/build:oci-armv7
  - image: HOST/interop/build:oci-s390x
`,
	}
	for kind, spec := range specs {
		t.Run(kind, func(t *testing.T) {
			var got [2]regtest.Index
			var raw [2][]byte
			for i, tool := range []string{v2, binary} {
				repo := []string{"old", "new"}[i]
				file := writeFile(t, "spec.yaml", strings.ReplaceAll(strings.ReplaceAll(spec, "HOST", r.Host), "REPO", repo))
				out, err := run(t, []string{"DOCKER_CONFIG=" + t.TempDir()}, tool, "--plain-http", "push", "--type", kind, "from-spec", file)
				if err != nil {
					t.Fatal(err)
				}
				m, idx, err := r.GetIndex("same/"+repo, kind)
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("Digest: %s %d", m.Digest, len(m.Body)); !strings.Contains(string(out), want) {
					t.Errorf("%s printed %q, want %q", filepath.Base(tool), out, want)
				}
				if also, err := r.GetManifest("same/"+repo, "also-"+kind); err != nil || also.Digest != m.Digest {
					t.Errorf("%s: the extra tag: %v", filepath.Base(tool), err)
				}
				got[i], raw[i] = idx, m.Body
			}
			// v2.1.9 writes no index annotations (later v2 releases do, with
			// --type oci); ours writes what the spec asks for
			if len(got[0].Annotations) != 0 {
				t.Errorf("v2.1.9 was known to write no index annotations; it wrote %v", got[0].Annotations)
			}
			if kind == "oci" && got[1].Annotations["org.opencontainers.image.version"] != "1.0" {
				t.Errorf("the index annotation is lost: %v", got[1].Annotations)
			}
			got[0].Annotations, got[1].Annotations = nil, nil
			if !reflect.DeepEqual(got[0], got[1]) {
				t.Errorf("the indexes differ\n v2: %+v\nours: %+v", got[0], got[1])
			}
			if bytes.Equal(raw[0], raw[1]) || !bytes.Contains(raw[0], []byte("\n  ")) || bytes.Contains(raw[1], []byte("\n")) {
				t.Errorf("the bytes were documented to differ by indentation only:\n v2: %s\nours: %s", raw[0], raw[1])
			}
		})
	}
}
