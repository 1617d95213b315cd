package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&environment{})
	tests := []struct{ in, want string }{
		{"push from-spec f.yaml", "push from-spec f.yaml"},
		{"push from-spec f.yaml --ignore-missing", "push from-spec --ignore-missing f.yaml"},
		{"push from-spec f.yaml --type oci --debug", "--debug push --type oci from-spec f.yaml"},
		{"push from-spec --type=oci f.yaml --insecure", "--insecure push --type=oci from-spec f.yaml"},
		{"--debug push --type oci from-spec - --docker-cfg /d", "--debug --docker-cfg /d push --type oci from-spec -"},
		{"push from-args --target r/a:1 --platforms linux/amd64 --plain-http --template r/a:ARCH",
			"--plain-http push from-args --target r/a:1 --platforms linux/amd64 --template r/a:ARCH"},
		{"push from-spec f.yaml --unknown", "push from-spec --unknown f.yaml"},
		{"push from-spec f.yaml --help", "push from-spec --help"},
		{"push from-spec -- -odd.yaml", "push from-spec -- -odd.yaml"},
		{"push from-spec f.yaml push", "push from-spec f.yaml push"},
		{"help push", "help push"},
		{"push --version", "--version push"},
	}
	for _, tc := range tests {
		got, err := interspersed(app, append([]string{"manifest-tool"}, strings.Fields(tc.in)...))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if strings.Join(got[1:], " ") != tc.want {
			t.Errorf("%q\n got %q\nwant %q", tc.in, strings.Join(got[1:], " "), tc.want)
		}
	}
}

// runCLI runs the command line in-process.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"manifest-tool"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"push", "from-args", "--platforms", "linux/amd64", "--template", "r/a:ARCH", "--target", "r/a:1", "--tags", "a b"}, `error: --tags "a b": "a b" is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')` + "\n"},
		{[]string{"push", "from-args", "--platforms", "linux/amd64", "--template", "r/a:ARCH", "--target", "r/a:1", "extra"}, `error: from-args takes no arguments, got "extra" (did you forget a flag name?)` + "\n"},
		{[]string{"push"}, "error: push needs from-spec or from-args (see manifest-tool push --help)\n"},
		{[]string{"--log-format", "xml", "push"}, `error: --log-format "xml": want text or json` + "\n"},
		{[]string{"push", "from-spec", "f.yaml", "--docker-cfg"}, "error: flag needs a value: --docker-cfg\n"},
		{[]string{"push", "from-spec", "f.yaml", "--type"}, "error: flag needs a value: --type\n"},
		{[]string{"--concurrency", "x", "push"}, `error: invalid value "x" for flag -concurrency: parse error (see manifest-tool --help)` + "\n"},
	}
	for _, tc := range tests {
		code, stdout, stderr := runCLI(tc.args...)
		if code != exitBadInput || stderr != tc.want || stdout != "" {
			t.Errorf("%v: exit %d stdout %q stderr\n got %q\nwant %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

func TestRunJSONLogs(t *testing.T) {
	code, _, stderr := runCLI("--log-format", "json", "push", "from-spec", "/nonexistent.yaml")
	if code != exitBadInput {
		t.Errorf("exit %d", code)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(stderr), &rec); err != nil {
		t.Fatalf("stderr is not one JSON record: %q", stderr)
	}
	if rec["level"] != "error" || rec["msg"] != "/nonexistent.yaml: cannot read the spec: no such file or directory" {
		t.Errorf("record %v", rec)
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	code, stdout, _ := runCLI("--version")
	if code != 0 || !strings.HasPrefix(stdout, "manifest-tool version dev (commit: ") {
		t.Errorf("--version: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"--help"}, {"push", "--help"}, {"push", "from-spec", "--help"}, {"push", "from-args", "--help"}, {"push", "from-spec", "x.yaml", "--help"}} {
		code, stdout, stderr := runCLI(args...)
		if code != 0 || !strings.Contains(stdout, "manifest-tool push") || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// Every command's --help is readable in 80 columns and shows a real
// invocation.
func TestHelpWidth(t *testing.T) {
	for _, args := range [][]string{{}, {"push"}, {"push", "from-spec"}, {"push", "from-args"}, {"inspect"}, {"platforms"}, {"probe"}} {
		code, stdout, _ := runCLI(append(args, "--help")...)
		if code != 0 || !strings.Contains(stdout, "manifest-tool ") {
			t.Errorf("%v --help: exit %d", args, code)
		}
		for _, line := range strings.Split(stdout, "\n") {
			if len(line) > 80 {
				t.Errorf("%v --help: %d columns: %q", args, len(line), line)
			}
		}
	}
}

func TestProgress(t *testing.T) {
	var term, lines bytes.Buffer
	log := logrus.New()
	log.SetOutput(&lines)
	log.SetFormatter(&textFormatter{})
	tty := &progress{w: &term, log: log, done: map[string]int64{}, size: map[string]int64{}}
	plain := &progress{log: log, done: map[string]int64{}, size: map[string]int64{}}
	for _, p := range []*progress{tty, plain} {
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 1024})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 2048, How: manifest.HowCopied})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:bbbbbbbbbbbbbbbbbbbb", Size: 10, Done: 10, How: manifest.HowPresent})
		p.finish()
	}
	if got := lines.String(); got != "copied blob sha256:aaaaaaaaaaaa… (2048 bytes) of reg/a@sha256:1\n" {
		t.Errorf("log lines %q", got)
	}
	if got := term.String(); !strings.Contains(got, "\r\x1b[Kcopying blobs: 0 of 1, 1024 bytes of 2048 bytes") ||
		!strings.Contains(got, "copying blobs: 1 of 1, 2048 bytes of 2048 bytes") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("terminal %q", got)
	}
}

// The last line of defence: every log line, text or JSON, is scrubbed of
// the run's secrets, escaped or not.
func TestScrubbing(t *testing.T) {
	const secret = `p&ss<wd>"x-Secret`
	s := &scrubber{}
	s.add(secret, "ab") // too short to scrub without blotting out ordinary text
	for _, f := range []logrus.Formatter{&textFormatter{}, &logrus.JSONFormatter{}} {
		var out bytes.Buffer
		log := logrus.New()
		log.SetOutput(&out)
		log.SetFormatter(&scrubbing{Formatter: f, s: s})
		log.WithField("detail", "said "+secret).Errorf("registry answered %s about a table", secret)
		if strings.Contains(out.String(), "Secret") || !strings.Contains(out.String(), "***") || !strings.Contains(out.String(), "ab") {
			t.Errorf("%T: %s", f, out.String())
		}
	}
}
