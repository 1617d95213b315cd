package main

import (
	"context"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
)

// --referrers is read by Go's flag package as the switch it is (given
// alone it takes no next word) or with =VALUE, anywhere on the command
// lines of push (from-spec, from-args) and edit, with no rewrite of the
// command line; the library gets its policy.
func TestReferrersFlag(t *testing.T) {
	tests := []struct {
		args           string
		copy, required bool
		positionals    string
	}{
		{"push from-spec f.yaml", false, false, "f.yaml"},
		{"push from-spec f.yaml --referrers", true, false, "f.yaml"},
		{"push from-spec --referrers f.yaml", true, false, "f.yaml"},
		{"push --referrers from-spec f.yaml", true, false, "f.yaml"},
		{"push from-spec f.yaml --referrers=required", true, true, "f.yaml"},
		{"push --referrers=required from-spec f.yaml", true, true, "f.yaml"},
		{"push from-spec -referrers=required f.yaml", true, true, "f.yaml"},
		{"push from-spec f.yaml --referrers=true", true, false, "f.yaml"},
		{"push from-spec f.yaml --referrers=1", true, false, "f.yaml"},
		{"push from-spec f.yaml --referrers=false", false, false, "f.yaml"},
		{"push from-spec f.yaml --referrers=required --referrers=false", false, false, "f.yaml"},
		{"push from-spec --referrers required", true, false, "required"}, // a switch: the next word is not its value
		{"push from-args --referrers --target r/a:1", true, false, ""},
		{"push from-args --target r/a:1 --referrers=required", true, true, ""},
		{"edit --referrers=required --add r/b:1 r/a:1", true, true, "r/a:1"},
		{"edit r/a:1 --referrers", true, false, "r/a:1"},
		{"edit r/a:1", false, false, "r/a:1"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			app := newApp(newEnvironment(strings.NewReader(""), &strings.Builder{}, &strings.Builder{}))
			ran := false
			forCommands(app.Commands, func(c *cli.Command) {
				if c.Action != nil && len(c.Subcommands) == 0 {
					c.Action = func(c *cli.Context) error {
						ran = true
						p := referrersOf(c)
						copyThem, required := p != registry.ReferrersOff, p == registry.ReferrersRequired
						if copyThem != tc.copy || required != tc.required || strings.Join(c.Args().Slice(), " ") != tc.positionals {
							t.Errorf("got %v, %v, arguments %q; want %v, %v, %q", copyThem, required, c.Args().Slice(), tc.copy, tc.required, tc.positionals)
						}
						return nil
					}
				}
			})
			args, err := interspersed(app, append([]string{"manifest-tool"}, strings.Fields(tc.args)...))
			if err == nil {
				err = app.RunContext(context.Background(), args)
			}
			if err != nil || !ran {
				t.Errorf("ran %v: %v", ran, err)
			}
		})
	}
}
