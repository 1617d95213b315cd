package main

import (
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// Shell completion: `manifest-tool completion bash|zsh|fish` prints a
// script; the script asks the binary itself what may come next with
// `manifest-tool __complete WORD... CURRENT`, so that completion always
// matches the binary installed. The answer is one candidate per line, or
// the single line ":files" when a file name is expected.

const completeCommand = "__complete"

// flagValues are the values a flag takes, for flags that take few.
var flagValues = map[string][]string{
	"type":       {"docker", "oci"},
	"output":     {"text", "json"},
	"o":          {"text", "json"},
	"log-format": {"text", "json"},
}

// fileFlags take a file or directory name.
var fileFlags = map[string]bool{"ca-file": true, "docker-cfg": true}

// complete says what may come at the end of words (the command line after
// the program's name, the word being typed last).
func complete(app *cli.App, words []string) (cands []string, files bool) {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, done := words[len(words)-1], words[:len(words)-1]
	levels := [][]cli.Flag{app.Flags}
	cmds := app.Commands
	var deepest *cli.Command
	positionals := 0
	for i := 0; i < len(done); i++ {
		w := done[i]
		if strings.HasPrefix(w, "-") && w != "-" {
			name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if f := lookupFlag(name, levels...); f != nil && flagTakesValue(f) && !hasValue {
				i++ // its value
			}
			continue
		}
		if c := findCommand(cmds, w); c != nil && positionals == 0 {
			deepest, cmds = c, c.Subcommands
			levels = append(levels, c.Flags)
			continue
		}
		positionals++
	}
	// the value of a flag
	if len(done) > 0 {
		prev := done[len(done)-1]
		if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") {
			name := strings.TrimLeft(prev, "-")
			if f := lookupFlag(name, levels...); f != nil && flagTakesValue(f) {
				if fileFlags[name] {
					return nil, true
				}
				return matching(flagValues[name], cur), false
			}
		}
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		for _, flags := range levels {
			for _, f := range flags {
				if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
					continue
				}
				for _, n := range f.Names() {
					if len(n) > 1 {
						names = append(names, "--"+n)
					}
				}
			}
		}
		names = append(names, "--help")
		if deepest == nil {
			names = append(names, "--version")
		}
		sort.Strings(names)
		return matching(names, cur), false
	}
	if positionals == 0 && len(cmds) > 0 {
		var names []string
		for _, c := range cmds {
			if !c.Hidden {
				names = append(names, c.Name)
			}
		}
		return matching(names, cur), false
	}
	switch {
	case deepest != nil && deepest.Name == "from-spec" && positionals == 0:
		return nil, true
	case deepest != nil && deepest.Name == "completion" && positionals == 0:
		return matching([]string{"bash", "zsh", "fish"}, cur), false
	}
	return nil, false // an image reference or a registry: nothing to offer
}

func matching(cands []string, prefix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}
