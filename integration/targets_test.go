package integration

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Several targets per run: one index, resolved and built once, written to
// registries of three implementations (one over TLS with tokens) and to an
// OCI layout; a target that dies mid-run fails alone and a re-run
// completes it.

// targetsJSON is what push prints in JSON for a document of several
// targets: the first target's result, and each target's.
type targetsJSON struct {
	pushJSON
	Targets []struct {
		pushJSON
		Status string
	}
}

func targetsResult(t *testing.T, stdout string) targetsJSON {
	t.Helper()
	var p targetsJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &p); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, stdout)
	}
	return p
}

// statusOf lists "target=status" for each target.
func (p targetsJSON) statusOf() string {
	var s []string
	for _, t := range p.Targets {
		s = append(s, t.Target+"="+t.Status)
	}
	return strings.Join(s, " ")
}

// readDigest reads the digest of ref back with a peer client, skipping
// when it is not installed; args come before the reference.
func readDigest(t *testing.T, name string, env []string, args ...string) string {
	t.Helper()
	bin := peer(name)
	if bin == "" {
		t.Skipf("%s is not installed (make peers)", name)
	}
	out, err := run(t, env, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	if name == "skopeo" { // inspect --raw: the bytes, hashed here
		return fmt.Sprintf("sha256:%x", sha256.Sum256(out))
	}
	return strings.TrimSpace(string(out))
}

func TestSeveralTargets(t *testing.T) {
	t.Parallel()
	src := regtest.New(t)                                                                                        // Distribution 3, plain HTTP: members and a target
	tls := regtest.New(t, regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}}) // TLS and tokens
	ggcr := regtest.NewGGCR(t)
	d28 := regtest.NewDistribution28(t)
	seed(t, src, "build/app", "1", false, linuxAMD64, linuxARM64)
	layout := filepath.Join(t.TempDir(), "layout")
	targets := []string{src.Host + "/rel/app:1", tls.Host + "/rel/app:1", ggcr.Host + "/rel/app:1", d28.Host + "/rel/app:1", "ocidir://" + layout + ":1"}
	cfg := dockerConfig(t, tls.Host, authUser, authPass)
	env := []string{"DOCKER_CONFIG=" + cfg}
	args := []string{"--ca-file", caFile(t, tls), "--plain-http-registry", src.Host, "--plain-http-registry", ggcr.Host, "--plain-http-registry", d28.Host,
		"push", "--type", "oci", "from-args", "--member", src.Host + "/build/app:1-linux-amd64," + src.Host + "/build/app:1-linux-arm64v8",
		"--target", strings.Join(targets[:2], ","), "--target", targets[2], "--target", strings.Join(targets[3:], ","), "--tags", "latest"}

	src.Requests()
	res := mtEnv(t, env, "", args...)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	// members resolved once: one manifest GET each by tag, for the run
	var memberReads int
	for _, r := range src.Requests() {
		if strings.HasPrefix(r, "GET /v2/build/app/manifests/") {
			memberReads++
		}
	}
	if memberReads != 2 {
		t.Errorf("%d manifest GETs of the members for 5 targets, want 2 (one each)", memberReads)
	}
	// a Digest line and a line per tag, for each target
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 3*len(targets) {
		t.Errorf("%d lines, want %d (a Digest line and two tags per target):\n%s", len(lines), 3*len(targets), res.stdout)
	}
	digest := strings.Fields(lines[0])[1]
	for i, target := range targets {
		repo := strings.TrimSuffix(target, ":1")
		want := []string{"Digest: " + digest + " " + strings.Fields(lines[0])[2] + " " + target, repo + ":1 created", repo + ":latest created"}
		if got := lines[3*i : 3*i+3]; !slices.Equal(got, want) {
			t.Errorf("target %d: %q, want %q", i, got, want)
		}
	}

	// every target serves the same bytes, read back by three other clients
	home := []string{"HOME=" + t.TempDir()}
	for _, r := range []*regtest.Registry{src, ggcr, d28} {
		for _, tag := range []string{"1", "latest"} {
			ref := r.Host + "/rel/app:" + tag
			if got := readDigest(t, "crane", home, "digest", "--insecure", ref); got != digest {
				t.Errorf("crane digest %s: %s, want %s", ref, got, digest)
			}
			if got := readDigest(t, "regctl", home, "--host=reg="+r.Host+",tls=disabled", "image", "digest", ref); got != digest {
				t.Errorf("regctl image digest %s: %s, want %s", ref, got, digest)
			}
			if got := readDigest(t, "skopeo", home, "inspect", "--raw", "--tls-verify=false", "docker://"+ref); got != digest {
				t.Errorf("skopeo inspect --raw %s: %s, want %s", ref, got, digest)
			}
		}
	}
	ref := tls.Host + "/rel/app:latest"
	if got := readDigest(t, "regctl", home, "--host=reg="+tls.Host+",tls=insecure,user="+authUser+",pass="+authPass, "image", "digest", ref); got != digest {
		t.Errorf("regctl image digest %s: %s, want %s", ref, got, digest)
	}
	if got := readDigest(t, "skopeo", home, "inspect", "--raw", "--tls-verify=false", "--creds", authUser+":"+authPass, "docker://"+ref); got != digest {
		t.Errorf("skopeo inspect --raw %s: %s, want %s", ref, got, digest)
	}
	if got := readDigest(t, "regctl", home, "image", "digest", "ocidir://"+layout+":latest"); got != digest {
		t.Errorf("regctl image digest of the layout: %s, want %s", got, digest)
	}
	if got := readDigest(t, "skopeo", home, "inspect", "--raw", "oci:"+layout+":latest"); got != digest {
		t.Errorf("skopeo inspect --raw of the layout: %s, want %s", got, digest)
	}

	// the same run again: every target unchanged, nothing written
	src.Requests()
	tls.Requests()
	res = mtEnv(t, env, "", append(args, "--output", "json")...)
	p := targetsResult(t, res.stdout)
	if res.code != 0 || p.Digest != digest || p.Target != targets[0] || len(p.Targets) != len(targets) {
		t.Fatalf("exit %d, %+v", res.code, p)
	}
	for i, tr := range p.Targets {
		if tr.Target != targets[i] || tr.Status != "unchanged" || tr.Digest != digest || tagStatuses(tr.pushJSON) != "1=unchanged/same latest=unchanged/same" {
			t.Errorf("target %d on the re-run: %+v", i, tr)
		}
	}
	if w := regtest.Writes(append(src.Requests(), tls.Requests()...)); len(w) != 0 {
		t.Errorf("the re-run wrote %q", w)
	}
}

// A target that goes down once the run starts writing to it fails alone:
// the others complete, the run exits 1 naming it, and it holds no tag;
// the same command run again completes it and writes nothing to the
// others.
func TestSeveralTargetsOneDies(t *testing.T) {
	t.Parallel()
	src := regtest.New(t)
	seed(t, src, "build/app", "1", false, linuxAMD64, linuxARM64)
	regA, regB, regD := regtest.New(t), regtest.NewGGCR(t), regtest.New(t)
	pA, pB := regtest.ProxyWith(t, regA, regtest.ProxyOptions{}), regtest.ProxyWith(t, regB, regtest.ProxyOptions{})
	var dead, killed atomic.Bool
	dead.Store(true)
	pD := regtest.ProxyWith(t, regD, regtest.ProxyOptions{Faults: func(n int, r *http.Request) regtest.Fault {
		// down from the first manifest written: its blobs are in, no member is
		if dead.Load() && (killed.Load() || r.Method == http.MethodPut && regtest.Kind(r) == "PUT manifest") {
			killed.Store(true)
			return regtest.Reset
		}
		return regtest.NoFault
	}})
	targets := []string{pA.Host + "/rel/app:1", pD.Host + "/rel/app:1", pB.Host + "/rel/app:1"}
	spec := writeFile(t, "targets.yaml", fmt.Sprintf(`image: %s
targets:
  - %s
  - %s
tags: [latest]
manifests:
  - image: %s/build/app:1-linux-amd64
  - image: %s/build/app:1-linux-arm64v8
`, targets[0], targets[1], targets[2], src.Host, src.Host))
	args := []string{"--plain-http", "push", "--type", "oci", "--output", "json", "from-spec", spec}

	res := mt(t, args...)
	p := targetsResult(t, res.stdout)
	if res.code != 1 || !killed.Load() {
		t.Fatalf("exit %d (killed %v), want 1", res.code, killed.Load())
	}
	want := fmt.Sprintf("%s=created %s=failed %s=created", targets[0], targets[1], targets[2])
	if got := p.statusOf(); got != want {
		t.Errorf("statuses %s, want %s", got, want)
	}
	if d := p.Targets[1]; tagStatuses(d.pushJSON) != "1=skipped/ latest=skipped/" || len(d.Errors) == 0 || !strings.Contains(d.Errors[0], pD.Host+"/rel/app") {
		t.Errorf("the dead target: %+v", d)
	}
	if lines := errorLines(res.stderr); len(lines) == 0 || !strings.Contains(lines[0], pD.Host+"/rel/app") || strings.Contains(res.stderr, pA.Host+"/rel/app: ") {
		t.Errorf("the error names the dead target only:\n%s", res.stderr)
	}
	for _, tag := range []string{"1", "latest"} {
		if _, err := regD.GetManifest("rel/app", tag); err == nil {
			t.Errorf("the dead target has tag %s", tag)
		}
		for _, r := range []*regtest.Registry{regA, regB} {
			if m, err := r.GetManifest("rel/app", tag); err != nil || m.Digest != p.Digest {
				t.Errorf("%s/rel/app:%s: %v, %+v", r.Host, tag, err, m)
			}
		}
	}

	// back up: the same command completes it, and writes nothing elsewhere
	dead.Store(false)
	pA.Counts()
	pB.Counts()
	src.Requests()
	res = mt(t, args...)
	p = targetsResult(t, res.stdout)
	want = fmt.Sprintf("%s=unchanged %s=created %s=unchanged", targets[0], targets[1], targets[2])
	if res.code != 0 || p.statusOf() != want {
		t.Fatalf("exit %d, statuses %s, want %s", res.code, p.statusOf(), want)
	}
	writes := func(counts map[string]int) (n int) {
		for k, c := range counts {
			if !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "HEAD ") {
				n += c
			}
		}
		return n
	}
	a, b := pA.Counts(), pB.Counts()
	t.Logf("re-run, the targets that were complete: %s; %s", regtest.Describe(a), regtest.Describe(b))
	if writes(a)+writes(b)+len(regtest.Writes(src.Requests())) != 0 {
		t.Errorf("the re-run wrote to the complete targets: %s; %s", regtest.Describe(a), regtest.Describe(b))
	}
	for _, tag := range []string{"1", "latest"} {
		if m, err := regD.GetManifest("rel/app", tag); err != nil || m.Digest != p.Digest {
			t.Errorf("the revived target's %s: %v", tag, err)
		}
	}
}
