package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

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
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != exitBadInput || stderr != tc.want || stdout != "" {
				t.Errorf("exit %d stdout %q stderr\n got %q\nwant %q", code, stdout, stderr, tc.want)
			}
		})
	}
}
