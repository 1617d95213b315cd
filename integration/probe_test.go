package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// the contract's check names, in order
var probeChecks = []string{"api", "auth", "blob-upload", "blob-upload-chunked", "blob-mount", "docker-manifest", "oci-manifest",
	"docker-manifest-list", "oci-index", "index-annotations", "artifact-subject", "referrers-api", "tag-list", "delete"}

type probeJSON struct {
	Registry   string `json:"registry"`
	Repository string `json:"repository"`
	Checks     []struct {
		Name, Status, Detail string
	} `json:"checks"`
	Leftovers []struct {
		Kind, Repository, Digest string
	} `json:"leftovers"`
}

// probe runs probe --output json and returns the rows by name.
func probe(t *testing.T, want int, args ...string) (probeJSON, map[string]string) {
	t.Helper()
	res := mt(t, append([]string{"probe", "--output", "json"}, args...)...)
	if res.code != want {
		t.Fatalf("exit %d, want %d; stderr: %s", res.code, want, res.stderr)
	}
	var p probeJSON
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	rows := map[string]string{}
	var names []string
	for _, c := range p.Checks {
		rows[c.Name] = c.Status
		names = append(names, c.Name)
		if c.Detail == "" {
			t.Errorf("%s has no detail", c.Name)
		}
	}
	if !reflect.DeepEqual(names, probeChecks) {
		t.Errorf("checks %q, want %q", names, probeChecks)
	}
	return p, rows
}

// changed lists the checks whose status differs between a and b.
func changed(a, b map[string]string) []string {
	var out []string
	for _, n := range probeChecks {
		if a[n] != b[n] {
			out = append(out, n)
		}
	}
	return out
}

// tagsOf lists a repository's tags straight from the registry.
func tagsOf(t *testing.T, r *regtest.Registry, repo string) []string {
	t.Helper()
	resp, err := http.Get(r.URL() + "/v2/" + repo + "/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tl struct{ Tags []string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &tl)
	return tl.Tags
}

func TestProbe(t *testing.T) {
	t.Parallel()
	full := regtest.New(t)
	p, rows := probe(t, 0, "--plain-http", full.Host)
	want := map[string]string{}
	for _, n := range probeChecks {
		want[n] = "supported"
	}
	want["referrers-api"] = "unsupported" // Distribution has no referrers API: the tag fallback
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	if p.Registry != full.Host || p.Repository != "manifest-tool-probe" || len(p.Leftovers) != 0 {
		t.Errorf("result %+v", p)
	}
	if tags := tagsOf(t, full, "manifest-tool-probe"); len(tags) != 0 {
		t.Errorf("tags left behind: %v", tags)
	}

	t.Run("deletes disabled", func(t *testing.T) {
		r := regtest.New(t, regtest.Options{NoDelete: true})
		p, got := probe(t, 0, "--plain-http", r.Host+"/team/probe")
		if diff := changed(rows, got); !reflect.DeepEqual(diff, []string{"delete"}) {
			t.Errorf("rows that changed: %v (%v)", diff, got)
		}
		if p.Repository != "team/probe" || len(p.Leftovers) == 0 || p.Leftovers[0].Kind != "manifest" || p.Leftovers[0].Repository != "team/probe" || !strings.HasPrefix(p.Leftovers[0].Digest, "sha256:") {
			t.Errorf("leftovers %q", p.Leftovers)
		}
		text := mt(t, "--plain-http", "probe", r.Host+"/team/probe")
		for _, line := range strings.Split(text.stdout, "\n") {
			if len(line) > 80 {
				t.Errorf("line over 80 columns: %q", line)
			}
		}
		if !strings.Contains(text.stdout, "\ndelete                unsupported ") || !strings.Contains(text.stdout, "Could not remove from "+r.Host+"/team/probe:\n  manifests:\n    sha256:") {
			t.Errorf("text output:\n%s", text.stdout)
		}
	})

	t.Run("read-only", func(t *testing.T) {
		r := regtest.New(t, regtest.Options{ReadOnly: true})
		_, got := probe(t, 3, "--plain-http", r.Host)
		wantChanged := []string{"blob-upload", "blob-upload-chunked", "blob-mount", "docker-manifest", "oci-manifest",
			"docker-manifest-list", "oci-index", "index-annotations", "artifact-subject", "referrers-api", "tag-list", "delete"}
		if diff := changed(rows, got); !reflect.DeepEqual(diff, wantChanged) {
			t.Errorf("rows that changed: %v (%v)", diff, got)
		}
		mt(t, "--plain-http", "probe", r.Host).fails(t, 3, "error: "+r.Host+" cannot hold Docker manifest lists or OCI indexes")
	})

	t.Run("auth", func(t *testing.T) {
		r := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
		mt(t, "--insecure", "probe", r.Host).fails(t, 1,
			"error: probing "+r.Host+": unauthorized: "+r.Host+" requires credentials and none were found (run docker login "+r.Host+", or pass --username with --password-stdin)")
		mt(t, "--insecure", "--username", authUser, "--password", "wrong", "probe", r.Host).fails(t, 1,
			"error: probing "+r.Host+": unauthorized as user \"alice\" (check --docker-cfg or docker login "+r.Host+", --username, and access to the repository)")
		p, got := probe(t, 0, "--insecure", "--username", authUser, "--password", authPass, r.Host)
		if diff := changed(rows, got); len(diff) != 0 {
			t.Errorf("rows that changed: %v", diff)
		}
		if p.Checks[1].Detail != `basic (realm "regtest")` {
			t.Errorf("auth row %q", p.Checks[1].Detail)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		down := freeAddr(t)
		mt(t, "--plain-http", "probe", down).fails(t, 1, "error: probing "+down+": connection refused by "+down+" (is the registry running, and is the address right?)")
	})
}

// integration/probe-registry.sh runs probe, building the tool when it is
// not on PATH.
func TestProbeScript(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	bin := t.TempDir()
	if err := os.Symlink(binary, filepath.Join(bin, "manifest-tool")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "probe-registry.sh", "--plain-http", r.Host)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+"/usr/bin:/bin", "DOCKER_CONFIG="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "oci-index             supported") {
		t.Errorf("probe-registry.sh: %v\n%s", err, out)
	}
	// without manifest-tool on PATH it builds one (with the go on this PATH)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	cmd = exec.Command("sh", "probe-registry.sh", "--plain-http", r.Host)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(goBin)+string(os.PathListSeparator)+"/usr/bin:/bin", "DOCKER_CONFIG="+t.TempDir())
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "building it from") || !strings.Contains(string(out), "docker-manifest-list  supported") {
		t.Errorf("probe-registry.sh without manifest-tool: %v\n%s", err, out)
	}
	bad := exec.Command("sh", "probe-registry.sh")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "usage:") {
		t.Errorf("no arguments: %v %s", err, out)
	}
}
