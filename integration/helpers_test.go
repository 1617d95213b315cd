package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

var (
	binary string            // the manifest-tool binary under test
	reg    *regtest.Registry // plain-HTTP registry shared by the tests
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "manifest-tool-it")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binary = os.Getenv("MANIFEST_TOOL")
	if binary == "" {
		binary = filepath.Join(tmp, "manifest-tool")
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/manifest-tool")
		cmd.Dir = ".."
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building manifest-tool:", err)
			return 1
		}
	} else if binary, err = filepath.Abs(binary); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	reg, err = regtest.Start(regtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the registry:", err)
		return 1
	}
	defer reg.Close()
	return m.Run()
}

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
	maxRSS         int64         // KiB, the most memory the process held (measured runs only)
	elapsed        time.Duration // from start to exit
}

// mt runs the binary with args, an empty Docker config and no stdin.
func mt(t *testing.T, args ...string) result {
	t.Helper()
	return mtEnv(t, nil, "", args...)
}

// mtEnv runs the binary with extra environment and stdin. DOCKER_CONFIG
// points at an empty directory unless env sets it.
func mtEnv(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	res, err := runTool(t, env, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runTool is mtEnv for goroutines a test starts, which may not end the
// test: a binary that cannot be run is an error.
func runTool(t *testing.T, env []string, stdin string, args ...string) (result, error) {
	return runToolMeasured(t, false, env, stdin, args...)
}

// gnuTime is GNU time, which measures a run's peak memory (.ci/run
// installs it).
const gnuTime = "/usr/bin/time"

// mtMeasured is mtEnv, with the run's peak memory (maxRSS) measured; the
// test is skipped when GNU time is not installed.
func mtMeasured(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	if _, err := os.Stat(gnuTime); err != nil {
		t.Skip("GNU time is not installed (apt-get install time): it measures the run's memory")
	}
	res, err := runToolMeasured(t, true, env, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func runToolMeasured(t *testing.T, measure bool, env []string, stdin string, args ...string) (result, error) {
	// the longest run waits out a request's 2 minutes (a body trickled in)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	var rssFile string
	if measure {
		// GNU time, a small process, runs the binary and writes its peak
		// memory; the binary's own rusage would count this test's, which
		// Linux carries across the exec of a vfork'd child
		rssFile = filepath.Join(t.TempDir(), "rss")
		cmd.Path, cmd.Args = gnuTime, append([]string{gnuTime, "-q", "-f", "%M", "-o", rssFile, binary}, args...)
	}
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	var rss int64
	if measure {
		b, _ := os.ReadFile(rssFile)
		fmt.Sscan(string(b), &rss)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		return result{}, fmt.Errorf("running %v: %v", args, err)
	}
	shown := out.String()
	if len(shown) > 64<<10 { // a flood is measured, not logged
		shown = fmt.Sprintf("%s… (%d bytes on stdout in all)\n", shown[:64<<10], out.Len())
	}
	t.Logf("$ manifest-tool %s\n%s%s(exit %d)", strings.Join(args, " "), shown, errb.String(), code)
	return result{code: code, stdout: out.String(), stderr: errb.String(), maxRSS: rss, elapsed: elapsed}, nil
}

// ok fails the test unless the run exited 0, and returns the digest and
// size from its last "Digest:" line.
func (r result) ok(t *testing.T) (digest string, size int) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	return r.digest(t)
}

// okOut fails the test unless the run exited 0 with nothing on stderr,
// and returns stdout.
func (r result) okOut(t *testing.T) string {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, want 0 and a silent stderr; stderr:\n%s", r.code, r.stderr)
	}
	return r.stdout
}

// ok0 fails the test unless the run exited 0.
func (r result) ok0(t *testing.T) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
}

var digestLineRE = regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64}) (\d+)$`)

func (r result) digest(t *testing.T) (string, int) {
	t.Helper()
	m := digestLineRE.FindAllStringSubmatch(r.stdout, -1)
	if len(m) == 0 {
		t.Fatalf("no Digest: line in stdout %q", r.stdout)
	}
	last := m[len(m)-1]
	var size int
	fmt.Sscan(last[2], &size)
	return last[1], size
}

// fails checks the exit code and that stderr's error lines are exactly want.
func (r result) fails(t *testing.T, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d", r.code, code)
	}
	got := errorLines(r.stderr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("error lines\n got: %q\nwant: %q", got, want)
	}
}

// errorLines are the lines of stderr that report an error.
func errorLines(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "error: ") {
			out = append(out, line)
		}
	}
	return out
}

// writeFile writes content to a new file in a temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// seed pushes one image per platform to repo under tag prefix-os-arch[variant].
func seed(t *testing.T, r *regtest.Registry, repo, prefix string, docker bool, plats ...regtest.Platform) map[string]regtest.Image {
	t.Helper()
	out := map[string]regtest.Image{}
	for _, p := range plats {
		img := regtest.NewImage(p, docker)
		tag := prefix + "-" + p.OS + "-" + p.Architecture + p.Variant
		if err := r.PushImage(repo, tag, img); err != nil {
			t.Fatal(err)
		}
		out[tag] = img
	}
	return out
}

var (
	linuxAMD64 = regtest.Platform{OS: "linux", Architecture: "amd64"}
	linuxARM64 = regtest.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	linuxARMv7 = regtest.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	linuxS390x = regtest.Platform{OS: "linux", Architecture: "s390x"}
	windows    = regtest.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}}
)
