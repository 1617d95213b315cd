package integration

import (
	"strings"
	"testing"
)

// A reference that does not parse is echoed on one line (quoted, a
// newline as \n) and with any user info before its host blotted out,
// wherever it was given; a port out of range is a bad reference (exit 2),
// not a registry that cannot be reached.
func TestReferenceEchoes(t *testing.T) {
	t.Parallel()
	const pass = "Pa55-in-the-ref"
	spec := writeFile(t, "refs.yaml", "image: \"user:"+pass+"@reg.example.com/app:1\"\nmanifests:\n  - image: \"reg.example.com/a\\npp:1\"\n")
	newline := writeFile(t, "newline.yaml", "image: reg.example.com/app:1\nmanifests:\n  - image: \"reg.example.com/a\\npp:1\"\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a newline in IMAGE", []string{"inspect", "reg.example.com/app\n:1"}, `error: invalid reference "reg.example.com/app\n:1"`},
		{"user info in IMAGE", []string{"platforms", "user:" + pass + "@reg.example.com/app:1"}, `error: invalid reference "user:***@reg.example.com/app:1"`},
		{"user info in an https URL", []string{"inspect", "https://user:" + pass + "@reg.example.com/app:1"},
			`error: invalid reference, unknown scheme "https" in "https://reg.example.com/app:1"`},
		{"a token as user info", []string{"inspect", pass + "@reg.example.com:5000/app:1"}, `error: invalid reference "***@reg.example.com:5000/app:1"`},
		{"user info in --target", []string{"push", "from-args", "--platforms", "linux/amd64", "--template", "reg.example.com/app:ARCH", "--target", "user:" + pass + "@reg.example.com/app:1"},
			`error: --target: invalid reference "user:***@reg.example.com/app:1"`},
		{"user info in --template", []string{"push", "from-args", "--platforms", "linux/amd64", "--template", "user:" + pass + "@reg.example.com/app:ARCH", "--target", "reg.example.com/app:1"},
			`error: --platforms "linux/amd64": --template "user:***@reg.example.com/app:ARCH" gives "user:***@reg.example.com/app:amd64": invalid reference "user:***@reg.example.com/app:amd64"`},
		{"a newline in --member", []string{"push", "from-args", "--member", "reg.example.com/a\npp:1", "--target", "reg.example.com/app:1"},
			`error: --member "reg.example.com/a\npp:1": invalid reference "reg.example.com/a\npp:1"`},
		{"user info in --member", []string{"push", "from-args", "--member", "user:" + pass + "@reg.example.com/app:1", "--target", "reg.example.com/app:1"},
			`error: --member "user:***@reg.example.com/app:1": invalid reference "user:***@reg.example.com/app:1"`},
		{"user info in edit's TARGET", []string{"edit", "--remove", "linux/amd64", "user:" + pass + "@reg.example.com/app:1"},
			`error: TARGET: invalid reference "user:***@reg.example.com/app:1"`},
		{"user info in --add", []string{"edit", "--add", "user:" + pass + "@reg.example.com/app:2", "reg.example.com/app:1"},
			`error: --add "user:***@reg.example.com/app:2": invalid reference "user:***@reg.example.com/app:2"`},
		{"user info in a spec", []string{"push", "from-spec", spec}, "error: " + spec + `:1: image: invalid reference "user:***@reg.example.com/app:1"`},
		{"a newline in a spec", []string{"push", "from-spec", newline}, "error: " + newline + `:3: manifests[0].image: invalid reference "reg.example.com/a\npp:1"`},
		{"user info in probe's REGISTRY", []string{"probe", "user:" + pass + "@reg.example.com/team"},
			`error: "user:***@reg.example.com/team" is not REGISTRY[/REPO]: the repository name is not valid (e.g. registry.example.com/team/probe)`},
		{"a newline in probe's REGISTRY", []string{"probe", "reg.example.com\n"}, `error: "reg.example.com\n" is not REGISTRY[/REPO]: not a registry host (e.g. registry.example.com/team/probe)`},
		{"a port out of range", []string{"inspect", "127.0.0.1:99999/app:1"}, `error: invalid reference "127.0.0.1:99999/app:1": port 99999 is not 1-65535`},
		{"port 0", []string{"push", "from-args", "--member", "127.0.0.1:0/app:1", "--target", "127.0.0.1:5000/app:1"},
			`error: --member "127.0.0.1:0/app:1": invalid reference "127.0.0.1:0/app:1": port 0 is not 1-65535`},
		{"a port out of range in probe's REGISTRY", []string{"probe", "127.0.0.1:99999"}, `error: "127.0.0.1:99999" is not REGISTRY[/REPO]: port 99999 is not 1-65535 (e.g. registry.example.com/team/probe)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mt(t, tc.args...)
			res.fails(t, 2, tc.want)
			if lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stderr is %d lines, want 1", len(lines))
			}
			if strings.Contains(res.stdout+res.stderr, pass) {
				t.Errorf("the password in the reference is in the output")
			}
		})
	}
}
