package main

import (
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		t.Run(sh, func(t *testing.T) {
			code, stdout, _ := runCLI("completion", sh)
			if code != 0 || !strings.Contains(stdout, "__complete") || !strings.Contains(stdout, "manifest-tool") {
				t.Errorf("completion %s: exit %d\n%s", sh, code, stdout)
			}
		})
	}
	t.Run("tcsh", func(t *testing.T) {
		if code, _, stderr := runCLI("completion", "tcsh"); code != 2 || !strings.Contains(stderr, "bash, zsh or fish") {
			t.Errorf("completion tcsh: exit %d, %q", code, stderr)
		}
	})
}
