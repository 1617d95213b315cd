package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// The local files a run reads or writes, made hostile: layouts whose
// files are links, named pipes or huge, a Docker config that never ends,
// standard input that never closes, a layout another process holds, a
// copy into a layout cut off or interrupted. Each run ends in a bounded
// time (measured and logged), with its lines, and touches no file it was
// not asked to.

// srcLayout writes a layout holding one image under tag 1 and returns its
// directory.
func srcLayout(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	img := regtest.NewImage(linuxAMD64, false)
	if err := regtest.WriteLayout(dir, "1", img.Manifest, img.Blobs()[1:]...); err != nil {
		t.Fatal(err)
	}
	return dir
}

// layoutPush are the arguments of a push of src's image into dst.
func layoutPush(src, dst string) []string {
	return []string{"push", "--type", "oci", "from-args", "--platforms", "linux/amd64", "--template", "ocidir://" + src + ":1", "--target", "ocidir://" + dst + ":1"}
}

// started is a run of the binary that the test ends or waits for.
type started struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	start  time.Time
	args   []string
}

// lockedBuffer is a bytes.Buffer the process writes and the test reads
// while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startTool starts the binary with args and an empty Docker config;
// stdin, when not nil, is its standard input.
func startTool(t *testing.T, stdin io.Reader, args ...string) *started {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir())
	cmd.Stdin = stdin
	s := &started{cmd: cmd, stderr: &lockedBuffer{}, args: args}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.start = time.Now()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return s
}

// waitFor waits until the run's stderr holds text, for up to a minute.
func (s *started) waitFor(t *testing.T, text string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(s.stderr.String(), text) {
			return
		}
	}
	t.Fatalf("%q never came on stderr:\n%s", text, s.stderr.String())
}

// end waits for the run to exit, up to bound after it started; a run
// still going then is killed, and its result has code -1.
func (s *started) end(t *testing.T, bound time.Duration) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	res := result{code: -1}
	select {
	case <-done:
		res.code = s.cmd.ProcessState.ExitCode()
	case <-time.After(time.Until(s.start.Add(bound))):
		_ = s.cmd.Process.Kill()
		<-done
	}
	res.elapsed, res.stderr = time.Since(s.start), s.stderr.String()
	t.Logf("$ manifest-tool %s\n%s(exit %d after %s)", strings.Join(s.args, " "), res.stderr, res.code, res.elapsed.Round(time.Millisecond))
	return res
}

// fileModes lists the files under dir (links included, not followed) with
// their modes.
func fileModes(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			out[p] = fi.Mode()
		}
		return nil
	})
	return out
}

// A push into a layout gives the files it wrote the mode the umask gives,
// and no other file: not a 0600 key beside the layout's files, nor 0600
// files changed just before the run, in the layout's directory, in
// blobs/sha256 or deeper, nor a file outside the layout that a link in it
// names. (A link swapped in while the run writes is the unit test
// registry.TestSetModeFollowsNoLink's.)
func TestLayoutModesOnlyWritten(t *testing.T) {
	t.Parallel()
	src, root := srcLayout(t), t.TempDir()
	dst := filepath.Join(root, "dst")
	// a layout written before, then private files in and beside it
	if code, _ := mtUmask(t, layoutPush(srcLayout(t), dst)...); code != 0 {
		t.Fatalf("exit %d", code)
	}
	outside := filepath.Join(t.TempDir(), "outside.key")
	private := []string{
		filepath.Join(dst, "private.key"),
		filepath.Join(dst, "blobs", "sha256", "notes"),
		filepath.Join(dst, "sub", "deep.key"),
		outside,
	}
	for _, p := range private {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dst, "blobs", "sha256", strings.Repeat("ab", 32))
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	before := fileModes(t, dst)
	code, _ := mtUmask(t, layoutPush(src, dst)...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	after := fileModes(t, dst)
	changed, wrote := 0, 0
	for _, p := range private {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			changed++
			t.Errorf("%s is %v, want it left 0600 (the run did not write it)", p, fi.Mode().Perm())
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link %s was replaced: %v", link, err)
	}
	for p, m := range after {
		if _, ok := before[p]; ok || m&fs.ModeSymlink != 0 {
			continue
		}
		wrote++
		if m.Perm() != 0o644 {
			t.Errorf("%s, written by the run, is %v, want 0644 under umask 022", p, m.Perm())
		}
	}
	if wrote < 3 { // the image's manifest, config and layer at least
		t.Errorf("the run wrote %d new files", wrote)
	}
	t.Logf("measured: %d private files of %d changed mode; %d files written, each 0644", changed, len(private), wrote)
}

// A layout whose oci-layout or index.json is a symbolic link, dangling or
// not, is refused (exit 2, one line naming the layout, the file and where
// it points), before a file is written anywhere: regclient would create
// or overwrite oci-layout through the link, and read index.json through
// it. Named pipes and other non-files in their place are refused at once,
// instead of holding the run in an open that waits for a writer.
func TestLayoutLinkedFiles(t *testing.T) {
	t.Parallel()
	src := srcLayout(t)
	index, err := os.ReadFile(filepath.Join(src, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file string
		make       func(t *testing.T, p, outside string) // makes p, given a path outside the layout
		what       string                                // what the line says p is
		dangling   bool
	}{
		{"oci-layout a dangling link", "oci-layout", func(t *testing.T, p, outside string) { mustSymlink(t, outside, p) }, "a symbolic link (to %s), through which it would be read and written elsewhere; make it a file", true},
		{"oci-layout a link to a file", "oci-layout", func(t *testing.T, p, outside string) {
			mustWrite(t, outside, `{"imageLayoutVersion":"1.0.0"}`)
			mustSymlink(t, outside, p)
		}, "a symbolic link (to %s), through which it would be read and written elsewhere; make it a file", false},
		{"index.json a link to an index", "index.json", func(t *testing.T, p, outside string) {
			mustWrite(t, outside, string(index))
			mustSymlink(t, outside, p)
		}, "a symbolic link (to %s), through which it would be read and written elsewhere; make it a file", false},
		{"index.json a dangling link", "index.json", func(t *testing.T, p, outside string) { mustSymlink(t, outside, p) }, "a symbolic link (to %s), through which it would be read and written elsewhere; make it a file", true},
		{"index.json a named pipe", "index.json", func(t *testing.T, p, _ string) { mustFifo(t, p) }, "a named pipe, not a file", false},
		{"oci-layout a named pipe", "oci-layout", func(t *testing.T, p, _ string) { mustFifo(t, p) }, "a named pipe, not a file", false},
		{"index.json a directory", "index.json", func(t *testing.T, p, _ string) { _ = os.Mkdir(p, 0o755) }, "a directory, not a file", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// the layout: a copy of src with the file replaced
			dst := filepath.Join(t.TempDir(), "dst")
			outside := filepath.Join(t.TempDir(), "outside")
			if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dst, tc.file)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			tc.make(t, p, outside)
			outsideBefore, _ := os.ReadFile(outside)
			what := tc.what
			if strings.Contains(what, "%s") {
				what = fmt.Sprintf(what, outside)
			}
			want := "the layout " + dst + ": " + tc.file + " is " + what
			for _, args := range [][]string{
				layoutPush(src, dst),
				{"inspect", "ocidir://" + dst + ":1"},
			} {
				res := startTool(t, nil, args...).end(t, 30*time.Second)
				lines := errorLines(res.stderr)
				if res.code != 2 || len(lines) != 1 || !strings.HasSuffix(lines[0], want) {
					t.Errorf("%s: exit %d, error lines %q, want exit 2 and one line ending %q", args[0], res.code, lines, want)
				}
				if res.elapsed > 20*time.Second { // a bound on ending at all
					t.Errorf("%s: ended after %s", args[0], res.elapsed)
				}
			}
			after, err := os.ReadFile(outside)
			if tc.dangling && err == nil {
				t.Errorf("the run created %s, outside the layout, through the link", outside)
			} else if !tc.dangling && !bytes.Equal(after, outsideBefore) {
				t.Errorf("the run changed %s, outside the layout, through the link", outside)
			}
		})
	}
}

func mustSymlink(t *testing.T, to, p string) {
	t.Helper()
	if err := os.Symlink(to, p); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustFifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every wait on something local ends at --timeout and on SIGINT/SIGTERM,
// with the usual lines (what it was waiting for, and that nothing was
// written) and exit 1: a layout another process holds locked, a spec or
// a Docker config that is a named pipe no one writes to, standard input
// (from-spec -, --password-stdin) that stays open. The time from start
// to exit is measured and held to a bound.
func TestLocalWaits(t *testing.T) {
	t.Parallel()
	src := srcLayout(t)
	cases := []struct {
		name  string
		setup func(t *testing.T) (args []string, stdin io.Reader, what string)
		ready string // on stderr once the run waits ("" for none to wait for)
	}{
		{"a layout another process holds locked", func(t *testing.T) ([]string, io.Reader, string) {
			dst := filepath.Join(t.TempDir(), "dst")
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(dst)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			return layoutPush(src, dst), nil, "waiting for the lock on the layout " + dst + ", which another process holds"
		}, "is locked by another process"},
		{"a spec that is a named pipe", func(t *testing.T) ([]string, io.Reader, string) {
			p := filepath.Join(t.TempDir(), "release.yaml")
			mustFifo(t, p)
			return []string{"push", "from-spec", p}, nil, "waiting for a writer to the spec " + p
		}, ""},
		{"a Docker config that is a named pipe", func(t *testing.T) ([]string, io.Reader, string) {
			dir := t.TempDir()
			mustFifo(t, filepath.Join(dir, "config.json"))
			return []string{"--docker-cfg", dir, "inspect", "ocidir://" + src + ":1"}, nil, "waiting for a writer to the Docker config " + filepath.Join(dir, "config.json")
		}, ""},
		{"from-spec - on standard input that stays open", func(t *testing.T) ([]string, io.Reader, string) {
			return []string{"push", "from-spec", "-"}, openPipe(t, "image: reg.invalid/app:1\n"), "reading the spec from standard input"
		}, ""},
		{"--password-stdin on standard input that stays open", func(t *testing.T) ([]string, io.Reader, string) {
			return []string{"--plain-http", "--username", "u", "--password-stdin", "inspect", reg.Host + "/app:1"}, openPipe(t, "pass"), "reading the password from standard input"
		}, ""},
	}
	const bound = 30 * time.Second // on ending at all; a wait that ignores both never ends
	for _, tc := range cases {
		for _, stop := range []string{"--timeout", "SIGINT", "SIGTERM"} {
			t.Run(tc.name+" "+strings.TrimPrefix(stop, "--"), func(t *testing.T) {
				t.Parallel()
				args, stdin, what := tc.setup(t)
				why := "interrupted"
				if stop == "--timeout" {
					args, why = append([]string{"--timeout", "2s"}, args...), "timed out (--timeout 2s)"
				}
				s := startTool(t, stdin, args...)
				stopped := s.start.Add(2 * time.Second) // --timeout 2s
				if stop != "--timeout" {
					if tc.ready != "" {
						s.waitFor(t, tc.ready)
					} else {
						time.Sleep(time.Second) // the run is waiting by then
					}
					sig := map[string]os.Signal{"SIGINT": os.Interrupt, "SIGTERM": syscall.SIGTERM}[stop]
					stopped = time.Now()
					if err := s.cmd.Process.Signal(sig); err != nil {
						t.Fatal(err)
					}
				}
				res := s.end(t, bound)
				t.Logf("measured: %s, %s: exit %d, %s after the stop", tc.name, stop, res.code, time.Since(stopped).Round(time.Millisecond))
				if res.code == -1 {
					t.Fatalf("still waiting %s after it started; killed", bound)
				}
				res.fails(t, 1, "error: "+why+" while "+what+"; run the same command again to finish", "error: nothing was written")
			})
		}
	}
}

// openPipe is a reader that gives content, then nothing, and never ends
// (until the test does): standard input from a process that neither
// writes more nor exits.
func openPipe(t *testing.T, content string) io.Reader {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	if _, err := w.WriteString(content); err != nil {
		t.Fatal(err)
	}
	return r
}

// partialFiles lists the temporary files regclient writes in a layout
// (blobs/sha256/*.tmp, index.json.*.tmp), with their sizes.
func partialFiles(dir string) map[string]int64 {
	out := map[string]int64{}
	for _, pattern := range []string{filepath.Join(dir, "blobs", "sha256", "*.tmp"), filepath.Join(dir, "index.json.*.tmp")} {
		names, _ := filepath.Glob(pattern)
		for _, n := range names {
			if fi, err := os.Stat(n); err == nil {
				out[n] = fi.Size()
			}
		}
	}
	return out
}

// A copy into a layout that fails (a source that cuts a layer off
// half-way, every time) or is interrupted (SIGINT while a layer is on its
// way) leaves no partial file in the layout: regclient's temporary files
// are removed, and the last lines say what the run wrote.
func TestLayoutPartialFiles(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	// over the 8 MiB the transport reads whole before regclient sees it:
	// a layer that large streams into the layout
	img := regtest.NewLargeImage(linuxAMD64, false, 12<<20)
	layer := img.Layers[0]
	source := func(t *testing.T, cut http.HandlerFunc) *hostileRegistry {
		h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", regtest.OCIManifest)
			w.Header().Set("Docker-Content-Digest", img.Manifest.Digest)
			w.Header().Set("Content-Length", strconv.Itoa(len(img.Manifest.Data)))
			if r.Method != http.MethodHead {
				w.Write(img.Manifest.Data)
			}
		})
		h.serveBlob(img.Config.Data)
		h.route("/v2/app/manifests/"+img.Manifest.Digest, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", regtest.OCIManifest)
			w.Write(img.Manifest.Data)
		})
		h.route("/v2/app/blobs/"+layer.Digest, cut)
		return h
	}
	half := string(layer.Data[:len(layer.Data)/2])
	head := "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + strconv.Itoa(len(layer.Data)) + "\r\n"
	t.Run("a layer cut off half-way every time", func(t *testing.T) {
		t.Parallel()
		h := source(t, raw(head, half, false))
		dst := filepath.Join(t.TempDir(), "dst")
		res := mtMeasured(t, nil, "", "--plain-http", "push", "--type", "oci", "from-args", "--member", h.Host+"/app:1", "--target", "ocidir://"+dst+":1")
		left := partialFiles(dst)
		t.Logf("measured: a layer cut off, into a layout: exit %d, %d partial files left, max RSS %d KiB (%.1f MiB), %s", res.code, len(left), res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
		if res.code != 1 || len(errorLines(res.stderr)) != 1 {
			t.Errorf("exit %d, error lines %q, want 1 and one line", res.code, errorLines(res.stderr))
		}
		if len(left) > 0 {
			t.Errorf("partial files left in the layout: %v", left)
		}
		if res.maxRSS > rssBound {
			t.Errorf("max RSS %d KiB, over %d", res.maxRSS, rssBound)
		}
	})
	t.Run("SIGINT while a layer is copied", func(t *testing.T) {
		t.Parallel()
		h := source(t, raw(head, half, true))
		dst := filepath.Join(t.TempDir(), "dst")
		s := startTool(t, nil, "--plain-http", "push", "--type", "oci", "from-args", "--member", h.Host+"/app:1", "--target", "ocidir://"+dst+":1")
		// once half the layer is on disk, in a temporary file
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			var n int64
			for _, size := range partialFiles(dst) {
				n += size
			}
			if n >= int64(len(half)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no partial file of %d bytes came in the layout (%v):\n%s", len(half), partialFiles(dst), s.stderr.String())
			}
		}
		if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		res := s.end(t, 30*time.Second)
		left := partialFiles(dst)
		t.Logf("measured: SIGINT while a layer is copied into a layout: exit %d after %s, %d partial files left", res.code, res.elapsed.Round(time.Millisecond), len(left))
		res.fails(t, 1, "error: interrupted; run the same command again to finish", "error: nothing was written")
		if len(left) > 0 {
			t.Errorf("partial files left in the layout: %v", left)
		}
	})
}

// mtCapped is mtMeasured with the run's address space capped at capKiB
// (ulimit -v), so that a run that reads without bound fails there rather
// than taking the machine's memory.
func mtCapped(t *testing.T, capKiB int64, args ...string) result {
	t.Helper()
	if _, err := os.Stat(gnuTime); err != nil {
		t.Skip("GNU time is not installed (apt-get install time): it measures the run's memory")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rssFile := filepath.Join(t.TempDir(), "rss")
	cmd := exec.CommandContext(ctx, gnuTime, append([]string{"-q", "-f", "%M", "-o", rssFile, "sh", "-c", `ulimit -v ` + strconv.FormatInt(capKiB, 10) + `; exec "$0" "$@"`, binary}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(rssFile)
	fmt.Sscan(string(b), &res.maxRSS)
	if len(res.stderr) > 2000 { // a Go runtime's dump
		res.stderr = res.stderr[:2000] + "…"
	}
	t.Logf("$ (ulimit -v %d) manifest-tool %s\n%s%s(exit %d)", capKiB, strings.Join(args, " "), res.stdout, res.stderr, res.code)
	return res
}

// Local files are held to limits as the spec is: a layout's index.json, an
// index, to the manifest limit (--max-manifest-size), checked before it is
// read; the Docker config and a --ca-file to a fixed 4 MiB, checked before
// they are read when they are regular files, and while they are read
// otherwise (/dev/zero). Each ends at once, in one line naming the file,
// the limit and the way out, exit 2, in bounded memory.
func TestLocalFileLimits(t *testing.T) {
	t.Parallel()
	const rssBound = 100 << 10 // KiB
	const capKiB = 2 << 20     // address space, so that a run without bound fails rather than eats the machine
	src := srcLayout(t)
	huge := func(t *testing.T) string { // a layout whose index.json is 600 MiB, sparse
		dst := filepath.Join(t.TempDir(), "huge")
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(filepath.Join(dst, "index.json"), 600<<20); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	bigConfig := filepath.Join(t.TempDir(), "config.json")
	mustWrite(t, bigConfig, "")
	if err := os.Truncate(bigConfig, 5<<20); err != nil {
		t.Fatal(err)
	}
	hugeSrc, hugeDst := huge(t), huge(t)
	indexLine := func(dir string) string {
		return "the layout " + dir + ": index.json is 600MiB, over the limit of 4MiB (raise it with --max-manifest-size)"
	}
	configLine := func(p string) string {
		return "error: reading Docker config " + p + ": more than 4MiB, a fixed limit far above what credentials take (a few KB); is it the right file?"
	}
	cases := []struct {
		name string
		args []string
		want string // the one error line's end
	}{
		{"inspect an index.json of 600 MiB", []string{"inspect", "ocidir://" + hugeSrc + ":1"}, indexLine(hugeSrc)},
		{"a push into a layout whose index.json is 600 MiB", layoutPush(src, hugeDst), indexLine(hugeDst)},
		{"--docker-cfg /dev/zero", []string{"--docker-cfg", "/dev/zero", "inspect", "ocidir://" + src + ":1"}, configLine("/dev/zero")},
		{"a Docker config of 5 MiB", []string{"--docker-cfg", bigConfig, "inspect", "ocidir://" + src + ":1"}, configLine(bigConfig)},
		{"--ca-file /dev/zero", []string{"--ca-file", "/dev/zero", "inspect", "ocidir://" + src + ":1"}, `error: --ca-file "/dev/zero": more than 4MiB, a fixed limit far above a bundle of every public CA (about 200 KB); is it the right file?`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mtCapped(t, capKiB, tc.args...)
			t.Logf("measured: %s: exit %d, max RSS %d KiB (%.1f MiB), %s", tc.name, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			lines := errorLines(res.stderr)
			if res.code != 2 || len(lines) != 1 || !strings.HasSuffix(lines[0], tc.want) {
				t.Errorf("exit %d, error lines %q, want exit 2 and one line ending %q", res.code, lines, tc.want)
			}
			if res.maxRSS > rssBound {
				t.Errorf("max RSS %d KiB, over %d", res.maxRSS, rssBound)
			}
		})
	}
	// the limit raised, the index.json is read (and then found not JSON)
	res := mtCapped(t, capKiB, "--max-manifest-size", "1GiB", "inspect", "ocidir://"+hugeSrc+":1")
	if strings.Contains(res.stderr, "over the limit") {
		t.Errorf("--max-manifest-size 1GiB did not raise the limit:\n%s", res.stderr)
	}
}

// A read that no context can end (regclient opening a layout's manifest
// that is a named pipe: the open waits for a writer, in a system call)
// does not hold the process for ever: 10 seconds after --timeout or a
// signal, the process ends, exit 1, with one line saying so.
func TestStuckLocalRead(t *testing.T) {
	t.Parallel()
	img := regtest.NewImage(linuxAMD64, false)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := regtest.WriteLayout(dir, "1", img.Manifest, img.Blobs()[1:]...); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(img.Manifest.Digest, "sha256:"))
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	mustFifo(t, p)
	for _, stop := range []string{"--timeout", "SIGINT"} {
		t.Run(strings.TrimPrefix(stop, "--"), func(t *testing.T) {
			t.Parallel()
			args, why := []string{"inspect", "ocidir://" + dir + ":1"}, "interrupted"
			if stop == "--timeout" {
				args, why = append([]string{"--timeout", "2s"}, args...), "timed out (--timeout 2s)"
			}
			s := startTool(t, nil, args...)
			stopped := s.start
			if stop == "SIGINT" {
				time.Sleep(time.Second)
				stopped = time.Now()
				if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			} else {
				stopped = stopped.Add(2 * time.Second)
			}
			res := s.end(t, 40*time.Second)
			t.Logf("measured: a layout's manifest that is a named pipe, %s: exit %d, %s after the stop", stop, res.code, time.Since(stopped).Round(time.Millisecond))
			if res.code == -1 {
				t.Fatal("still running 40s after it started; killed")
			}
			res.fails(t, 1, "error: "+why+", and the run did not stop within 10s: a file it reads does not end (a named pipe, a hung file system); what it wrote is not known")
		})
	}
}
