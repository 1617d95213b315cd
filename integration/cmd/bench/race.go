package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// raceLatency is added to each request of the race case.
const raceLatency = 30 * time.Millisecond

// raceRepo holds the race case's images and indexes.
const raceRepo = "race/app"

// raceArches are the platforms (all linux) the race case's writers add,
// one each.
var raceArches = []string{"amd64", "arm64", "s390x", "ppc64le", "riscv64", "386", "mips64le", "loong64"}

// raceResult is what one tool did in the race case, trial by trial.
type raceResult struct {
	tool    string
	writers int
	kept    []int           // platforms in the index after each trial
	walls   []time.Duration // from the start of all writers to the end of the last
	exits   map[int]int     // exit codes other than 0, and how often
	rounds  map[int]int     // ours: "rounds" of the JSON results, and how often
	first   string          // the last line of the first failing writer's output
}

func (r raceResult) mean() float64 {
	sum := 0
	for _, k := range r.kept {
		sum += k
	}
	return float64(sum) / float64(max(len(r.kept), 1))
}

// raceRun is the outcome of one writer process.
type raceRun struct {
	exit   int
	stdout []byte
	stderr []byte
}

// race starts writers processes at once, each adding one platform to the
// index a tag points at, and counts the platforms the index keeps: ours
// with push from-args --append, crane with index append.
func race(env []string, reg *regtest.Registry, tool, crane string, writers, trials int) ([]raceResult, error) {
	if writers > len(raceArches) {
		return nil, fmt.Errorf("-race: at most %d writers", len(raceArches))
	}
	proxy, err := regtest.NewProxy(reg.Host, regtest.ProxyOptions{Latency: raceLatency})
	if err != nil {
		return nil, err
	}
	defer proxy.Close()
	repo := proxy.Host + "/" + raceRepo
	var digests []string
	for _, a := range raceArches[:writers] {
		img := regtest.NewImage(regtest.Platform{OS: "linux", Architecture: a}, false)
		if err := reg.PushImage(raceRepo, img.Manifest.Digest, img); err != nil {
			return nil, err
		}
		digests = append(digests, img.Manifest.Digest)
	}
	empty, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": regtest.OCIIndex, "manifests": []regtest.Descriptor{}})
	fmt.Printf("race: %d writers, one platform each, onto an empty index through %s of latency; %d trials\n",
		writers, raceLatency, trials)

	jobs := []struct {
		name string
		tag  string
		args func(target, member string) []string
	}{{"manifest-tool", "mt", func(target, member string) []string {
		return []string{tool, "--plain-http", "push", "--type", "oci", "from-args", "--append",
			"--target", target, "--member", member, "--output", "json"}
	}}}
	if crane != "" {
		jobs = append(jobs, struct {
			name string
			tag  string
			args func(target, member string) []string
		}{"crane", "crane", func(target, member string) []string {
			return []string{crane, "index", "append", target, "-m", member, "-t", target, "--insecure"}
		}})
	}
	var results []raceResult
	for _, job := range jobs {
		res := raceResult{tool: job.name, writers: writers, exits: map[int]int{}, rounds: map[int]int{}}
		for k := 0; k < trials; k++ {
			tag := fmt.Sprintf("race-%s-%d", job.tag, k)
			if err := reg.PutManifest(raceRepo, tag, regtest.OCIIndex, empty); err != nil {
				return nil, err
			}
			var cmds [][]string
			for _, d := range digests {
				cmds = append(cmds, job.args(repo+":"+tag, repo+"@"+d))
			}
			wall, runs := startTogether(env, cmds)
			for _, r := range runs {
				if r.exit != 0 {
					res.exits[r.exit]++
					if res.first == "" {
						res.first = lastLine(r.stderr, r.stdout)
					}
				}
				if job.name == "manifest-tool" && r.exit == 0 {
					for _, n := range roundsOf(r.stdout) {
						res.rounds[n]++
					}
				}
			}
			kept, err := platformsKept(reg, tag)
			if err != nil {
				return nil, err
			}
			res.kept = append(res.kept, kept)
			res.walls = append(res.walls, wall)
			fmt.Fprintf(os.Stderr, "  race %-13s trial %d: %d of %d kept, %s\n", job.name, k+1, kept, writers, wall.Round(time.Millisecond))
		}
		results = append(results, res)
		fmt.Printf("  %-13s platforms kept per trial: %s (mean %.2f of %d); trial wall time, median %s",
			res.tool, keptList(res.kept), res.mean(), writers, (measurement{walls: res.walls}).median().Round(time.Millisecond))
		if len(res.exits) > 0 {
			fmt.Printf("; exit codes not 0: %s", describeCounts(res.exits, "exit "))
		}
		if job.name == "manifest-tool" {
			fmt.Printf("; rounds needed (rounds: writers) %s", describeCounts(res.rounds, ""))
		}
		fmt.Println()
		if res.first != "" {
			fmt.Printf("    first failure: %s\n", res.first)
		}
	}
	fmt.Println()
	return results, nil
}

// startTogether starts one process for each of cmds at the same moment
// and waits for all of them; the wall time runs from that moment until the
// last one ends.
func startTogether(env []string, cmds [][]string) (time.Duration, []raceRun) {
	runs := make([]raceRun, len(cmds))
	procs := make([]*exec.Cmd, len(cmds))
	outs := make([][2]*bytes.Buffer, len(cmds))
	for i, args := range cmds {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		outs[i] = [2]*bytes.Buffer{{}, {}}
		cmd.Stdout, cmd.Stderr = outs[i][0], outs[i][1]
		procs[i] = cmd
	}
	gate := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(len(cmds))
	done.Add(len(cmds))
	for i, cmd := range procs {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			err := cmd.Run()
			runs[i] = raceRun{exit: exitCode(err), stdout: outs[i][0].Bytes(), stderr: outs[i][1].Bytes()}
		}()
	}
	ready.Wait()
	start := time.Now()
	close(gate)
	done.Wait()
	return time.Since(start), runs
}

// exitCode is a process's exit code, or -1 when it did not run to an end.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() >= 0 {
		return ee.ExitCode()
	}
	return -1
}

// roundsOf reads the "rounds" of each JSON result manifest-tool printed;
// a result without one (the index already held the change) counts 0.
func roundsOf(stdout []byte) []int {
	var out []int
	dec := json.NewDecoder(bytes.NewReader(stdout))
	for {
		var res struct {
			Rounds int `json:"rounds"`
		}
		if err := dec.Decode(&res); err != nil {
			if err != io.EOF {
				out = append(out, -1) // not JSON: shown as round -1
			}
			return out
		}
		out = append(out, res.Rounds)
	}
}

// platformsKept counts the race platforms the index at tag holds, read
// from the registry itself rather than through the proxy.
func platformsKept(reg *regtest.Registry, tag string) (int, error) {
	_, idx, err := reg.GetIndex(raceRepo, tag)
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == "linux" {
			seen[d.Platform.Architecture] = true
		}
	}
	n := 0
	for _, a := range raceArches {
		if seen[a] {
			n++
		}
	}
	return n, nil
}

func lastLine(outs ...[]byte) string {
	for _, b := range outs {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
			return l
		}
	}
	return ""
}

func keptList(kept []int) string {
	parts := make([]string, len(kept))
	for i, k := range kept {
		parts[i] = strconv.Itoa(k)
	}
	return strings.Join(parts, " ")
}

// describeCounts writes counts as "<prefix>1: 6, <prefix>2: 2", by key.
func describeCounts(counts map[int]int, prefix string) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]int, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s%d: %d", prefix, k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func printRaceTable(results []raceResult) {
	if len(results) == 0 {
		return
	}
	fmt.Println()
	fmt.Printf("| writers | latency | tool | platforms kept (of %d), per trial | median trial wall time | rounds: writers |\n", results[0].writers)
	fmt.Println("| ---: | ---: | --- | --- | ---: | --- |")
	for _, r := range results {
		rounds := "–"
		if r.tool == "manifest-tool" {
			rounds = describeCounts(r.rounds, "")
		}
		kept := fmt.Sprintf("%s (mean %.2f)", keptList(r.kept), r.mean())
		if len(r.exits) > 0 {
			kept += "; " + describeCounts(r.exits, "exit ")
		}
		fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", r.writers, raceLatency, r.tool, kept,
			(measurement{walls: r.walls}).median().Round(time.Millisecond), rounds)
	}
}
