package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// the contract's check names, in order
var probeChecks = []string{"api", "auth", "blob-upload", "blob-upload-chunked", "blob-mount", "docker-manifest", "oci-manifest",
	"docker-manifest-list", "oci-index", "mixed-list", "index-annotations", "artifact-subject", "referrers-api", "tag-list", "delete", "tag-delete"}

type probeJSON struct {
	Registry   string `json:"registry"`
	Repository string `json:"repository"`
	Checks     []struct {
		Name, Status, Detail string
	} `json:"checks"`
	Leftovers []struct {
		Kind, Repository, Digest, Tag string
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
	b, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.Contains(string(b), "NAME_UNKNOWN"):
		return nil // no such repository: no tags
	case resp.StatusCode != http.StatusOK:
		t.Fatalf("listing the tags of %s: %s %s", repo, resp.Status, b)
	}
	var tl struct{ Tags []string }
	if err := json.Unmarshal(b, &tl); err != nil {
		t.Fatalf("listing the tags of %s: %v: %s", repo, err, b)
	}
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
		if diff := changed(rows, got); !reflect.DeepEqual(diff, []string{"delete", "tag-delete"}) {
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
		// (referrers-api is unsupported either way)
		wantChanged := []string{"blob-upload", "blob-upload-chunked", "blob-mount", "docker-manifest", "oci-manifest",
			"docker-manifest-list", "oci-index", "mixed-list", "index-annotations", "artifact-subject", "tag-list", "delete", "tag-delete"}
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

// Each row tells the truth about a registry that behaves otherwise: a
// proxy in front of the Distribution registry refuses or rewrites one thing.
func TestProbeRows(t *testing.T) {
	t.Parallel()
	errorJSON := func(w http.ResponseWriter, status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"refused by the test"}]}`, code)
	}
	tests := []struct {
		name  string
		hook  regtest.Hook
		check string
		want  string
		exit  int
	}{
		{"mount offers an upload", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "POST" && r.URL.Query().Get("from") != "" {
				r.URL.RawQuery = "" // start a plain upload instead: 202
			}
			return false
		}, "blob-mount", "unsupported", 0},
		{"no PATCH", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "PATCH" {
				errorJSON(w, 405, "UNSUPPORTED")
				return true
			}
			return false
		}, "blob-upload-chunked", "unsupported", 0},
		{"no monolithic PUT", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "PUT" && strings.Contains(r.URL.Path, "/blobs/uploads/") && r.ContentLength > 0 && r.URL.Query().Get("digest") != "" && r.Header.Get("Content-Range") == "" {
				errorJSON(w, 400, "BLOB_UPLOAD_INVALID")
				return true
			}
			return false
		}, "blob-upload", "unsupported", 0},
		{"rewritten index", func(w http.ResponseWriter, r *http.Request) bool {
			// the registry stores the annotated index with its JSON re-indented
			if r.Method == "PUT" && strings.HasSuffix(r.URL.Path, "-annotations") {
				body, _ := io.ReadAll(r.Body)
				var buf bytes.Buffer
				_ = json.Indent(&buf, body, "", "  ")
				r.Body, r.ContentLength = io.NopCloser(&buf), int64(buf.Len())
			}
			return false
		}, "index-annotations", "unsupported", 0},
		{"referrers answer 500", func(w http.ResponseWriter, r *http.Request) bool {
			if strings.Contains(r.URL.Path, "/referrers/") {
				errorJSON(w, 500, "UNKNOWN")
				return true
			}
			return false
		}, "referrers-api", "unknown", 0},
		{"no list type", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == "PUT" && r.Header.Get("Content-Type") == "application/vnd.docker.distribution.manifest.list.v2+json" {
				errorJSON(w, 400, "MANIFEST_INVALID")
				return true
			}
			return false
		}, "docker-manifest-list", "unsupported", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := regtest.New(t)
			host := regtest.Proxy(t, r, tc.hook)
			_, rows := probe(t, tc.exit, "--plain-http", host)
			if rows[tc.check] != tc.want {
				t.Errorf("%s: %s, want %s", tc.check, rows[tc.check], tc.want)
			}
		})
	}
}

// A registry whose /v2/ is open but whose writes need credentials the run
// does not have: the probe says so and exits 1, it is no finding about lists.
func TestProbeWritesRefused(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method != "GET" && req.Method != "HEAD" {
			w.Header().Set("WWW-Authenticate", `Basic realm="writers"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return true
		}
		return false
	})
	res := mt(t, "--plain-http", "probe", "-o", "json", host)
	res.fails(t, 1, "error: pushing to "+host+"/manifest-tool-probe: unauthorized: "+host+" requires credentials and none were found (run docker login "+host+", or pass --username with --password-stdin)")
	var p probeJSON
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatal(err)
	}
	if p.Checks[1].Detail != `basic (realm "writers"); /v2/ is open, POST asked for it` || p.Checks[2].Status != "unsupported" || p.Checks[7].Status != "unknown" {
		t.Errorf("rows %+v", p.Checks)
	}
}

// The probe works in a repository that holds other things, and leaves them
// as they were: their tags, and the blobs it shares with them.
func TestProbeSharedRepository(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	user := regtest.NewFixedImage(linuxAMD64, false, "user")
	if err := r.PushImage("team/app", "probe-oci", user); err != nil {
		t.Fatal(err)
	}
	art, blobs := regtest.NewArtifact("application/vnd.example.sig", user.Manifest.Descriptor, []byte("sig"))
	for _, b := range blobs { // blobs[0] is the empty config the probe uses too
		if err := r.PushBlob("team/app", b.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PutManifest("team/app", "user-sig", art.MediaType, art.Data); err != nil {
		t.Fatal(err)
	}
	p, _ := probe(t, 0, "--plain-http", r.Host+"/team/app")
	if len(p.Leftovers) != 0 {
		t.Errorf("leftovers %+v", p.Leftovers)
	}
	if tags := tagsOf(t, r, "team/app"); !reflect.DeepEqual(tags, []string{"probe-oci", "user-sig"}) {
		t.Errorf("tags after the probe: %v", tags)
	}
	if ok, _ := r.HasBlob("team/app", blobs[0].Digest); !ok {
		t.Error("the probe deleted the shared empty blob")
	}
	if _, err := r.GetManifest("team/app", "user-sig"); err != nil {
		t.Errorf("the user's artifact: %v", err)
	}
}

// A registry that answers a blob DELETE without deleting: what is still
// there is listed.
func TestProbeLeftoversChecked(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == "DELETE" && strings.Contains(req.URL.Path, "/blobs/") {
			w.WriteHeader(http.StatusNotFound)
			return true
		}
		return false
	})
	p, _ := probe(t, 0, "--plain-http", host)
	blobs := 0
	for _, l := range p.Leftovers {
		if l.Kind == "blob" {
			blobs++
		}
		if l.Kind == "manifest" {
			t.Errorf("manifest left: %+v", l)
		}
	}
	if blobs == 0 {
		t.Errorf("leftovers %+v: the blobs still served are not listed", p.Leftovers)
	}
}

func TestProbeUsage(t *testing.T) {
	t.Parallel()
	for arg, why := range map[string]string{
		"myrepo":                  "a registry host has a dot or a port, or is localhost",
		"reg.example.com/app:1.0": "it names a repository, not a tag or a digest",
		"reg.example.com/App":     "the repository name is not valid",
	} {
		mt(t, "probe", arg).fails(t, 2, fmt.Sprintf("error: %q is not REGISTRY[/REPO]: %s (e.g. registry.example.com/team/probe)", arg, why))
	}
}

// cutAnswer takes the connection and writes answer, then closes it: an
// answer cut off, or bytes that are no HTTP answer at all.
func cutAnswer(answer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString(answer)
		buf.Flush()
	}
}

// A registry whose upload answers are cut off, or garbage: the probe could
// not complete the blob upload, so it cannot tell whether lists and
// indexes work. The upload is unknown with its cause, and so is every
// check that needed it; the run is a registry failure (exit 1, one line
// naming the request), not a finding that lists are unsupported (exit
// 3). Through text and --output json, side by side (each run waits out
// the transport's retries, about a minute); the memory and time measured
// are logged and held.
func TestProbeUploadCutOff(t *testing.T) {
	t.Parallel()
	dependent := []string{"blob-upload-chunked", "blob-mount", "docker-manifest", "oci-manifest", "docker-manifest-list",
		"oci-index", "index-annotations", "artifact-subject", "referrers-api"}
	for _, tc := range []struct{ name, answer string }{
		{"cut off", "HTTP/1.1 202 Accepted\r\nLocation: /v2/app/blobs/uploads/"},
		{"garbage", "\x00\x01 this is no HTTP answer \xff\xfe\r\n\r\n"},
	} {
		for _, out := range []string{"text", "json"} {
			t.Run(tc.name+", "+out, func(t *testing.T) {
				t.Parallel()
				h := newHostile(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
				h.route("/v2/app/blobs/uploads/", cutAnswer(tc.answer))
				cause := "POST " + h.Host + "/v2/app/blobs/uploads/: connection closed before a whole answer (10 attempts)"
				res := mtMeasured(t, nil, "", "--plain-http", "probe", "--output", out, h.Host+"/app")
				res.fails(t, 1, "error: could not tell whether "+h.Host+" holds Docker manifest lists or OCI indexes: blob-upload: "+cause)
				t.Logf("measured: upload answers %s, probe -o %s: exit %d, max RSS %d KiB (%.1f MiB), %s",
					tc.name, out, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
				if res.maxRSS > 200<<10 {
					t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
				}
				if res.elapsed > budget {
					t.Errorf("ended after %s, over %s", res.elapsed, budget)
				}
				if out == "text" {
					for _, check := range append([]string{"blob-upload"}, dependent...) {
						if !regexp.MustCompile(`(?m)^` + check + ` +unknown `).MatchString(res.stdout) {
							t.Errorf("no %q row saying unknown", check)
						}
					}
					if strings.Contains(res.stdout, "unsupported") {
						t.Errorf("a check is said unsupported:\n%s", res.stdout)
					}
					return
				}
				var p probeJSON
				if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
				}
				status, detail := map[string]string{}, map[string]string{}
				for _, c := range p.Checks {
					status[c.Name], detail[c.Name] = c.Status, c.Detail
				}
				if status["blob-upload"] != "unknown" || !strings.HasSuffix(detail["blob-upload"], "-byte blob: "+cause) {
					t.Errorf("blob-upload %s: %q; want unknown, with its cause", status["blob-upload"], detail["blob-upload"])
				}
				for _, check := range dependent {
					if status[check] != "unknown" || detail[check] != "not tried: the blob upload could not be completed" {
						t.Errorf("%s %s: %q; want unknown, not tried", check, status[check], detail[check])
					}
				}
			})
		}
	}
}

// Ctrl-C during a probe of a slow registry (every request takes 700 ms
// once the signal is sent, so the cleanup takes more than 10 s): probe
// deletes what it pushed, within its bound, prints its rows and what it
// could not remove, and ends with exit 1 saying it was interrupted. The
// end of a run stuck in a system call, 10 s after a signal, does not cut
// that cleanup off with a line that blames a file. The time measured is
// logged.
func TestProbeCleansUpAfterCtrlC(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	reached := make(chan struct{}, 1)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/tags/list") {
			select {
			case reached <- struct{}{}:
			default:
			}
		}
		return false
	})
	args := []string{"--plain-http", "probe", "--output", "json", host}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir())
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-reached:
	case <-time.After(time.Minute):
		t.Fatal("the probe never listed tags")
	}
	r.SetLatency(700 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
	}
	r.SetLatency(0)
	code := cmd.ProcessState.ExitCode()
	t.Logf("$ manifest-tool %s (Ctrl-C at the tag list, then 700 ms a request)\n%s%s(exit %d)", strings.Join(args, " "), stdout.String(), stderr.String(), code)
	t.Logf("measured: probe interrupted before a slow cleanup: exit %d, %s after the signal, %s in all; probe tags left %q",
		code, time.Since(signalled).Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond), tagsOf(t, r, "manifest-tool-probe"))
	if code != 1 || strings.Contains(stderr.String(), "did not stop within") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 after the cleanup, not the end of a stuck run", code, stderr.String())
	}
	var p probeJSON
	if err := json.Unmarshal([]byte(stdout.String()), &p); err != nil {
		t.Fatalf("no report on stdout: %v\n%s", err, stdout.String())
	}
	if tags := tagsOf(t, r, "manifest-tool-probe"); len(tags) != 0 && len(p.Leftovers) == 0 {
		t.Errorf("tags left behind %q, and no leftover listed", tags)
	}
}
