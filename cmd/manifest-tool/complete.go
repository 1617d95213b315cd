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

// complete says what may come at the end of words (the command line after
// the program's name, the word being typed last). It reads the command
// line as a run would (readArgv); a flag's values come from its
// definition (valuesFlag), file names for a cli.PathFlag.
func complete(app *cli.App, words []string) (cands []string, files bool) {
	if len(words) == 0 {
		words = []string{""}
	}
	done, cur := words[:len(words)-1], words[len(words)-1]
	// bash splits --flag=value at '=' (COMP_WORDBREAKS) and replaces only
	// the word after it: join the words again, and answer with what
	// follows the '='
	var split string
	if n := len(done); cur == "=" && n > 0 && isFlag(done[n-1]) {
		split, done, cur = done[n-1]+"=", done[:n-1], done[n-1]+"="
	} else if n >= 2 && done[n-1] == "=" && isFlag(done[n-2]) {
		split, done, cur = done[n-2]+"=", done[:n-2], done[n-2]+"="+cur
	}
	a := readArgv(app, done)
	name, value, inline := strings.Cut(cur, "=")
	if !inline || !isFlag(name) {
		return candidates(a, cur)
	}
	f := a.lookup(strings.TrimLeft(name, "-"))
	if _, path := f.(*cli.PathFlag); path {
		return nil, split != "" // bash completes the file name after '='
	}
	for _, v := range matching(valuesOf(f), value) {
		cands = append(cands, strings.TrimPrefix(name+"="+v, split))
	}
	return cands, false
}

// candidates are the words that may follow the command line a, starting
// with cur.
func candidates(a argv, cur string) (cands []string, files bool) {
	if a.open != nil { // the value of a flag
		if _, path := a.open.def.(*cli.PathFlag); path {
			return nil, true
		}
		return matching(valuesOf(a.open.def), cur), false
	}
	if strings.HasPrefix(cur, "-") {
		return matching(a.flagNames(), cur), false
	}
	var deepest string
	cmds := a.app.Commands
	if len(a.path) > 0 {
		deepest, cmds = a.path[len(a.path)-1].Name, a.path[len(a.path)-1].Subcommands
	}
	if len(a.positionals) > 0 {
		return nil, false // an image reference or a registry: nothing to offer
	}
	switch {
	case len(cmds) > 0:
		var names []string
		for _, c := range cmds {
			if !c.Hidden {
				names = append(names, c.Name)
			}
		}
		return matching(names, cur), false
	case deepest == "from-spec":
		return nil, true
	case deepest == "completion":
		return matching(shells, cur), false
	}
	return nil, false
}

// flagNames are the visible flags of the commands named and of the app,
// with --help, and --version before any command.
func (a argv) flagNames() []string {
	names := []string{"--help"}
	if len(a.path) == 0 {
		names = append(names, "--version")
	}
	for _, flags := range a.levels() {
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
	sort.Strings(names)
	return names
}

// valuesOf is what a flag of a few values takes (valuesFlag), else nil.
func valuesOf(f cli.Flag) []string {
	if vf, ok := f.(valuesFlag); ok {
		return vf.Values()
	}
	return nil
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
