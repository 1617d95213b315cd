package integration

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The by-digest workflows run job by job, each step as GitHub would run it:
// a build step that pushes by digest is played by pushing buildx's output
// (an index of the image and its attestation) by digest and setting
// steps.build.outputs.digest; every run step that calls manifest-tool, or
// keeps a digest, runs unchanged in a shell; the artifact steps are no-ops
// here, as all jobs share runner.temp.

// workflow is the part of a GitHub Actions workflow the test reads.
type workflow struct {
	Env  map[string]string
	Jobs map[string]struct {
		Needs    string
		Strategy struct {
			Matrix struct{ Include []map[string]string }
		}
		Steps []struct {
			ID, Uses, Name, Run string
			With, Env           map[string]string
		}
	}
}

var pushByDigest = regexp.MustCompile(`^type=image,name=\$\{\{ env.IMAGE \}\},push-by-digest=true,name-canonical=true,push=true$`)

func checkDigestWorkflow(t *testing.T, r *regtest.Registry, path, repo string, jobs ...string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if wf.Env["IMAGE"] != "ghcr.io/${{ github.repository }}" {
		t.Fatalf("IMAGE is %q", wf.Env["IMAGE"])
	}
	image, version, temp := r.Host+"/"+repo, "v1.0", t.TempDir()
	dir, pathEnv := ciCheckout(t)
	var order []string
	for name := range wf.Jobs {
		order = append(order, name)
	}
	slices.Sort(order)
	if !slices.Equal(order, slices.Sorted(slices.Values(jobs))) {
		t.Fatalf("jobs %v, want %v", order, jobs)
	}
	ran := 0
	for _, name := range jobs { // in the order needs gives
		job := wf.Jobs[name]
		if name != "build" && job.Needs != "build" {
			t.Fatalf("%s needs %q, want build", name, job.Needs)
		}
		matrix := job.Strategy.Matrix.Include
		if len(matrix) == 0 {
			matrix = []map[string]string{nil}
		}
		for _, m := range matrix {
			outputs := map[string]string{}
			expr := func(s string) string {
				return githubExpr(t, s, map[string]string{"env.IMAGE": image, "github.ref_name": version, "runner.temp": temp}, m, outputs)
			}
			for _, s := range job.Steps {
				switch {
				case strings.HasPrefix(s.Uses, "docker/build-push-action@"):
					if !pushByDigest.MatchString(s.With["outputs"]) || s.With["provenance"] == "" || s.ID == "" {
						t.Fatalf("the build step should push by digest with provenance, and have an id: %v", s.With)
					}
					osName, arch, _ := strings.Cut(m["platform"], "/")
					bx := regtest.NewBuildxIndex(regtest.Platform{OS: osName, Architecture: arch})
					if err := r.PushBuildx(repo, bx.Index.Digest, bx); err != nil {
						t.Fatal(err)
					}
					outputs["steps."+s.ID+".outputs.digest"] = bx.Index.Digest
				case s.Run != "" && !strings.Contains(s.Run, "go install"):
					runStep(t, dir, pathEnv, expr(s.Run), map[string]string{"IMAGE": image})
					if strings.Contains(s.Run, "manifest-tool") {
						ran++
					}
				}
			}
		}
	}
	if ran == 0 {
		t.Fatal("no manifest-tool step ran")
	}
	// the index holds both platforms and their attestations
	m, idx, err := r.GetIndex(repo, version)
	if err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, d := range idx.Manifests {
		plats = append(plats, d.Platform.String())
	}
	slices.Sort(plats)
	if m.MediaType != regtest.OCIIndex || strings.Join(plats, " ") != "linux/amd64 linux/arm64 unknown/unknown unknown/unknown" {
		t.Errorf("%s:%s is %s with %q", repo, version, m.MediaType, plats)
	}
}
