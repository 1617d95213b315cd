package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The CI examples are run as their pipelines would run them: the build
// jobs' pushes are played by seeding what buildx pushes (an index of the
// image and its provenance attestation per architecture), then every
// manifest-tool command of the publish job runs, unchanged, in a checkout
// holding examples/ci-release.yaml as release.yaml, against the test
// registry (a manifest-tool on PATH that adds --plain-http).

// ciCheckout makes the checkout directory and a PATH whose manifest-tool
// speaks plain HTTP.
func ciCheckout(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	spec, err := os.ReadFile("../examples/ci-release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "release.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %q --plain-http \"$@\"\n", binary)
	if err := os.WriteFile(filepath.Join(bin, "manifest-tool"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, bin + string(os.PathListSeparator) + os.Getenv("PATH")
}

// runStep runs one shell step of a pipeline.
func runStep(t *testing.T, dir, path, script string, env map[string]string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path, "DOCKER_CONFIG="+t.TempDir())
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("$ %s\n%s", script, out)
	if err != nil {
		t.Fatalf("the step failed: %v", err)
	}
}

// seedBuild plays one build job: the buildx output for platform (os/arch)
// under ref's tag.
func seedBuild(t *testing.T, r *regtest.Registry, ref, platform string) {
	t.Helper()
	repoTag := strings.TrimPrefix(ref, r.Host+"/")
	repo, tag, ok := strings.Cut(repoTag, ":")
	osName, arch, ok2 := strings.Cut(platform, "/")
	if !ok || !ok2 || repoTag == ref {
		t.Fatalf("a build pushes %q (%s), not an image of the test registry", ref, platform)
	}
	if err := r.PushBuildx(repo, tag, regtest.NewBuildxIndex(regtest.Platform{OS: osName, Architecture: arch})); err != nil {
		t.Fatal(err)
	}
}

// checkRelease checks the index the publish job pushed.
func checkRelease(t *testing.T, r *regtest.Registry, repo, version string) {
	t.Helper()
	for _, tag := range []string{version, "latest"} {
		m, idx, err := r.GetIndex(repo, tag)
		if err != nil {
			t.Fatal(err)
		}
		var plats []string
		for _, d := range idx.Manifests {
			plats = append(plats, d.Platform.String())
		}
		if m.MediaType != regtest.OCIIndex || strings.Join(plats, " ") != "linux/amd64 linux/arm64 unknown/unknown unknown/unknown" {
			t.Errorf("%s:%s is %s with %q", repo, tag, m.MediaType, plats)
		}
		if idx.Annotations["org.opencontainers.image.version"] != version {
			t.Errorf("%s:%s annotations %v", repo, tag, idx.Annotations)
		}
	}
}

var ghExpr = regexp.MustCompile(`\$\{\{\s*([A-Za-z_.]+)\s*\}\}`)

// githubExpr replaces GitHub's expressions in s: the names in values,
// matrix.NAME and steps.ID.outputs.NAME (outputs, by the whole name); an
// expression the test does not know fails it.
func githubExpr(t *testing.T, s string, values, matrix, outputs map[string]string) string {
	t.Helper()
	out := ghExpr.ReplaceAllStringFunc(s, func(e string) string {
		name := ghExpr.FindStringSubmatch(e)[1]
		if v, ok := values[name]; ok {
			return v
		}
		if k, ok := strings.CutPrefix(name, "matrix."); ok {
			return matrix[k]
		}
		if v, ok := outputs[name]; ok {
			return v
		}
		return e
	})
	if strings.Contains(out, "${{") {
		t.Fatalf("an expression the test does not know: %q", out)
	}
	return out
}

func checkGitHubActions(t *testing.T, r *regtest.Registry, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Uses, Name, Run string
		With, Env       map[string]string
	}
	var wf struct {
		Env  map[string]string
		Jobs map[string]struct {
			Needs    string
			Strategy struct {
				Matrix struct{ Include []map[string]string }
			}
			Steps []step
		}
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	image, version := r.Host+"/gh/app", "v1.0"
	if wf.Env["IMAGE"] != "ghcr.io/${{ github.repository }}" {
		t.Fatalf("IMAGE is %q", wf.Env["IMAGE"])
	}
	// GitHub's expressions, with the test's values
	expr := func(s string, matrix map[string]string) string {
		return githubExpr(t, s, map[string]string{"env.IMAGE": image, "github.ref_name": version}, matrix, nil)
	}
	build, publish := wf.Jobs["build"], wf.Jobs["publish"]
	if publish.Needs != "build" || len(build.Strategy.Matrix.Include) != 2 {
		t.Fatalf("jobs %+v", wf.Jobs)
	}
	for _, m := range build.Strategy.Matrix.Include {
		var pushed bool
		for _, s := range build.Steps {
			if !strings.HasPrefix(s.Uses, "docker/build-push-action@") {
				continue
			}
			if s.With["provenance"] == "" || s.With["provenance"] == "false" || s.With["push"] != "true" || s.With["platforms"] != "${{ matrix.platform }}" {
				t.Errorf("the build step should push with provenance on: %v", s.With)
			}
			seedBuild(t, r, expr(s.With["tags"], m), m["platform"])
			pushed = true
		}
		if !pushed {
			t.Fatal("no docker/build-push-action step in the build job")
		}
	}
	dir, pathEnv := ciCheckout(t)
	ran := 0
	for _, s := range publish.Steps {
		if !strings.Contains(s.Run, "manifest-tool") || strings.Contains(s.Run, "go install") {
			continue
		}
		env := map[string]string{"IMAGE": image}
		for k, v := range s.Env {
			env[k] = expr(v, nil)
		}
		runStep(t, dir, pathEnv, s.Run, env)
		ran++
	}
	if ran != 2 {
		t.Errorf("ran %d manifest-tool steps, want the push and the check", ran)
	}
	checkRelease(t, r, "gh/app", version)
}

func checkGitLabCI(t *testing.T, r *regtest.Registry, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		Script   []string
		Parallel struct {
			Matrix []map[string][]string
		}
	}
	var ci struct {
		Variables map[string]string
		Build     job
		Publish   job
	}
	if err := yaml.Unmarshal(b, &ci); err != nil {
		t.Fatal(err)
	}
	predefined := map[string]string{
		"CI_REGISTRY": r.Host, "CI_REGISTRY_IMAGE": r.Host + "/gl/app", "CI_COMMIT_TAG": "v2.0",
		"CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "job-token",
	}
	vars := map[string]string{}
	for k, v := range predefined {
		vars[k] = v
	}
	for k, v := range ci.Variables {
		vars[k] = os.Expand(v, func(name string) string { return predefined[name] })
	}
	if len(ci.Build.Parallel.Matrix) != 1 || len(ci.Build.Parallel.Matrix[0]["ARCH"]) != 2 {
		t.Fatalf("build matrix %+v", ci.Build.Parallel.Matrix)
	}
	tagRE := regexp.MustCompile(`--tag "([^"]+)"`)
	for _, arch := range ci.Build.Parallel.Matrix[0]["ARCH"] {
		var pushed bool
		for _, line := range ci.Build.Script {
			if !strings.Contains(line, "docker buildx build") {
				continue
			}
			if !strings.Contains(line, "--provenance=mode=max") || !strings.Contains(line, "--push") || !strings.Contains(line, `--platform "linux/$ARCH"`) {
				t.Errorf("the build should push with provenance on: %s", line)
			}
			m := tagRE.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("no --tag in %s", line)
			}
			ref := os.Expand(m[1], func(name string) string {
				if name == "ARCH" {
					return arch
				}
				return vars[name]
			})
			seedBuild(t, r, ref, "linux/"+arch)
			pushed = true
		}
		if !pushed {
			t.Fatal("no docker buildx build in the build job")
		}
	}
	dir, pathEnv := ciCheckout(t)
	ran := 0
	for _, line := range ci.Publish.Script {
		if !strings.Contains(line, "manifest-tool") || strings.Contains(line, "go install") {
			continue
		}
		runStep(t, dir, pathEnv, line, vars)
		ran++
	}
	if ran != 2 {
		t.Errorf("ran %d manifest-tool lines, want the push and the check", ran)
	}
	checkRelease(t, r, "gl/app", "v2.0")
}

// examples/ci-release.yaml on its own, with the values a pipeline gives.
func checkCIRelease(t *testing.T, r *regtest.Registry, path string) {
	for _, arch := range []string{"amd64", "arm64"} {
		seedBuild(t, r, r.Host+"/ci/app:v3.0-"+arch, "linux/"+arch)
	}
	env := []string{"IMAGE=" + r.Host + "/ci/app", "VERSION=v3.0"}
	mtEnv(t, env, "", "--plain-http", "push", "from-spec", path).ok(t)
	checkRelease(t, r, "ci/app", "v3.0")
}

// examples/windows.yaml: two Windows images told apart by os.version, and
// a Linux one.
func checkWindows(t *testing.T, r *regtest.Registry, path string) {
	for tag, p := range map[string]regtest.Platform{
		"1.0-ltsc2019":    {OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.6532"},
		"1.0-ltsc2022":    {OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2849"},
		"1.0-linux-amd64": {OS: "linux", Architecture: "amd64"},
	} {
		if err := r.PushImage("demo/winapp", tag, regtest.NewImage(p, true)); err != nil {
			t.Fatal(err)
		}
	}
	res := mtEnv(t, []string{"REGISTRY=" + r.Host}, "", "--plain-http", "push", "from-spec", path)
	res.ok(t)
	if strings.Contains(res.stderr, "warning") {
		t.Errorf("warnings:\n%s", res.stderr)
	}
	_, idx, err := r.GetIndex("demo/winapp", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range idx.Manifests {
		got = append(got, d.Platform.String()+":"+d.Platform.OSVersion)
	}
	if want := "windows/amd64:10.0.17763.6532 windows/amd64:10.0.20348.2849 linux/amd64:"; strings.Join(got, " ") != want {
		t.Errorf("entries %q, want %q", got, want)
	}
	out := mt(t, "--plain-http", "platforms", "--require", "windows/amd64:10.0.17763,windows/amd64:10.0.20348,linux/amd64", r.Host+"/demo/winapp:1.0")
	out.ok0(t)
}
