package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// faultRuns is how many pushes each fault schedule must get right.
const faultRuns = 20

// release is a push that exercises every kind of request: members
// streamed from another registry (one a buildx index with an
// attestation), one mounted from another repository, the index and an
// extra tag. src and dst are the registries as the tool reaches them
// (through a proxy or not); dst is checked directly.
type release struct {
	src, dst *regtest.Registry
	amd, arm regtest.Image
	bx       regtest.BuildxIndex
}

func newRelease(t *testing.T) *release {
	t.Helper()
	rel := &release{src: regtest.New(t), dst: regtest.New(t)}
	rel.amd = seed(t, rel.src, "build/amd64", "1", false, linuxAMD64)["1-linux-amd64"]
	rel.bx = regtest.NewBuildxIndex(linuxS390x)
	if err := rel.src.PushBuildx("build/s390x", "1", rel.bx); err != nil {
		t.Fatal(err)
	}
	rel.arm = seed(t, rel.dst, "staging/app", "1", false, linuxARM64)["1-linux-arm64v8"]
	return rel
}

// args pushes the release into repo of dst, reaching src and dst at
// srcHost and dstHost.
func (rel *release) args(srcHost, dstHost, repo string) []string {
	spec := fmt.Sprintf(`image: %[2]s/%[3]s:1.0
type: oci
tags: [latest]
manifests:
  - image: %[1]s/build/amd64:1-linux-amd64
  - image: %[1]s/build/s390x:1
  - image: %[2]s/staging/app:1-linux-arm64v8
`, srcHost, dstHost, repo)
	return []string{"--plain-http", "push", "from-spec", "-", spec}
}

// run pushes with the spec on stdin.
func (rel *release) run(t *testing.T, args []string) result {
	t.Helper()
	return mtEnv(t, nil, args[len(args)-1], args[:len(args)-1]...)
}

// check verifies that both tags of repo point at the index the tool
// printed, with the right entries, and that every member and blob is in
// the repository; it returns what is wrong, or "".
func (rel *release) check(repo, digest string) string {
	want := map[string]bool{}
	for _, img := range []regtest.Image{rel.amd, rel.bx.Image, rel.bx.Attestation, rel.arm} {
		want[img.Manifest.Digest] = true
		m, err := rel.dst.GetManifest(repo, img.Manifest.Digest)
		if err != nil || m.Digest != img.Manifest.Digest {
			return fmt.Sprintf("member %s not in %s: %v", img.Manifest.Digest, repo, err)
		}
		for _, b := range append(img.Layers, img.Config) {
			if ok, err := rel.dst.HasBlob(repo, b.Digest); !ok {
				return fmt.Sprintf("blob %s not in %s: %v", b.Digest, repo, err)
			}
		}
	}
	for _, tag := range []string{"1.0", "latest"} {
		m, idx, err := rel.dst.GetIndex(repo, tag)
		if err != nil {
			return fmt.Sprintf("%s:%s: %v", repo, tag, err)
		}
		if m.Digest != digest || regtest.Digest(m.Body) != digest {
			return fmt.Sprintf("%s:%s is %s, want %s", repo, tag, m.Digest, digest)
		}
		if len(idx.Manifests) != len(want) {
			return fmt.Sprintf("%s:%s has %d entries, want %d", repo, tag, len(idx.Manifests), len(want))
		}
		for _, e := range idx.Manifests {
			if !want[e.Digest] {
				return fmt.Sprintf("%s:%s lists %s, not a member", repo, tag, e.Digest)
			}
		}
	}
	return ""
}

// Each fault schedule, through the fault proxy in front of both
// registries: every one of faultRuns pushes must exit 0 with the index an
// undisturbed run makes, its members and blobs all in place.
func TestFaults(t *testing.T) {
	t.Parallel()
	rel := newRelease(t)
	res := rel.run(t, rel.args(rel.src.Host, rel.dst.Host, "release/undisturbed"))
	want, _ := res.ok(t)
	if problem := rel.check("release/undisturbed", want); problem != "" {
		t.Fatal(problem)
	}
	every := func(k int, f regtest.Fault) func(int, *http.Request) regtest.Fault {
		return func(n int, _ *http.Request) regtest.Fault {
			if n%k == 0 {
				return f
			}
			return regtest.NoFault
		}
	}
	schedules := []struct {
		name   string
		opts   regtest.ProxyOptions
		faults []regtest.Fault // each must be injected
	}{
		{"503 on every 3rd request", regtest.ProxyOptions{Faults: every(3, regtest.Unavailable)}, []regtest.Fault{regtest.Unavailable}},
		{"429 Retry-After 1 on every 5th request", regtest.ProxyOptions{Faults: every(5, regtest.RateLimited)}, []regtest.Fault{regtest.RateLimited}},
		{"connection reset mid-response on every 4th request", regtest.ProxyOptions{Faults: every(4, regtest.Cut)}, []regtest.Fault{regtest.Cut}},
		{"200 ms latency", regtest.ProxyOptions{Latency: 200 * time.Millisecond}, nil},
		{"all at once: 200 ms, then every 3rd request 503, 429, cut or reset in turn", regtest.ProxyOptions{
			Latency: 200 * time.Millisecond,
			Faults: func(n int, _ *http.Request) regtest.Fault {
				if n%3 != 0 {
					return regtest.NoFault
				}
				return []regtest.Fault{regtest.Unavailable, regtest.RateLimited, regtest.Cut, regtest.Reset}[(n/3)%4]
			},
		}, []regtest.Fault{regtest.Unavailable, regtest.RateLimited, regtest.Cut, regtest.Reset}},
	}
	var report []string
	for i, sc := range schedules {
		var (
			mu       sync.Mutex
			correct  int
			faults   = map[regtest.Fault]int{}
			requests int
			failures []string
		)
		start := time.Now()
		var wg sync.WaitGroup
		for run := range faultRuns {
			ps, pd := regtest.ProxyWith(t, rel.src, sc.opts), regtest.ProxyWith(t, rel.dst, sc.opts)
			wg.Add(1)
			go func() {
				defer wg.Done()
				repo := fmt.Sprintf("release/s%d-run%d", i, run)
				args := rel.args(ps.Host, pd.Host, repo)
				res, err := runTool(t, nil, args[len(args)-1], args[:len(args)-1]...)
				problem := ""
				if err != nil {
					problem = err.Error()
				} else if res.code != 0 {
					problem = fmt.Sprintf("exit %d: %s", res.code, strings.TrimSpace(res.stderr))
				} else if m := digestLineRE.FindStringSubmatch(res.stdout); m == nil || m[1] != want {
					problem = fmt.Sprintf("printed %q, want Digest: %s", res.stdout, want)
				} else {
					problem = rel.check(repo, want)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, p := range []*regtest.FaultProxy{ps, pd} {
					for f, n := range p.Faults() {
						faults[f] += n
					}
					requests += regtest.Total(p.Counts())
				}
				if problem == "" {
					correct++
				} else {
					failures = append(failures, fmt.Sprintf("run %d: %s", run, problem))
				}
			}()
		}
		wg.Wait()
		for _, f := range failures {
			t.Errorf("%s: %s", sc.name, f)
		}
		for _, f := range sc.faults {
			if faults[f] == 0 {
				t.Errorf("%s: no %s fault was injected in %d requests", sc.name, f, requests)
			}
		}
		if requests < faultRuns {
			t.Errorf("%s: %d requests for %d runs", sc.name, requests, faultRuns)
		}
		var kinds []string
		for f, n := range faults {
			kinds = append(kinds, fmt.Sprintf("%s %d", f, n))
		}
		sort.Strings(kinds)
		report = append(report, fmt.Sprintf("%s: %d/%d correct; %d requests, faults injected: %s; %s for the %d runs",
			sc.name, correct, faultRuns, requests, strings.Join(kinds, ", "), time.Since(start).Round(100*time.Millisecond), faultRuns))
	}
	t.Log("fault schedules:\n" + strings.Join(report, "\n"))
	if f := os.Getenv("FAULT_REPORT"); f != "" { // the figures, for a report
		os.WriteFile(f, []byte(strings.Join(report, "\n")+"\n"), 0o644)
	}
}

// startDst starts a registry storing its data in dir (on addr, or a free
// port when addr is ""), holding the release's arm64 image.
func startDst(t *testing.T, dir, addr string, arm regtest.Image) *regtest.Registry {
	t.Helper()
	r, err := regtest.Start(regtest.Options{Dir: dir, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if addr == "" {
		if err := r.PushImage("staging/app", "1-linux-arm64v8", arm); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var failedRequestRE = regexp.MustCompile(`^error: .*: (GET|HEAD|PUT|POST|PATCH|DELETE) 127\.0\.0\.1:\d+/v2/\S+: .+ \((\d+ attempts|given up on \S+ after (GET|HEAD|PUT|POST|PATCH|DELETE) /v2/\S+ failed \d+ attempts)\)`)

// The target registry dies after K requests, for K across a whole push:
// the run fails with one line naming the request that failed; no tag
// points at an index whose members are missing; once the registry is
// back, the same command completes with the index an undisturbed run
// makes.
func TestRegistryDiesMidPush(t *testing.T) {
	t.Parallel()
	rel := &release{src: regtest.New(t),
		amd: regtest.NewFixedImage(linuxAMD64, false, "dies-amd64"),
		arm: regtest.NewFixedImage(linuxARM64, false, "dies-arm64"),
		bx:  regtest.NewFixedBuildxIndex(linuxS390x, "dies-s390x")}
	if err := rel.src.PushImage("build/amd64", "1-linux-amd64", rel.amd); err != nil {
		t.Fatal(err)
	}
	if err := rel.src.PushBuildx("build/s390x", "1", rel.bx); err != nil {
		t.Fatal(err)
	}
	// undisturbed, counting the target's requests
	rel.dst = startDst(t, t.TempDir(), "", rel.arm)
	rel.dst.Requests()
	want, _ := rel.run(t, rel.args(rel.src.Host, rel.dst.Host, "release/app")).ok(t)
	n := len(rel.dst.Requests())
	if n < 10 {
		t.Fatalf("an undisturbed push made %d requests to the target; too few to stop it part-way", n)
	}
	if problem := rel.check("release/app", want); problem != "" {
		t.Fatal(problem)
	}
	// K from 1: a registry that never answered is another case (said at
	// once, see TestRegistryFailures)
	for k := 1; k < n; k += max(1, n/10) {
		t.Run(fmt.Sprintf("after %d of %d requests", k, n), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			relK := *rel
			relK.dst = startDst(t, dir, "", rel.arm)
			args := rel.args(rel.src.Host, relK.dst.Host, "release/app")
			relK.dst.DieAfter(k)
			res := relK.run(t, args)
			lines := errorLines(res.stderr)
			if res.code != 1 || len(lines) != 1 || !failedRequestRE.MatchString(lines[0]) {
				t.Fatalf("exit %d, want 1 and one error line naming the request; got %q", res.code, lines)
			}
			// back, with what it stored
			relK.dst = startDst(t, dir, relK.dst.Host, rel.arm)
			for _, tag := range []string{"1.0", "latest"} {
				_, idx, err := relK.dst.GetIndex("release/app", tag)
				if err != nil && strings.Contains(err.Error(), "404 Not Found") {
					continue // not written: fine
				}
				if err != nil {
					t.Fatalf("reading release/app:%s back: %v", tag, err)
				}
				for _, e := range idx.Manifests {
					if _, err := relK.dst.GetManifest("release/app", e.Digest); err != nil {
						t.Errorf("release/app:%s points at an index whose member %s is missing: %v", tag, e.Digest, err)
					}
				}
			}
			got, _ := relK.run(t, args).ok(t)
			if got != want {
				t.Errorf("the second run pushed %s, an undisturbed run %s", got, want)
			}
			if problem := relK.check("release/app", want); problem != "" {
				t.Error(problem)
			}
		})
	}
}

// stall holds a request until its client goes away (or a minute passes).
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

// Ctrl-C and --timeout stop a push with exit 1 and say what was written;
// the same command then finishes the job.
func TestInterruptedPush(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "stop/build", "1", false, linuxAMD64, linuxARM64)
	t.Run("Ctrl-C", func(t *testing.T) {
		t.Parallel()
		reached := make(chan struct{}, 1)
		var hold atomic.Bool
		hold.Store(true)
		host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
			if hold.Load() && req.Method == "PUT" && req.URL.Path == "/v2/stop/int/manifests/1.0" {
				reached <- struct{}{}
				stall(req)
				return true
			}
			return false
		})
		args := []string{"--plain-http", "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
			"--template", host + "/stop/build:1-OS-ARCHVARIANT", "--target", host + "/stop/int:1.0", "--tags", "latest"}
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir())
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-reached:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			t.Fatal("the index PUT never came")
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		res := result{code: cmd.ProcessState.ExitCode(), stderr: stderr.String()}
		t.Logf("$ manifest-tool %s (Ctrl-C at the index PUT)\n%s(exit %d, %v)", strings.Join(args, " "), res.stderr, res.code, err)
		res.fails(t, 1,
			"error: interrupted; run the same command again to finish",
			"error: "+host+"/stop/int:1.0: 2 of 2 members in the repository; the index was not pushed and no tag changed")
		hold.Store(false)
		mt(t, args...).ok(t)
	})
	t.Run("--timeout", func(t *testing.T) {
		t.Parallel()
		var hold atomic.Bool
		hold.Store(true)
		host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
			if hold.Load() && req.Method == "PUT" && req.URL.Path == "/v2/stop/slow/manifests/latest" {
				stall(req)
				return true
			}
			return false
		})
		args := []string{"--plain-http", "--timeout", "15s", "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
			"--template", host + "/stop/build:1-OS-ARCHVARIANT", "--target", host + "/stop/slow:1.0", "--tags", "latest"}
		mt(t, args...).fails(t, 1,
			"error: timed out (--timeout 15s) during PUT "+host+"/v2/stop/slow/manifests/latest; run the same command again to finish",
			"error: "+host+"/stop/slow:1.0: 2 of 2 members in the repository; the index was pushed as 1.0, not yet as latest")
		hold.Store(false)
		res := mt(t, append([]string{"--output", "json"}, args...)...)
		res.ok0(t)
		if got := tagStatuses(pushResults(t, res.stdout)[0]); !strings.HasPrefix(got, "1.0=unchanged/") || !strings.HasPrefix(strings.Fields(got)[1], "latest=created/") {
			t.Errorf("second run tags %s", got)
		}
	})
}

// lie answers the requests match picks with what the registry says,
// passed through edit first (headers and body).
func lie(r *regtest.Registry, match func(*http.Request) bool, edit func(h http.Header, body []byte) []byte) regtest.Hook {
	return func(w http.ResponseWriter, req *http.Request) bool {
		if !match(req) {
			return false
		}
		if status, h, body, ok := upstream(w, r, req); ok {
			body = edit(h, body)
			answer(w, status, h, body)
			w.Write(body)
		}
		return true
	}
}

// upstream asks the registry what req asks, for a hook to pass on
// changed; ok is false when it could not (then w has the error).
func upstream(w http.ResponseWriter, r *regtest.Registry, req *http.Request) (int, http.Header, []byte, bool) {
	up, _ := http.NewRequest(req.Method, r.URL()+req.URL.Path, nil)
	up.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(up)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return 0, nil, nil, false
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Clone(), body, true
}

// answer writes the status and headers of an answer whose body is body.
func answer(w http.ResponseWriter, status int, h http.Header, body []byte) {
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
}

// A registry that lies (bytes that do not match their digest, a manifest
// cut short with a Content-Length to match, a wrong Content-Type, an index
// entry with a wrong size, an altered config): each is caught, the error
// names the reference, and nothing is written.
func TestLyingRegistry(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "lie/build", "1", false, linuxAMD64, linuxARM64)
	amd := imgs["1-linux-amd64"]
	bx := regtest.NewBuildxIndex(linuxS390x)
	if err := r.PushBuildx("lie/bx", "1", bx); err != nil {
		t.Fatal(err)
	}
	get := func(path string) func(*http.Request) bool {
		return func(req *http.Request) bool { return req.Method == "GET" && req.URL.Path == path }
	}
	amdPath := "/v2/lie/build/manifests/1-linux-amd64"
	cases := []struct {
		name   string
		match  func(*http.Request) bool
		edit   func(h http.Header, body []byte) []byte
		buildx bool
		want   func(host string) string
	}{
		{"bytes that do not match their digest", get(amdPath),
			func(h http.Header, b []byte) []byte { return append(b, ' ') }, false,
			func(host string) string {
				return fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/lie/build:1-linux-amd64: the bytes received do not match their digest (%[2]s expected, %[3]s received): %[1]s, or something between, is altering data`,
					host, amd.Manifest.Digest, regtest.Digest(append(append([]byte{}, amd.Manifest.Data...), ' ')))
			}},
		{"a manifest cut short", get(amdPath),
			func(h http.Header, b []byte) []byte { h.Del("Docker-Content-Digest"); return b[:len(b)/2] }, false,
			func(host string) string {
				return fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/lie/build:1-linux-amd64: the manifest received is not valid JSON (unexpected end of JSON input): %[1]s, or something between, sent it cut short or corrupted`, host)
			}},
		{"a wrong Content-Type", get(amdPath),
			func(h http.Header, b []byte) []byte { h.Set("Content-Type", regtest.DockerManifest); return b }, false,
			func(host string) string {
				return fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/lie/build:1-linux-amd64: %[1]s labels the manifest %[2]s (Content-Type) but it says it is %[3]s`, host, regtest.DockerManifest, regtest.OCIManifest)
			}},
		{"a Content-Type that is no manifest's", get(amdPath),
			func(h http.Header, b []byte) []byte { h.Set("Content-Type", "text/plain"); return b }, false,
			func(host string) string {
				return fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/lie/build:1-linux-amd64: %[1]s answered "text/plain" for a manifest (Content-Type), not a manifest media type`, host)
			}},
		{"an altered config", get("/v2/lie/build/blobs/" + amd.Config.Digest),
			func(h http.Header, b []byte) []byte { return bytes.Replace(b, []byte("amd64"), []byte("arm64"), 1) }, false,
			func(host string) string {
				return fmt.Sprintf(`error: --platforms "linux/amd64": reading the config of %[1]s/lie/build@%[2]s: the bytes received do not match their digest (%[3]s expected, %[4]s received): %[1]s, or something between, is altering data`,
					host, amd.Manifest.Digest, amd.Config.Digest, regtest.Digest(bytes.Replace(amd.Config.Data, []byte("amd64"), []byte("arm64"), 1)))
			}},
		{"an index entry with a wrong size", get("/v2/lie/bx/manifests/1"),
			func(h http.Header, b []byte) []byte {
				h.Del("Docker-Content-Digest")
				return bytes.Replace(b, []byte(fmt.Sprintf(`"size":%d`, bx.Image.Manifest.Size)), []byte(fmt.Sprintf(`"size":%d`, bx.Image.Manifest.Size+3)), 1)
			}, true,
			func(host string) string {
				return fmt.Sprintf(`error: stdin:3: manifests[0]: %[1]s/lie/bx:1 lists %[2]s as %[3]d bytes of %[4]s, but that manifest is %[5]d bytes of %[4]s: the index is corrupt (build and push it again)`,
					host, bx.Image.Manifest.Digest, bx.Image.Manifest.Size+3, regtest.OCIManifest, bx.Image.Manifest.Size)
			}},
	}
	for i, tc := range cases {
		host := regtest.Proxy(t, r, lie(r, tc.match, tc.edit))
		r.Requests()
		target := fmt.Sprintf("%s/lie/out%d:1", host, i)
		var res result
		if tc.buildx {
			res = mtEnv(t, nil, "image: "+target+"\nmanifests:\n  - image: "+host+"/lie/bx:1\n", "--plain-http", "push", "--type", "oci", "from-spec", "-")
		} else {
			res = mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
				"--template", host+"/lie/build:1-OS-ARCHVARIANT", "--target", target)
		}
		t.Run(tc.name, func(t *testing.T) {
			res.fails(t, 1, tc.want(host))
		})
		if w := regtest.Writes(r.Requests()); len(w) > 0 {
			t.Errorf("%s: wrote %v", tc.name, w)
		}
	}

	// a layer altered on its way to another registry: the copy fails
	// naming it, and no index is written
	dst := regtest.New(t)
	layer := amd.Layers[0]
	host := regtest.Proxy(t, r, lie(r, get("/v2/lie/build/blobs/"+layer.Digest), func(h http.Header, b []byte) []byte {
		b = append([]byte{}, b...)
		b[len(b)/2] ^= 0xff
		return b
	}))
	spec := fmt.Sprintf("image: %s/lie/copy:1\nmanifests:\n  - image: %s/lie/build:1-linux-amd64\n", dst.Host, host)
	dst.Requests()
	altered := append([]byte{}, layer.Data...)
	altered[len(altered)/2] ^= 0xff
	mtEnv(t, nil, spec, "--plain-http", "push", "from-spec", "-").fails(t, 1, fmt.Sprintf(
		"error: stdin:3: manifests[0]: reading %[1]s/lie/build@%[2]s: the bytes received do not match their digest (%[2]s expected, %[3]s received): %[1]s, or something between, is altering data",
		host, layer.Digest, regtest.Digest(altered)))
	for _, w := range regtest.Writes(dst.Requests()) {
		if strings.Contains(w, "/manifests/") {
			t.Errorf("a manifest was written: %s", w)
		}
	}
}

// Blobs larger than what the transport keeps to send again (4 MiB for an
// upload, 8 MiB for an answer) stream once: a fault in one starts that
// blob's copy over, after the wait the registry asked for. Five pushes of
// a 6 MiB and a 10 MiB layer between two registries. Each layer's first
// read is cut mid-stream: the 6 MiB answer is read again by the transport,
// the 10 MiB copy (whose upload breaks with it) starts over. Then each
// layer's uploads are answered 429 with Retry-After, then 503 (each time
// the copy starts over), then stored with the answer cut (the target then
// says it has the blob).
func TestFaultsLargeBlobs(t *testing.T) {
	t.Parallel()
	src, dst := regtest.New(t), regtest.New(t)
	six := regtest.NewLargeImage(linuxAMD64, false, 6<<20)
	ten := regtest.NewLargeImage(linuxARM64, false, 10<<20)
	for tag, img := range map[string]regtest.Image{"amd64": six, "arm64": ten} {
		if err := src.PushImage("build/big", tag, img); err != nil {
			t.Fatal(err)
		}
	}
	// the faults of each layer's uploads, in turn
	uploadFaults := map[string][]regtest.Fault{
		six.Layers[0].Digest: {regtest.RateLimited, regtest.Unavailable, regtest.Cut},
		ten.Layers[0].Digest: {regtest.NoFault, regtest.RateLimited, regtest.Unavailable, regtest.Cut},
	}
	// the faults of the uploads, counted: each is one restart of its copy
	type injected struct {
		mu               sync.Mutex
		uploads, ra, cut int // upload faults; those with Retry-After; cut answers
	}
	faults := func(in *injected) regtest.ProxyOptions {
		reads, uploads := map[string]int{}, map[string]int{}
		return regtest.ProxyOptions{Faults: func(_ int, r *http.Request) regtest.Fault {
			in.mu.Lock()
			defer in.mu.Unlock()
			switch dig := r.URL.Query().Get("digest"); {
			case r.Method == "GET" && uploadFaults[path.Base(r.URL.Path)] != nil && r.Header.Get("Range") == "":
				if reads[path.Base(r.URL.Path)]++; reads[path.Base(r.URL.Path)] == 1 {
					return regtest.Cut
				}
			case r.Method == "PUT" && uploadFaults[dig] != nil:
				if uploads[dig]++; uploads[dig] <= len(uploadFaults[dig]) {
					f := uploadFaults[dig][uploads[dig]-1]
					if f != regtest.NoFault {
						in.uploads++
					}
					switch f {
					case regtest.RateLimited:
						in.ra++
					case regtest.Cut:
						in.cut++
					}
					return f
				}
			}
			return regtest.NoFault
		}}
	}
	var wg sync.WaitGroup
	for run := range 5 {
		in := &injected{}
		ps, pd := regtest.ProxyWith(t, src, faults(in)), regtest.ProxyWith(t, dst, faults(in))
		wg.Add(1)
		go func() {
			defer wg.Done()
			repo := fmt.Sprintf("big/run%d", run)
			spec := fmt.Sprintf("image: %[2]s/%[3]s:1\nmanifests:\n  - image: %[1]s/build/big:amd64\n  - image: %[1]s/build/big:arm64\n", ps.Host, pd.Host, repo)
			res, err := runTool(t, nil, spec, "--plain-http", "push", "--type", "oci", "from-spec", "-")
			if err != nil {
				t.Error(err)
				return
			}
			injected := ps.Faults()
			for f, n := range pd.Faults() {
				injected[f] += n
			}
			if res.code != 0 {
				t.Errorf("run %d (faults %v): exit %d\n%s", run, injected, res.code, res.stderr)
				return
			}
			// a cut read is asked for again (the 6 MiB answer, read whole)
			// or continued from where it stopped (the 10 MiB one): no
			// restart; each upload fault is one restart of that blob's copy,
			// after the Retry-After of a 429, but for an upload whose answer
			// was cut, which the target shows landed
			if injected[regtest.Cut] < 2 || in.uploads < 3 {
				t.Errorf("run %d: faults injected %v (%d on uploads), want 2 cut reads and at least the 6 MiB's 3 upload faults", run, injected, in.uploads)
			}
			if n := strings.Count(res.stderr, "copying the blob again"); n != in.uploads-in.cut || strings.Count(res.stderr, "copying the blob again in 1s") != in.ra {
				t.Errorf("run %d: %d restarts, want one per upload fault but a cut answer (%d - %d), %d of them after waiting 1s (Retry-After):\n%s", run, n, in.uploads, in.cut, in.ra, res.stderr)
			}
			for _, img := range []regtest.Image{six, ten} {
				for _, b := range append(img.Layers, img.Config) {
					if ok, err := dst.HasBlob(repo, b.Digest); !ok {
						t.Errorf("run %d: blob %s (%d bytes) not copied: %v", run, b.Digest, len(b.Data), err)
					}
				}
			}
			_, idx, err := dst.GetIndex(repo, "1")
			if err != nil || len(idx.Manifests) != 2 || idx.Manifests[0].Digest != six.Manifest.Digest || idx.Manifests[1].Digest != ten.Manifest.Digest {
				t.Errorf("run %d: index %+v, %v", run, idx, err)
			}
		}()
	}
	wg.Wait()
}
