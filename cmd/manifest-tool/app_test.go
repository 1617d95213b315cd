package main

import (
	"strings"
	"testing"
)

func TestRunHelpAndVersion(t *testing.T) {
	code, stdout, _ := runCLI("--version")
	if code != 0 || !strings.HasPrefix(stdout, "manifest-tool version dev (commit: ") {
		t.Errorf("--version: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"--help"}, {"push", "--help"}, {"push", "from-spec", "--help"}, {"push", "from-args", "--help"}, {"push", "from-spec", "x.yaml", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(args...)
			if code != 0 || !strings.Contains(stdout, "manifest-tool push") || stderr != "" {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

// Every command's --help is readable in 80 columns and shows a real
// invocation.
func TestHelpWidth(t *testing.T) {
	for _, args := range [][]string{{}, {"push"}, {"push", "from-spec"}, {"push", "from-args"}, {"edit"}, {"inspect"}, {"platforms"}, {"probe"}, {"completion"}} {
		t.Run(strings.Join(append(args, "--help"), " "), func(t *testing.T) {
			code, stdout, _ := runCLI(append(args, "--help")...)
			if code != 0 || !strings.Contains(stdout, "manifest-tool ") {
				t.Errorf("exit %d", code)
			}
			for _, line := range strings.Split(stdout, "\n") {
				if len(line) > 80 {
					t.Errorf("%d columns: %q", len(line), line)
				}
			}
		})
	}
}
