package main

import (
	"strings"
	"testing"
)

func TestComplete(t *testing.T) {
	tests := []struct {
		words string // the line after the program's name; the last word is being typed
		want  string // candidates, space-separated; ":files" for file names
	}{
		{"", "push edit inspect platforms probe completion"},
		{"p", "push platforms probe"},
		{"push ", "from-spec from-args"},
		{"push from-", "from-spec from-args"},
		{"push --ty", "--type"},
		{"push --type ", "docker oci"},
		{"push --type o", "oci"},
		{"push --type oci from-spec ", ":files"},
		{"push from-spec release.yaml ", ""},
		{"push from-spec --ign", "--ignore-missing"},
		{"push from-args --pla", "--plain-http --plain-http-registry --platforms"},
		{"--insecure push from-args --template ", ""},
		{"--ca-file ", ":files"},
		{"--docker-cfg ", ":files"},
		{"--log-format j", "json"},
		{"inspect -o ", "text json"},
		{"inspect --output ", "text json"},
		{"inspect reg/app:1 ", ""},
		{"--ver", "--version"},
		{"probe --ver", ""},
		{"completion ", "bash zsh fish"},
		{"completion bash ", ""},
		// values after '=', as zsh and fish give the word, and as bash
		// splits it ("--flag", "=", "value")
		{"push --referrers=", "--referrers=true --referrers=false --referrers=required"},
		{"push from-spec --referrers=r", "--referrers=required"},
		{"edit --referrers =", "true false required"},
		{"push --referrers = r", "required"},
		{"push --referrers ", "from-spec from-args"}, // it takes no next word
		{"push --type=o", "--type=oci"},
		{"push --type = d", "docker"},
		{"inspect -o=j", "-o=json"},
		{"--ca-file =", ":files"},
		{"--ca-file=", ""},
		{"--unknown=", ""},
	}
	for _, tc := range tests {
		t.Run(tc.words, func(t *testing.T) {
			code, stdout, stderr := runCLI(append([]string{completeCommand}, strings.Split(tc.words, " ")...)...)
			got := strings.Join(strings.Fields(stdout), " ")
			if code != 0 || stderr != "" || got != tc.want {
				t.Errorf("exit %d, got %q, want %q (stderr %q)", code, got, tc.want, stderr)
			}
		})
	}
}
