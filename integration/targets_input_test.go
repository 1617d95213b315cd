package integration

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// --username and --password with several targets in several registries:
// without --username-registry, exit 2 before any request; with it, the
// named registry alone gets them, and the target another registry refuses
// fails alone while the named one completes.
func TestSeveralTargetsCredentials(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}})
	seed(t, r, "scope/app", "1", false, linuxAMD64)
	var mu sync.Mutex
	var sent, withCreds int
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		sent++
		if u, p, ok := req.BasicAuth(); ok && u == authUser && p == authPass {
			withCreds++
		}
		return false
	})
	other := newCollector(t)
	spec := writeFile(t, "release.yaml", fmt.Sprintf("image: %s/scope/app:1\ntargets: [%s/pr/app:1]\nmanifests:\n  - image: %s/scope/app:1-linux-amd64\n", host, other.Host, host))
	flags := []string{"--plain-http", "--username", authUser, "--password-stdin"}

	res := mtMeasured(t, nil, authPass+"\n", append(flags, "push", "from-spec", spec)...)
	t.Logf("measured: two targets, no --username-registry: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	res.fails(t, 2, "error: --username and --password go to one registry, and this run pushes to 2 ("+host+", "+other.Host+
		"): name the one they are for with --username-registry HOST (the others use the Docker config)")
	if n, _ := other.seen(); n != 0 || sent != 0 {
		t.Errorf("requests before the refusal: %d to the other target, %d to the registry", n, sent)
	}
	if res.maxRSS > 200<<10 || res.elapsed > time.Minute {
		t.Errorf("max RSS %d KiB, %s", res.maxRSS, res.elapsed)
	}

	res = mtEnv(t, nil, authPass+"\n", append(flags, "--username-registry", host, "push", "from-spec", spec)...)
	n, auth := other.seen()
	if n == 0 || len(auth) != 0 {
		t.Errorf("the other target: %d requests, credentials %q; want some requests and no credentials", n, auth)
	}
	res.fails(t, 1, "error: reading the tag "+other.Host+"/pr/app:1: unauthorized: "+other.Host+
		" requires credentials and none were found (run docker login "+other.Host+", or pass --username with --password-stdin)")
	if withCreds == 0 {
		t.Error("the named registry was not sent the credentials")
	}
	if m, err := r.GetManifest("scope/app", "1"); err != nil {
		t.Errorf("the target the credentials are for was not written: %v", err)
	} else if !strings.Contains(res.stdout, "Digest: "+m.Digest) || !strings.Contains(res.stdout, other.Host+"/pr/app:1 skipped") {
		t.Errorf("stdout:\n%s", res.stdout)
	}
}

// Bad targets are bad input, exit 2 before any request, one line naming
// where: a target named twice (both places), one past --max-targets (or
// its variable), a hostile list (100,000 in a spec, 4000 on the command
// line), whose memory and time are held.
func TestSeveralTargetsRefused(t *testing.T) {
	t.Parallel()
	c := newCollector(t)
	h := c.Host
	member := "manifests: [{image: " + h + "/a:1}]\n"
	dup := writeFile(t, "dup.yaml", "image: "+h+"/app:1\ntags: [latest]\ntargets:\n  - "+h+"/mirror:1\n  - "+h+"/app:1\n"+member)
	clash := writeFile(t, "clash.yaml", "targets: ["+h+"/app:1, "+h+"/app:2]\ntags: [latest]\n"+member)
	var many strings.Builder
	many.WriteString("image: " + h + "/app:0\ntargets:\n")
	for i := range 100000 {
		fmt.Fprintf(&many, "  - %s/app:%d\n", h, i+1)
	}
	huge := writeFile(t, "huge.yaml", many.String()+member)
	items := make([]string, 4000) // 100 KB: a word on a command line is at most 128 KiB
	for i := range items {
		items[i] = fmt.Sprintf("%s/app:%d", h, i)
	}
	fromArgs := func(extra ...string) []string {
		return append([]string{"--plain-http", "push", "from-args", "--member", h + "/a:1"}, extra...)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"a target twice in a spec", nil, []string{"--plain-http", "push", "from-spec", dup},
			"error: " + dup + ":5: targets[1]: " + h + "/app:1 is also named by " + dup + ":1: image; give each target once"},
		{"a target twice on the command line", nil, fromArgs("--target", h+"/app:1", "--target", h+"/app:1"),
			`error: --target "` + h + `/app:1": ` + h + "/app:1 is given twice; give each target once"},
		{"an extra tag two targets write", nil, []string{"--plain-http", "push", "from-spec", clash},
			"error: " + clash + ":2: tags[0]: " + h + "/app:latest is written for the target of " + clash + ":1: targets[0] and for the target of " + clash + ":1: targets[1]; a tag can point at one index"},
		{"over --max-targets", nil, fromArgs("--max-targets", "1", "--target", h+"/app:1,"+h+"/app:2"),
			`error: --target "` + h + `/app:2": more than 1 targets in one document (--max-targets raises the limit)`},
		{"over MANIFEST_TOOL_MAX_TARGETS", []string{"MANIFEST_TOOL_MAX_TARGETS=2"}, []string{"--plain-http", "push", "from-spec", dup},
			"error: " + dup + ":5: targets[1]: more than 2 targets in one document (--max-targets raises the limit)"},
		{"100,000 targets in a spec", nil, []string{"--plain-http", "push", "from-spec", huge},
			"error: " + huge + ":66: targets[63]: more than 64 targets in one document (--max-targets raises the limit)"},
		{"4000 targets on the command line", nil, fromArgs("--target", strings.Join(items, ",")),
			`error: --target "` + h + `/app:64": more than 64 targets in one document (--max-targets raises the limit)`},
		{"edit, one target twice", nil, []string{"--plain-http", "edit", "--remove", "linux/s390x", h + "/app:1", h + "/app:1"},
			`error: TARGET "` + h + `/app:1": ` + h + "/app:1 is given twice; give each target once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mtMeasured(t, tc.env, "", tc.args...)
			t.Logf("measured: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
			res.fails(t, 2, tc.want)
			if res.maxRSS > 200<<10 || res.elapsed > 30*time.Second {
				t.Errorf("max RSS %d KiB, %s: over 200 MiB or 30s", res.maxRSS, res.elapsed)
			}
		})
	}
	if n, _ := c.seen(); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}
