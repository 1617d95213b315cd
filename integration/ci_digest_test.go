package integration

import (
	"fmt"
	"os"
	"path/filepath"
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

func checkDigestWorkflow(t *testing.T, r, mirror *regtest.Registry, path, repo string, jobs ...string) {
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
	values := map[string]string{"env.IMAGE": image, "github.ref_name": version, "runner.temp": temp}
	env := map[string]string{"IMAGE": image}
	if mirror != nil {
		if wf.Env["MIRROR"] != "docker.io/${{ github.repository }}" {
			t.Fatalf("MIRROR is %q", wf.Env["MIRROR"])
		}
		values["env.MIRROR"], env["MIRROR"] = mirror.Host+"/"+repo, mirror.Host+"/"+repo
	}
	dir, pathEnv := ciCheckout(t)
	cosign, cosignPath := cosignWrapper(t)
	var order []string
	for name := range wf.Jobs {
		order = append(order, name)
	}
	slices.Sort(order)
	if !slices.Equal(order, slices.Sorted(slices.Values(jobs))) {
		t.Fatalf("jobs %v, want %v", order, jobs)
	}
	ran, signed := 0, 0
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
				return githubExpr(t, s, values, m, outputs)
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
				case strings.HasPrefix(s.Uses, "docker/metadata-action@"):
					env["DOCKER_METADATA_OUTPUT_JSON"] = playMetadataAction(t, expr(s.With["images"]), s.With["tags"], version)
				case strings.Contains(s.Run, "cosign"):
					if cosign == "" {
						t.Log("cosign is not installed (make peers builds it): the signing step is left out")
						continue
					}
					runStep(t, dir, cosignPath, expr(s.Run), env)
					signed++
				case s.Run != "" && !strings.Contains(s.Run, "go install"):
					env["GITHUB_OUTPUT"] = filepath.Join(t.TempDir(), "output")
					runStep(t, dir, pathEnv, expr(s.Run), env)
					if s.ID != "" {
						for k, v := range readStepOutputs(t, env["GITHUB_OUTPUT"]) {
							outputs["steps."+s.ID+".outputs."+k] = v
						}
					}
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
	if mirror == nil {
		return
	}
	// both registries hold it under both tags, and, when signed, its
	// signature verifies in each
	for _, reg := range []*regtest.Registry{r, mirror} {
		for _, tag := range []string{version, "latest"} {
			if got, err := reg.GetManifest(repo, tag); err != nil || got.Digest != m.Digest {
				t.Errorf("%s/%s:%s: %v %s, want %s", reg.Host, repo, tag, err, got.Digest, m.Digest)
			}
		}
		if signed > 0 {
			if err := cosignAt(t, filepath.Dir(cosign), false, "verify", "--key", "cosign.pub", "--insecure-ignore-tlog", "--allow-http-registry", reg.Host+"/"+repo+"@"+m.Digest); err != nil {
				t.Errorf("the signature does not verify: %v", err)
			}
		}
	}
	if cosign != "" && signed == 0 {
		t.Error("no cosign step ran")
	}
}

// playMetadataAction plays docker/metadata-action's step: its JSON output
// for each image (a line of images) under the tags the tags input names
// (type=ref,event=tag: the version; type=raw,value=latest).
func playMetadataAction(t *testing.T, images, tags, version string) string {
	t.Helper()
	if tags != "type=ref,event=tag\ntype=raw,value=latest\n" {
		t.Fatalf("metadata-action tags %q: the test plays type=ref,event=tag and type=raw,value=latest", tags)
	}
	var refs []string
	for _, img := range strings.Fields(images) {
		refs = append(refs, img+":"+version, img+":latest")
	}
	return metadataActionJSON(refs...)
}

// cosignWrapper makes a PATH whose cosign signs offline, with a key made
// for the test, by plain HTTP; "" when cosign is not installed. It
// returns the wrapper's path (its folder holds the keys) and the PATH.
func cosignWrapper(t *testing.T) (string, string) {
	t.Helper()
	bin := peer("cosign")
	if bin == "" {
		return "", ""
	}
	home := t.TempDir()
	if err := cosignAt(t, home, false, "generate-key-pair"); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(home, "cosign")
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = sign ] || exit 64\nshift\nexport HOME=%q COSIGN_PASSWORD= TUF_ROOT=%q\nexec %q sign --key %q --tlog-upload=false --allow-http-registry \"$@\"\n",
		home, filepath.Join(home, "tuf"), bin, filepath.Join(home, "cosign.key"))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper, home + string(os.PathListSeparator) + os.Getenv("PATH")
}
