package integration

import (
	"encoding/json"
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

// action is the part of action.yml the test reads.
type action struct {
	Inputs  map[string]struct{ Default string }
	Outputs map[string]struct{ Value string }
	Runs    struct {
		Using string
		Steps []struct {
			ID, Name, Shell, Run string
			Env                  map[string]string
		}
	}
}

var actionExpr = regexp.MustCompile(`\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}`)

// readStepOutputs reads a $GITHUB_OUTPUT file: name=value lines and the
// heredoc form (name<<DELIM ... DELIM).
func readStepOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var value []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				value = append(value, lines[i])
			}
			out[name] = strings.Join(value, "\n")
		} else if name, value, ok := strings.Cut(lines[i], "="); ok {
			out[name] = value
		}
	}
	return out
}

// runAction runs action.yml's steps as GitHub runs a composite action:
// each with bash -eo pipefail, ${{ inputs.* }} replaced by the inputs (or
// their defaults), GITHUB_ACTION_PATH the repository, RUNNER_TEMP and
// GITHUB_OUTPUT files of its own; it returns the action's outputs, and
// the error of the step that failed.
func runAction(t *testing.T, inputs map[string]string) (map[string]string, error) {
	t.Helper()
	b, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs using %q, want composite", a.Runs.Using)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	temp := t.TempDir()
	steps := map[string]map[string]string{}
	expr := func(s string) string {
		return actionExpr.ReplaceAllStringFunc(s, func(e string) string {
			name := actionExpr.FindStringSubmatch(e)[1]
			if k, ok := strings.CutPrefix(name, "inputs."); ok {
				if v, ok := inputs[k]; ok {
					return v
				}
				if in, ok := a.Inputs[k]; ok {
					return in.Default
				}
			}
			if rest, ok := strings.CutPrefix(name, "steps."); ok {
				id, out, _ := strings.Cut(rest, ".outputs.")
				return steps[id][out]
			}
			t.Fatalf("action.yml: an expression the test does not know: %s", e)
			return ""
		})
	}
	for k := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
	}
	for i, s := range a.Runs.Steps {
		if s.Shell != "bash" {
			t.Fatalf("step %d: shell %q, want bash", i, s.Shell)
		}
		output := filepath.Join(temp, fmt.Sprintf("output-%d", i))
		if err := os.WriteFile(output, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expr(s.Run))
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+root, "RUNNER_TEMP="+temp, "GITHUB_OUTPUT="+output, "DOCKER_CONFIG="+t.TempDir())
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+expr(v))
		}
		out, err := cmd.CombinedOutput()
		t.Logf("step %q:\n%s", s.Name, out)
		if err != nil {
			return nil, fmt.Errorf("step %q: %v: %s", s.Name, err, out)
		}
		if s.ID != "" {
			steps[s.ID] = readStepOutputs(t, output)
		}
	}
	outputs := map[string]string{}
	for name, o := range a.Outputs {
		outputs[name] = expr(o.Value)
	}
	return outputs, nil
}

// The action builds the tool from its own checkout, pushes from-args with
// docker/metadata-action's JSON to two registries, and its outputs digest,
// refs and metadata say what the registries hold.
func TestAction(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the action builds the tool with Go, which is not on PATH")
	}
	a, b := regtest.New(t), regtest.New(t)
	imgs := seed(t, a, "builds", "1", false, linuxAMD64, linuxARM64)
	var digests []string
	for _, img := range imgs {
		digests = append(digests, img.Manifest.Digest)
	}
	dir := digestsDir(t, digests...)
	out, err := runAction(t, map[string]string{
		"args":            fmt.Sprintf("--plain-http --type oci\n  --members-from %s --member-repo %s/builds", dir, a.Host),
		"metadata-action": metadataActionJSON(a.Host+"/app:1.0", a.Host+"/app:latest", b.Host+"/app:1.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := a.GetIndex("app", "latest")
	if err != nil {
		t.Fatal(err)
	}
	if m2, err := b.GetManifest("app", "1.0"); err != nil || m2.Digest != m.Digest {
		t.Errorf("%s/app:1.0: %v %s, want %s", b.Host, err, m2.Digest, m.Digest)
	}
	if out["digest"] != m.Digest {
		t.Errorf("output digest %q, want %s", out["digest"], m.Digest)
	}
	wantRefs := []string{a.Host + "/app:1.0", a.Host + "/app:latest", b.Host + "/app:1.0"}
	for _, r := range wantRefs {
		if !strings.Contains("\n"+out["refs"]+"\n", "\n"+r+"\n") {
			t.Errorf("output refs %q lacks %s", out["refs"], r)
		}
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(out["metadata"]), &meta); err != nil {
		t.Fatalf("output metadata %q: %v", out["metadata"], err)
	}
	desc, _ := meta["containerimage.descriptor"].(map[string]any)
	if meta["containerimage.digest"] != m.Digest || desc["digest"] != m.Digest || int(desc["size"].(float64)) != len(m.Body) {
		t.Errorf("output metadata %v, want the digest %s and size %d", meta, m.Digest, len(m.Body))
	}
	names := strings.Split(fmt.Sprint(meta["image.name"]), ",")
	if len(names) != 2 {
		t.Errorf("image.name %v, want both repositories", meta["image.name"])
	}
	// the inputs are data, never shell: a command substitution or a glob
	// in args reaches the tool as written (a bad reference: exit 2)
	marker := filepath.Join(t.TempDir(), "ran")
	_, err = runAction(t, map[string]string{"args": "--target $(touch " + marker + ")/app:1 --member *"})
	if _, statErr := os.Stat(marker); err == nil || !strings.Contains(err.Error(), "exit status 2") || statErr == nil {
		t.Errorf("args with $(...): %v; the command ran: %v", err, statErr == nil)
	}
	// spec and args together: the push step refuses, exit 2
	if _, err := runAction(t, map[string]string{"spec": "release.yaml", "args": "--target x/y:1"}); err == nil || !strings.Contains(err.Error(), "exit status 2") {
		t.Errorf("spec and args: %v, want exit 2", err)
	}
}

// The action's spec mode, end to end with no registry: a spec whose
// members are OCI layouts and whose target is a layout (a spec cannot
// carry --plain-http for a local registry). The outputs name the index
// the target layout holds.
func TestActionSpec(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the action builds the tool with Go, which is not on PATH")
	}
	dir := t.TempDir()
	var spec strings.Builder
	spec.WriteString("image: ocidir://" + filepath.Join(dir, "out") + ":1.0\nmanifests:\n")
	for _, p := range []regtest.Platform{linuxAMD64, linuxARM64} {
		img := regtest.NewImage(p, false)
		src := filepath.Join(dir, "src-"+p.Architecture)
		if err := regtest.WriteLayout(src, "1", img.Manifest, img.Blobs()...); err != nil {
			t.Fatal(err)
		}
		spec.WriteString("  - image: ocidir://" + src + ":1\n")
	}
	specFile := filepath.Join(dir, "release.yaml")
	if err := os.WriteFile(specFile, []byte(spec.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runAction(t, map[string]string{"spec": specFile})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top regtest.Index
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, d := range top.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] == "1.0" {
			want = d.Digest
		}
	}
	if want == "" || out["digest"] != want {
		t.Errorf("output digest %q, want the layout's 1.0, %q", out["digest"], want)
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(out["metadata"]), &meta); err != nil || meta["containerimage.digest"] != want {
		t.Errorf("output metadata %q (%v), want the digest %s", out["metadata"], err, want)
	}
	if !strings.Contains(out["refs"], filepath.Join(dir, "out")) {
		t.Errorf("output refs %q lacks the layout", out["refs"])
	}
}
