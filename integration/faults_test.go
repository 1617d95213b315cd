package integration

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
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

// run pushes through mtEnv with the spec on stdin.
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
		name string
		opts regtest.ProxyOptions
	}{
		{"503 on every 3rd request", regtest.ProxyOptions{Faults: every(3, regtest.Unavailable)}},
		{"429 Retry-After 1 on every 5th request", regtest.ProxyOptions{Faults: every(5, regtest.RateLimited)}},
		{"connection reset mid-response on every 4th request", regtest.ProxyOptions{Faults: every(4, regtest.Cut)}},
		{"200 ms latency", regtest.ProxyOptions{Latency: 200 * time.Millisecond}},
		{"all at once: 200 ms, then every 3rd request 503, 429, cut or reset in turn", regtest.ProxyOptions{
			Latency: 200 * time.Millisecond,
			Faults: func(n int, _ *http.Request) regtest.Fault {
				if n%3 != 0 {
					return regtest.NoFault
				}
				return []regtest.Fault{regtest.Unavailable, regtest.RateLimited, regtest.Cut, regtest.Reset}[(n/3)%4]
			},
		}},
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
			wg.Add(1)
			go func() {
				defer wg.Done()
				ps, pd := regtest.ProxyWith(t, rel.src, sc.opts), regtest.ProxyWith(t, rel.dst, sc.opts)
				repo := fmt.Sprintf("release/s%d-run%d", i, run)
				res := rel.run(t, rel.args(ps.Host, pd.Host, repo))
				problem := ""
				if res.code != 0 {
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
		var kinds []string
		for f, n := range faults {
			kinds = append(kinds, fmt.Sprintf("%s %d", f, n))
		}
		sort.Strings(kinds)
		report = append(report, fmt.Sprintf("%s: %d/%d correct; %d requests, faults injected: %s; %s for the %d runs",
			sc.name, correct, faultRuns, requests, strings.Join(kinds, ", "), time.Since(start).Round(100*time.Millisecond), faultRuns))
	}
	t.Log("fault schedules:\n" + strings.Join(report, "\n"))
	if f := os.Getenv("FAULT_REPORT"); f != "" {
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

var failedRequestRE = regexp.MustCompile(`^error: .*: (GET|HEAD|PUT|POST|PATCH|DELETE) 127\.0\.0\.1:\d+/v2/\S+: .+ \(\d+ attempts?\)`)

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
	if problem := rel.check("release/app", want); problem != "" {
		t.Fatal(problem)
	}
	for k := 0; k < n; k += max(1, n/10) {
		t.Run(fmt.Sprintf("after %d of %d requests", k, n), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			relK := *rel
			relK.dst = startDst(t, dir, "", rel.arm)
			args := rel.args(rel.src.Host, relK.dst.Host, "release/app")
			relK.dst.DieAfter(k)
			res := relK.run(t, args)
			var lines []string
			for _, l := range strings.Split(res.stderr, "\n") {
				if strings.HasPrefix(l, "error: ") {
					lines = append(lines, l)
				}
			}
			if res.code != 1 || len(lines) != 1 || !failedRequestRE.MatchString(lines[0]) {
				t.Fatalf("exit %d, want 1 and one error line naming the request; got %q", res.code, lines)
			}
			// back, with what it stored
			relK.dst = startDst(t, dir, relK.dst.Host, rel.arm)
			for _, tag := range []string{"1.0", "latest"} {
				_, idx, err := relK.dst.GetIndex("release/app", tag)
				if err != nil {
					continue // not written: fine
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
