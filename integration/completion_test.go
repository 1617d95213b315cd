package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Each shell's completion script, loaded in that shell, completes
// commands, flag values and spec files from the binary on PATH. A shell
// that is not installed is skipped with a message (.ci/run installs them).
func TestCompletionInShells(t *testing.T) {
	t.Parallel()
	if filepath.Base(binary) != "manifest-tool" {
		t.Fatalf("the binary under test is %s; the scripts complete the command manifest-tool", binary)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "release.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH")
	tests := []struct {
		words []string // the last one is being typed
		want  string
		only  string // the shells the case is for, when not every one
	}{
		{[]string{"pu"}, "push", ""},
		{[]string{"push", "--type", ""}, "docker oci", ""},
		{[]string{"push", "from-spec", "rel"}, "release.yaml", ""},
		{[]string{"inspect", "--ra"}, "--raw", ""},
		{[]string{"--insecure", "platforms", "-o", "j"}, "json", ""},
		// a flag's value after '=': one word in zsh; bash splits it at
		// '=', and on "--referrers=" the word being completed is the '='
		{[]string{"push", "from-spec", "--referrers=r"}, "--referrers=required", "bash zsh"},
		{[]string{"push", "--referrers", "=", "r"}, "required", "bash"},
		{[]string{"edit", "--referrers", "="}, "true false required", "bash"},
	}
	quote := func(words []string) string {
		q := make([]string, len(words))
		for i, w := range words {
			q[i] = "'" + w + "'"
		}
		return strings.Join(q, " ")
	}
	// each shell: how to load the script and ask for the completions of a
	// line, printing them space-separated
	shells := map[string]func(script string, words []string) string{
		"bash": func(script string, words []string) string {
			return "source " + script + "\nCOMP_WORDS=(manifest-tool " + quote(words) + "); COMP_CWORD=" + strconv.Itoa(len(words)) +
				"\n_manifest_tool; echo \"${COMPREPLY[*]}\""
		},
		// zsh's completion system needs a terminal: compadd and _files
		// stand in for it, printing what they are given
		"zsh": func(script string, words []string) string {
			return "compdef() { :; }; source " + script + "\ncompadd() { shift; print -n -- \"$* \"; }; _files() { print -n -- \"$(print -l -- ${words[CURRENT]}*) \"; }\n" +
				"words=(manifest-tool " + quote(words) + "); CURRENT=" + strconv.Itoa(len(words)+1) + "; _manifest_tool; print"
		},
		"fish": func(script string, words []string) string {
			return "source " + script + "\necho (complete -C \"manifest-tool " + strings.Join(words, " ") + "\")"
		},
	}
	for sh, line := range shells {
		t.Run(sh, func(t *testing.T) {
			if _, err := exec.LookPath(sh); err != nil {
				t.Skipf("%s is not installed", sh)
			}
			script := filepath.Join(dir, "completion."+sh)
			out := mt(t, "completion", sh).okOut(t)
			if err := os.WriteFile(script, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, tc := range tests {
				if tc.only != "" && !slices.Contains(strings.Fields(tc.only), sh) {
					continue
				}
				args := []string{"-c", line(script, tc.words)}
				if sh == "zsh" {
					args = append([]string{"-f"}, args...)
				}
				cmd := exec.Command(sh, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "PATH="+path)
				out, err := cmd.CombinedOutput()
				if got := strings.Join(strings.Fields(string(out)), " "); err != nil || got != tc.want {
					t.Errorf("%q: %v, got %q, want %q", tc.words, err, got, tc.want)
				}
			}
		})
	}
}
