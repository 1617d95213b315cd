package main

import (
	"embed"
	"slices"

	"github.com/urfave/cli/v2"
)

// completionScripts are the shell scripts `completion` prints; each asks
// the binary what may come next (see complete.go).
//
//go:embed completion/manifest-tool.*
var completionScripts embed.FS

// shells are those completion has a script for.
var shells = []string{"bash", "zsh", "fish"}

func completionCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh, fish)",
		ArgsUsage: "bash|zsh|fish",
		UsageText: `source <(manifest-tool completion bash)          # bash, this shell
   manifest-tool completion bash > /etc/bash_completion.d/manifest-tool
   manifest-tool completion zsh > "${fpath[1]}/_manifest-tool"
   manifest-tool completion fish \
       > ~/.config/fish/completions/manifest-tool.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion needs one shell (bash, zsh or fish), got %d arguments", c.NArg())
			}
			script, err := completionScripts.ReadFile("completion/manifest-tool." + c.Args().First())
			if err != nil || !slices.Contains(shells, c.Args().First()) {
				return usagef("completion %q: want bash, zsh or fish", c.Args().First())
			}
			_, err = env.stdout.Write(script)
			return err
		},
	}
}
