// Command bench measures manifest-tool's main job against the
// Distribution registry behind a proxy that adds latency and counts
// requests, next to crane and regctl doing the same work, and prints a
// table. Its race case then starts concurrent writers that each add one
// platform to the same index (push from-args --append, crane index
// append) and counts the platforms the index keeps. With -hub it then
// publishes an index as against Docker Hub (TLS, per-repository bearer
// tokens, a Docker config, 30 ms to the registry and the token server),
// with the members in the same registry or another, beside crane, regctl
// and manifest-tool v2, and prints the requests by class. Last, its
// big-layer case (-big, 4 members of 3 layers of 200 MB by default) copies
// members from one registry on disk to another and builds an index there,
// beside crane, regctl, skopeo and a floor of curl alone, counting the
// bytes read and written; then again with every 4th layer download cut
// halfway (see big.go). `make bench` runs it; see the README's Performance
// section. -n 0 -docs 0 -race 0 -big 0 leaves the hub mode alone;
// -n 0 -docs 0 -race 0 the big-layer case.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

func main() {
	tool := flag.String("tool", "manifest-tool", "the manifest-tool binary")
	crane := flag.String("crane", "", "the crane binary (skipped when empty)")
	regctl := flag.String("regctl", "", "the regctl binary (skipped when empty)")
	sizes := flag.String("n", "2,8,16,64", "numbers of platforms (0 skips the plain-HTTP cases)")
	latencies := flag.String("latency", "0,30ms", "latencies added to each request")
	runs := flag.Int("runs", 5, "runs per case (the median is shown)")
	docs := flag.Int("docs", 100, "documents in the multi-document case (0 skips it)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of manifest-tool's slowest case here")
	writers := flag.Int("race", 8, "concurrent writers in the race case, one platform each (0 skips it)")
	trials := flag.Int("race-trials", 5, "trials of the race case")
	hubMode := flag.Bool("hub", false, "also run the hub mode: TLS, bearer tokens, a Docker config, 30 ms, two registries")
	hubSizes := flag.String("hub-n", "16,64", "numbers of members in the hub mode")
	hubRuns := flag.Int("hub-runs", 0, "runs per case in the hub mode (0: -runs)")
	hubTargetN := flag.Int("hub-targets", 1, "targets of the hub mode: above 1, only the targets case runs, one index to that many registries")
	mt2 := flag.String("mt2", "", "the manifest-tool v2 binary, for the hub mode (skipped when empty)")
	tool2 := flag.String("tool2", "", `another manifest-tool build, a row "manifest-tool (other build)" of the hub mode (skipped when empty)`)
	bigCase := flag.String("big", "0", "the big-layer case, MEMBERSxLAYERSxSIZE such as 4x3x200MB (KB, MB, GB: powers of 1024; 0 skips it; make bench gives 4x3x200MB)")
	bigRuns := flag.Int("big-runs", 3, "runs per tool in the big-layer case (the median is shown)")
	bigResume := flag.Bool("big-resume", true, "also run the big-layer case with every 4th layer download cut halfway")
	flag.Parse()
	shape, doBig, err := parseBig(*bigCase)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(*tool, *crane, *regctl, ints(*sizes), durations(*latencies), *runs, *docs, *profile, *writers, *trials); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *hubMode {
		tools := hubTools{tool: *tool, tool2: *tool2, crane: *crane, regctl: *regctl, mt2: *mt2}
		if err := hub(tools, ints(*hubSizes), cmp.Or(*hubRuns, *runs), *hubTargetN); err != nil {
			fmt.Fprintln(os.Stderr, "bench: hub:", err)
			os.Exit(1)
		}
	}
	if doBig {
		tools := bigTools{tool: *tool, crane: *crane, regctl: *regctl}
		tools.skopeo, _ = exec.LookPath("skopeo")
		tools.curl, _ = exec.LookPath("curl")
		if err := big(tools, shape, max(*bigRuns, 1), *bigResume); err != nil {
			fmt.Fprintln(os.Stderr, "bench: big:", err)
			os.Exit(1)
		}
	}
}

// measurement is one case: the same work, done by one tool, several times.
type measurement struct {
	tool     string
	n        int
	latency  time.Duration
	walls    []time.Duration
	requests map[string]int // of the last run
	rssKB    int64          // the largest of all runs
}

func (m measurement) median() time.Duration {
	w := append([]time.Duration(nil), m.walls...)
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	return w[len(w)/2]
}

func (m measurement) spread() (time.Duration, time.Duration) {
	lo, hi := m.walls[0], m.walls[0]
	for _, w := range m.walls {
		lo, hi = min(lo, w), max(hi, w)
	}
	return lo, hi
}

func run(tool, crane, regctl string, sizes []int, latencies []time.Duration, runs, docs int, profile string, writers, trials int) error {
	reg, err := regtest.Start(regtest.Options{})
	if err != nil {
		return err
	}
	defer reg.Close()
	home, err := os.MkdirTemp("", "bench-home")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	env := append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+home)

	plats := platforms(max(slicesMax(sizes), 4))
	for _, n := range append(sizes, 4) {
		for _, p := range plats[:n] {
			img := regtest.NewImage(p.Platform, false)
			if err := reg.PushImage(fmt.Sprintf("bench/n%d", n), "1-"+p.tag, img); err != nil {
				return err
			}
		}
	}
	if len(sizes) > 0 {
		fmt.Printf("registry %s, %d platforms seeded; %d runs per case, 2 extra tags\n\n", reg.Host, slicesMax(sizes), runs)
	}

	var results []measurement
	slowest := struct {
		args []string
		wall time.Duration
		lat  time.Duration
	}{}
	for _, lat := range latencies {
		proxy, err := regtest.NewProxy(reg.Host, regtest.ProxyOptions{Latency: lat})
		if err != nil {
			return err
		}
		for _, n := range sizes {
			repo := fmt.Sprintf("%s/bench/n%d", proxy.Host, n)
			var members, items []string
			for _, p := range plats[:n] {
				members = append(members, repo+":1-"+p.tag)
				items = append(items, p.item)
			}
			jobs := map[string]func(k int) [][]string{
				"manifest-tool": func(k int) [][]string {
					t := fmt.Sprintf("t-mt-%d-%d", lat.Milliseconds(), k)
					return [][]string{{tool, "--plain-http", "push", "from-args", "--platforms", strings.Join(items, ","),
						"--template", repo + ":1-OS-ARCH-VARIANT-OSVERSION", "--target", repo + ":" + t, "--tags", t + "-a," + t + "-b"}}
				},
			}
			if crane != "" {
				jobs["crane"] = func(k int) [][]string {
					t := fmt.Sprintf("t-crane-%d-%d", lat.Milliseconds(), k)
					create := []string{crane, "--insecure", "index", "append", "-t", repo + ":" + t}
					for _, m := range members {
						create = append(create, "-m", m)
					}
					return [][]string{create, {crane, "--insecure", "tag", repo + ":" + t, t + "-a"}, {crane, "--insecure", "tag", repo + ":" + t, t + "-b"}}
				}
			}
			if regctl != "" {
				jobs["regctl"] = func(k int) [][]string {
					t := fmt.Sprintf("t-regctl-%d-%d", lat.Milliseconds(), k)
					host := "--host=reg=" + proxy.Host + ",tls=disabled"
					create := []string{regctl, host, "index", "create", repo + ":" + t}
					for _, m := range members {
						create = append(create, "--ref", m)
					}
					return [][]string{create, {regctl, host, "image", "copy", repo + ":" + t, repo + ":" + t + "-a"},
						{regctl, host, "image", "copy", repo + ":" + t, repo + ":" + t + "-b"}}
				}
			}
			jobs["manifest-tool -c16"] = func(k int) [][]string {
				args := jobs["manifest-tool"](k + 1000)[0]
				return [][]string{append([]string{args[0], "--concurrency", "16"}, args[1:]...)}
			}
			for _, name := range []string{"manifest-tool", "manifest-tool -c16", "crane", "regctl"} {
				job, ok := jobs[name]
				if !ok {
					continue
				}
				m := measurement{tool: name, n: n, latency: lat}
				for k := 0; k < runs; k++ {
					proxy.Counts()
					var wall time.Duration
					for _, args := range job(k) {
						w, rss, err := timed(env, args)
						if err != nil {
							return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
						}
						wall += w
						m.rssKB = max(m.rssKB, rss)
					}
					m.walls = append(m.walls, wall)
					m.requests = proxy.Counts()
				}
				if name == "manifest-tool" && m.median() > slowest.wall {
					slowest.args, slowest.wall, slowest.lat = job(runs)[0], m.median(), lat
				}
				results = append(results, m)
				fmt.Fprintf(os.Stderr, "  %-13s N=%-3d %5s: %s\n", name, n, lat, m.median().Round(time.Millisecond))
			}
		}
		if docs > 0 && lat == latencies[len(latencies)-1] {
			if err := multiDoc(env, tool, proxy, docs, plats[:4], runs); err != nil {
				return err
			}
		}
		if profile != "" && slowest.args != nil && lat == latencies[len(latencies)-1] {
			args := append([]string{}, slowest.args...)
			args[len(args)-3] += "-profiled" // a target tag of its own
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(env, "MANIFEST_TOOL_CPUPROFILE="+profile)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("profiling: %v\n%s", err, out)
			}
		}
		proxy.Close()
	}
	var raced []raceResult
	if writers > 0 && trials > 0 {
		if raced, err = race(env, reg, tool, crane, writers, trials); err != nil {
			return fmt.Errorf("race: %w", err)
		}
	}
	if len(results) > 0 {
		printTable(results)
	}
	printRaceTable(raced)
	return nil
}

// multiDoc pushes a spec of docs documents, 4 platforms each.
func multiDoc(env []string, tool string, proxy *regtest.FaultProxy, docs int, plats []platform, runs int) error {
	var walls []time.Duration
	var rss int64
	var requests map[string]int
	for k := 0; k < runs; k++ {
		var b strings.Builder
		for d := 0; d < docs; d++ {
			fmt.Fprintf(&b, "---\nimage: %s/bench/n4:run%d-doc%d\nmanifests:\n", proxy.Host, k, d)
			for _, p := range plats {
				fmt.Fprintf(&b, "  - image: %s/bench/n4:1-%s\n", proxy.Host, p.tag)
			}
		}
		f, err := os.CreateTemp("", "bench-*.yaml")
		if err != nil {
			return err
		}
		f.WriteString(b.String())
		f.Close()
		proxy.Counts()
		w, r, err := timed(env, []string{tool, "--plain-http", "push", "from-spec", f.Name()})
		os.Remove(f.Name())
		if err != nil {
			return err
		}
		walls = append(walls, w)
		rss = max(rss, r)
		requests = proxy.Counts()
	}
	m := measurement{walls: walls}
	lo, hi := m.spread()
	fmt.Printf("%d documents of 4 platforms each, median %s (%s–%s), %d requests, peak RSS %.1f MB\n\n",
		docs, m.median().Round(time.Millisecond), lo.Round(time.Millisecond), hi.Round(time.Millisecond), regtest.Total(requests), float64(rss)/1024)
	return nil
}

// timed runs a command and returns its wall time and peak RSS (KiB), as
// watch reads it.
func timed(env, args []string) (time.Duration, int64, error) {
	return timedCtx(context.Background(), env, args)
}

// timedCtx is timed, killing the command when ctx ends.
func timedCtx(ctx context.Context, env, args []string) (time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	rss, errs := watch(cmd)
	wall := time.Since(start)
	if errs[0] != nil {
		return 0, 0, fmt.Errorf("%v\n%s", errs[0], out.String())
	}
	return wall, rss, nil
}

// watch waits for commands already started and returns the largest peak
// RSS (KiB) among them, and each one's error. The RSS is a process's
// VmHWM, read from /proc every millisecond while it runs: the rusage of a
// child started by this (large) process would count this process's
// memory too.
func watch(cmds ...*exec.Cmd) (int64, []error) {
	type exit struct {
		i   int
		err error
	}
	done := make(chan exit, len(cmds))
	running := map[int]string{}
	for i, cmd := range cmds {
		running[i] = fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		go func() { done <- exit{i, cmd.Wait()} }()
	}
	errs := make([]error, len(cmds))
	var rss int64
	for len(running) > 0 {
		select {
		case e := <-done:
			errs[e.i] = e.err
			delete(running, e.i)
		case <-time.After(time.Millisecond):
			for _, status := range running {
				rss = max(rss, vmHWM(status))
			}
		}
	}
	return rss, errs
}

// vmHWM reads a process's peak resident set size (KiB) from its status.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func printTable(results []measurement) {
	fmt.Println("| N | latency | tool | wall time, median (min–max) | requests | by kind | peak RSS | manifest-tool's time / its |")
	fmt.Println("| ---: | ---: | --- | --- | ---: | --- | ---: | ---: |")
	ours := map[string]time.Duration{}
	for _, m := range results {
		if m.tool == "manifest-tool" {
			ours[fmt.Sprint(m.n, m.latency)] = m.median()
		}
	}
	for _, m := range results {
		lo, hi := m.spread()
		ratio := ""
		if m.tool == "crane" || m.tool == "regctl" {
			ratio = fmt.Sprintf("%.2f×", float64(ours[fmt.Sprint(m.n, m.latency)])/float64(m.median()))
		}
		fmt.Printf("| %d | %s | %s | %s (%s–%s) | %d | %s | %.1f MB | %s |\n", m.n, m.latency, m.tool,
			m.median().Round(time.Millisecond), lo.Round(time.Millisecond), hi.Round(time.Millisecond),
			regtest.Total(m.requests), regtest.Describe(m.requests), float64(m.rssKB)/1024, ratio)
	}
}

// platform is one of the distinct platforms the benchmark uses.
type platform struct {
	regtest.Platform
	item string // as --platforms takes it
	tag  string // the member's tag, as the template names it
}

// platforms lists n distinct platforms: Go's ports, then Windows builds.
func platforms(n int) []platform {
	out, _ := exec.Command("go", "tool", "dist", "list").Output()
	var list []platform
	add := func(p regtest.Platform) {
		item := p.OS + "/" + p.Architecture
		tag := p.OS + "-" + p.Architecture
		if p.OSVersion != "" {
			item += ":" + p.OSVersion
			tag += "-" + p.OSVersion
		}
		list = append(list, platform{Platform: p, item: item, tag: tag})
	}
	for _, line := range strings.Fields(string(out)) {
		os, arch, _ := strings.Cut(line, "/")
		if os == "windows" {
			continue
		}
		add(regtest.Platform{OS: os, Architecture: arch})
	}
	for i := 0; len(list) < n; i++ {
		add(regtest.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348." + strconv.Itoa(1000+i)})
	}
	return list[:n]
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func durations(s string) []time.Duration {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			out = append(out, 0)
		} else if d, err := time.ParseDuration(f); err == nil {
			out = append(out, d)
		}
	}
	return out
}

func slicesMax(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}
