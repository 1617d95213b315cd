package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// sixteen are the platforms of a release that builds for many.
var sixteen = []regtest.Platform{
	linuxAMD64, linuxARM64, linuxARMv7, linuxS390x,
	{OS: "linux", Architecture: "arm", Variant: "v6"}, {OS: "linux", Architecture: "386"},
	{OS: "linux", Architecture: "ppc64le"}, {OS: "linux", Architecture: "riscv64"},
	{OS: "linux", Architecture: "mips64le"}, {OS: "linux", Architecture: "loong64"},
	{OS: "linux", Architecture: "mips64"}, {OS: "linux", Architecture: "mipsle"},
	{OS: "linux", Architecture: "mips"}, {OS: "linux", Architecture: "ppc64"},
	{OS: "freebsd", Architecture: "amd64"}, {OS: "freebsd", Architecture: "arm64"},
}

// platformList is the --platforms value of plats.
func platformList(plats []regtest.Platform) string {
	var out []string
	for _, p := range plats {
		out = append(out, p.String())
	}
	return strings.Join(out, ",")
}

// buildArgs pushes n of the sixteen platforms, built into build/app, to
// release/app:1.0 with two more tags.
func buildArgs(t *testing.T, r *regtest.Registry, n int) []string {
	t.Helper()
	seed(t, r, "build/app", "1", false, sixteen[:n]...)
	return []string{"--plain-http", "push", "--type", "oci", "from-args", "--platforms", platformList(sixteen[:n]),
		"--template", r.Host + "/build/app:1-OS-ARCHVARIANT", "--target", r.Host + "/release/app:1.0", "--tags", "1,latest"}
}

// jq reads a field of a JSON file the way CI steps do; "" when jq is not
// installed (.ci/run installs it).
func jq(t *testing.T, filter, file string) string {
	t.Helper()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Log("jq is not installed (apt-get install jq): the file is read by Go alone")
		return ""
	}
	out, err := exec.Command("jq", "-r", filter, file).Output()
	if err != nil {
		t.Fatalf("jq -r %s %s: %v", filter, file, err)
	}
	return strings.TrimSpace(string(out))
}

// TestMetadataFile: --metadata-file holds what buildx imagetools writes,
// for the pushed index, read with jq as the buildx examples do; it is not
// written in a dry run, nor when the push fails (a file there stays as it
// was).
func TestMetadataFile(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 3)
	dir := t.TempDir()
	file := filepath.Join(dir, "metadata.json")

	if res := mt(t, append(args, "--dry-run", "--metadata-file", file)...); res.code != 0 {
		t.Fatalf("dry run: exit %d", res.code)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote the metadata file: %v", err)
	}
	digest, size := mt(t, append(args, "--metadata-file", file)...).ok(t)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Descriptor struct {
			MediaType, Digest string
			Size              int
		} `json:"containerimage.descriptor"`
		Digest string `json:"containerimage.digest"`
		Name   string `json:"image.name"`
	}
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	m, err := r.GetManifest("release/app", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	if md.Digest != digest || md.Descriptor.Digest != m.Digest || md.Descriptor.Size != size || len(m.Body) != size ||
		md.Descriptor.MediaType != regtest.OCIIndex || md.Name != r.Host+"/release/app" {
		t.Errorf("metadata %s; pushed %s %d", b, m.Digest, len(m.Body))
	}
	if got := jq(t, `."containerimage.digest"`, file); got != "" && got != digest {
		t.Errorf("jq read %q, want %s", got, digest)
	}
	if got := jq(t, `."containerimage.descriptor".size`, file); got != "" && got != fmt.Sprint(size) {
		t.Errorf("jq read size %q, want %d", got, size)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v %v, want -rw-r--r--", fi.Mode(), err)
	}
	// edit writes it for the index it wrote
	edited := mt(t, "--plain-http", "edit", "--annotations", "org.opencontainers.image.version=1.0.1", "--metadata-file", file, r.Host+"/release/app:1.0")
	d, _ := edited.ok(t)
	if b, err = os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &md); err != nil || d == digest || md.Digest != d || md.Descriptor.Digest != d {
		t.Errorf("edit pushed %s (before: %s); the file holds %s", d, digest, b)
	}
	// a failed push leaves the file as it was, and no temporary file
	bad := append(append([]string{}, args...), "--metadata-file", file)
	bad[8] = r.Host + "/build/missing:1-OS-ARCHVARIANT"
	if res := mt(t, bad...); res.code != 1 {
		t.Errorf("missing members: exit %d, want 1", res.code)
	}
	if again, _ := os.ReadFile(file); string(again) != string(b) {
		t.Errorf("a failed push changed the file:\n%s", again)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want the metadata file alone", len(entries))
	}
}

// TestMetadataFileHostile: a --metadata-file that cannot be written is
// one line naming the flag, exit 2, before any request to the registry.
func TestMetadataFileHostile(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 2)
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		locked = "/proc/self" // root writes in any folder of the disk; not here
	}
	multi := writeFile(t, "multi.yaml", fmt.Sprintf("image: %[1]s/release/a:1\nmanifests: [{image: %[1]s/build/app:1-linux-amd64}]\n---\nimage: %[1]s/release/b:1\nmanifests: [{image: %[1]s/build/app:1-linux-amd64}]\n", r.Host))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a directory", append(args, "--metadata-file", dir), "is a directory"},
		{"a missing folder", append(args, "--metadata-file", filepath.Join(dir, "no/such/m.json")), "does not exist"},
		{"an unwritable folder", append(args, "--metadata-file", filepath.Join(locked, "m.json")), "cannot be written"},
		{"stdout", append(args, "--metadata-file", "-"), "want the path of a file"},
		{"nothing", append(args, "--metadata-file="), "want the path of a file"},
		{"a device", append(args, "--metadata-file", "/dev/null"), "not a regular file"},
		{"several documents", []string{"--plain-http", "push", "from-spec", multi, "--metadata-file", filepath.Join(dir, "m.json")}, "the spec has 2 documents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.Requests()
			res := mt(t, tc.args...)
			lines := errorLines(res.stderr)
			if res.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "--metadata-file") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, error lines %q; want 2 and one line naming --metadata-file, saying %q", res.code, lines, tc.want)
			}
			if reqs := r.Requests(); len(reqs) > 0 {
				t.Errorf("%d requests before the refusal: %v", len(reqs), reqs)
			}
		})
	}
}

// TestStepOutputs: with GITHUB_OUTPUT set, a push appends the step
// outputs digest and refs (heredoc form) to what the file held; a
// GITHUB_OUTPUT that cannot be written is a warning, and the push goes on.
func TestStepOutputs(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 2)
	out := writeFile(t, "github_output", "earlier=kept\n")
	digest, _ := mtEnv(t, []string{"GITHUB_OUTPUT=" + out}, "", args...).ok(t)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^earlier=kept\ndigest=(sha256:[0-9a-f]{64})\nrefs<<(\S+)\n((?s).*)\n(\S+)\n$`).FindStringSubmatch(string(b))
	if m == nil || m[1] != digest || m[2] != m[4] || len(m[2]) < 16 {
		t.Fatalf("GITHUB_OUTPUT holds\n%s", b)
	}
	want := []string{r.Host + "/release/app:1.0", r.Host + "/release/app:1", r.Host + "/release/app:latest"}
	if got := strings.Split(m[3], "\n"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("refs %q, want %q", got, want)
	}
	// a dry run, and a run that failed, add nothing
	bad := append([]string{}, args...)
	bad[8] = r.Host + "/build/missing:1-OS-ARCHVARIANT"
	mtEnv(t, []string{"GITHUB_OUTPUT=" + out}, "", append(args, "--dry-run")...).ok(t)
	if res := mtEnv(t, []string{"GITHUB_OUTPUT=" + out}, "", bad...); res.code != 1 {
		t.Errorf("missing members: exit %d, want 1", res.code)
	}
	if again, _ := os.ReadFile(out); string(again) != string(b) {
		t.Errorf("GITHUB_OUTPUT changed by a dry run or a failure:\n%s", again)
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "no/such/output"), t.TempDir()} {
		res := mtEnv(t, []string{"GITHUB_OUTPUT=" + bad}, "", args...)
		res.ok(t)
		if w := strings.Count(res.stderr, "warning: GITHUB_OUTPUT="); w != 1 {
			t.Errorf("GITHUB_OUTPUT=%s: %d warnings, want 1:\n%s", bad, w, res.stderr)
		}
	}
}

// TestQuiet: --quiet prints the Digest: line alone (or the whole JSON)
// and nothing on stderr; errors still come.
func TestQuiet(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 4)
	res := mt(t, append(args, "-q")...)
	if out := res.okOut(t); !digestLineRE.MatchString(out) || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout %q, want one Digest: line", out)
	}
	res = mt(t, append(args, "--quiet", "--output", "json")...)
	if p := pushResults(t, res.okOut(t)); len(p) != 1 || len(p[0].Manifests) != 4 {
		t.Errorf("JSON %s", res.stdout)
	}
	res = mt(t, append(args, "-q", "--dry-run")...)
	if out := res.okOut(t); !digestLineRE.MatchString(out) || strings.Count(out, "\n") != 1 {
		t.Errorf("dry run stdout %q, want one Digest: line", out)
	}
	mt(t, append(args, "-q", "--debug")...).fails(t, 2, "error: --quiet and --debug ask for opposite logs: give one of them")
	bad := append([]string{}, args...)
	bad[8] = r.Host + "/build/missing:1-OS-ARCHVARIANT"
	if res := mt(t, append(bad, "-q")...); res.code != 1 || len(errorLines(res.stderr)) == 0 || res.stdout != "" {
		t.Errorf("a failed quiet push: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestCILog: a push of 16 members to a log that is not a terminal says
// one line per member and per tag, not one per blob; --debug adds the
// blob lines.
func TestCILog(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 16)
	res := mt(t, args...)
	res.ok(t)
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	members := regexp.MustCompile(`^mounted \S+ into ` + regexp.QuoteMeta(r.Host) + `/release/app \(2 blobs, .+\)$`)
	tags := regexp.MustCompile(`^pushed ` + regexp.QuoteMeta(r.Host) + `/release/app:(1\.0|1|latest) \(created\)$`)
	var m, tg int
	for _, l := range lines {
		switch {
		case members.MatchString(l):
			m++
		case tags.MatchString(l):
			tg++
		}
	}
	t.Logf("16 members, 3 tags: %d lines on stderr", len(lines))
	if m != 16 || tg != 3 || len(lines) != 19 {
		t.Errorf("%d lines: %d member lines, %d tag lines; want 16 and 3 and no other", len(lines), m, tg)
	}
	seed(t, r, "build/app", "2", false, sixteen...)
	args[8], args[10] = r.Host+"/build/app:2-OS-ARCHVARIANT", r.Host+"/release/app:2.0"
	res = mt(t, append(args, "--debug")...)
	res.ok(t)
	t.Logf("--debug: %d lines on stderr", strings.Count(res.stderr, "\n"))
	if n := strings.Count(res.stderr, "mounted blob sha256:"); n != 32 {
		t.Errorf("--debug: %d blob lines, want 32 (16 members of 2 blobs)", n)
	}
}

// onTerminal runs the binary with a terminal for stdout and stderr
// (script, of util-linux, gives it one) and returns what the terminal
// showed.
func onTerminal(t *testing.T, args ...string) string {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) is not installed: it gives the run a terminal")
	}
	words := []string{binary}
	for _, a := range args {
		words = append(words, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	cmd := exec.Command(script, "-qec", strings.Join(words, " "), "/dev/null")
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir(), "TERM=xterm")
	out, err := cmd.Output()
	t.Logf("$ manifest-tool %s (on a terminal)\n%q", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(out)
}

// TestTerminalQuiet: on a terminal a push draws its progress block;
// with --quiet the terminal shows the Digest: line alone.
func TestTerminalQuiet(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	args := buildArgs(t, r, 4)
	out := onTerminal(t, args...)
	if !strings.Contains(out, "copying: ") || !strings.Contains(out, "\x1b[J") {
		t.Errorf("no progress block on the terminal: %q", out)
	}
	// a log line starts a line of its own, not after the block's
	atStart := regexp.MustCompile("(\x1b\\[J|\n)mounted ")
	if n := len(atStart.FindAllString(out, -1)); n != 4 || strings.Count(out, "mounted ") != 4 {
		t.Errorf("%d of %d member lines at the start of a line, want 4 of 4", n, strings.Count(out, "mounted "))
	}
	args[10] = r.Host + "/release/quiet:1.0" // the members are copied again
	out = onTerminal(t, append(args, "-q")...)
	if !regexp.MustCompile(`^Digest: sha256:[0-9a-f]{64} \d+\r?\n$`).MatchString(out) {
		t.Errorf("with --quiet the terminal shows %q, want the Digest: line alone", out)
	}
	if m, err := r.GetManifest("release/quiet", "latest"); err != nil || !strings.Contains(out, m.Digest) {
		t.Errorf("release/quiet:latest: %v", err)
	}
}
