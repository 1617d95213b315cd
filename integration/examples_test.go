package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The examples name the registry `make demo` starts; tests run them
// against their own registry by putting its address in that one's place.
const exampleRegistry = "127.0.0.1:5000"

// TestExamples runs every file in examples/ against a registry seeded the
// way `make demo` seeds it, and checks what was pushed.
func TestExamples(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	if err := r.SeedExamples(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	checks := map[string]func(t *testing.T, path string){
		"release.yaml": func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			spec := writeFile(t, "release.yaml", strings.ReplaceAll(string(b), exampleRegistry, r.Host))
			digest, size := mt(t, "--plain-http", "push", "--type", "oci", "from-spec", spec).ok(t)
			_, idx, err := r.GetIndex("demo/app", "1.0")
			if err != nil {
				t.Fatal(err)
			}
			var plats []string
			for _, d := range idx.Manifests {
				plats = append(plats, d.Platform.String())
			}
			want := "linux/amd64 linux/arm64/v8 linux/arm/v7 linux/s390x unknown/unknown"
			if got := strings.Join(plats, " "); got != want {
				t.Errorf("platforms %q, want %q", got, want)
			}
			for _, tag := range []string{"1.0", "1", "latest"} {
				if m, err := r.GetManifest("demo/app", tag); err != nil || m.Digest != digest || len(m.Body) != size {
					t.Errorf("tag %s: %v %s", tag, err, m.Digest)
				}
			}
		},
		"multi-release.yaml": func(t *testing.T, path string) {
			env := []string{"REGISTRY=" + r.Host, "VERSION=1.0"}
			res := mtEnv(t, env, "", "--plain-http", "push", "from-spec", path)
			res.ok(t)
			lines := digestLineRE.FindAllStringSubmatch(res.stdout, -1)
			want := map[string]string{"1.0": "linux/amd64 linux/arm64/v8 linux/s390x unknown/unknown", "1.0-arm": "linux/arm64/v8 linux/arm/v7"}
			types := map[string]string{"1.0": regtest.OCIIndex, "1.0-arm": regtest.DockerList}
			if len(lines) != 2 {
				t.Fatalf("stdout %q", res.stdout)
			}
			for i, tag := range []string{"1.0", "1.0-arm"} {
				m, idx, err := r.GetIndex("demo/release", tag)
				if err != nil {
					t.Fatal(err)
				}
				var plats []string
				for _, d := range idx.Manifests {
					plats = append(plats, d.Platform.String())
				}
				if m.Digest != lines[i][1] || m.MediaType != types[tag] || strings.Join(plats, " ") != want[tag] {
					t.Errorf("%s: %s %s %q; printed %s", tag, m.Digest, m.MediaType, plats, lines[i][1])
				}
				if tag == "1.0" && (idx.Annotations["org.opencontainers.image.version"] != "1.0" || idx.Manifests[0].Annotations["org.opencontainers.image.title"] != "demo app 1.0 for amd64") {
					t.Errorf("annotations %v %v", idx.Annotations, idx.Manifests[0].Annotations)
				}
			}
			if m, err := r.GetManifest("demo/release", "latest"); err != nil || m.Digest != lines[0][1] {
				t.Errorf("latest: %v", err)
			}
		},
		"from-args.sh": func(t *testing.T, path string) {
			cmd := exec.Command("sh", path)
			cmd.Env = append(os.Environ(), "REGISTRY="+r.Host, "MANIFEST_TOOL="+binary, "DOCKER_CONFIG="+t.TempDir())
			out, err := cmd.CombinedOutput()
			t.Logf("$ sh %s\n%s", path, out)
			if err != nil {
				t.Fatal(err)
			}
			res := result{stdout: string(out)}
			digest, size := res.digest(t)
			m, idx, err := r.GetIndex("demo/app", "1.0-args")
			if err != nil {
				t.Fatal(err)
			}
			if m.Digest != digest || len(m.Body) != size || len(idx.Manifests) != 3 {
				t.Errorf("pushed %s (%d bytes, %d entries), printed %s %d", m.Digest, len(m.Body), len(idx.Manifests), digest, size)
			}
		},
	}
	checks["github-actions.yml"] = func(t *testing.T, path string) { checkGitHubActions(t, r, path) }
	checks["gitlab-ci.yml"] = func(t *testing.T, path string) { checkGitLabCI(t, r, path) }
	checks["github-actions-by-digest.yml"] = func(t *testing.T, path string) {
		checkDigestWorkflow(t, r, regtest.New(t), path, "gh/by-digest", "build", "merge")
	}
	checks["github-actions-append.yml"] = func(t *testing.T, path string) {
		checkDigestWorkflow(t, r, nil, path, "gh/append", "build", "check")
	}
	checks["ci-release.yaml"] = func(t *testing.T, path string) { checkCIRelease(t, r, path) }
	checks["windows.yaml"] = func(t *testing.T, path string) { checkWindows(t, r, path) }
	ran := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		check, ok := checks[name]
		if !ok {
			t.Errorf("examples/%s has no test: add one here so it cannot rot", name)
			continue
		}
		ran[name] = true
		t.Run(name, func(t *testing.T) { check(t, f) })
	}
	for name := range checks {
		if !ran[name] {
			t.Errorf("examples/%s is gone; remove its check, or bring it back", name)
		}
	}
}
