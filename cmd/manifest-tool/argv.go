package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// argv is a command line read against the app's commands and flags. Both
// interspersed (running a command) and complete (completing one) read the
// command line with it, so that the two cannot read it differently.
type argv struct {
	app         *cli.App
	path        []*cli.Command // the commands named, outermost first
	flags       []argFlag      // in the order given
	positionals []string
	open        *argFlag // the last flag, when its value is still to come
}

// argFlag is one flag of a command line.
type argFlag struct {
	name  string   // as given, without its dashes and value
	words []string // the flag, and its value when that is the next word
	def   cli.Flag // its definition, nil when no command has it
}

// readArgv reads words, the command line after the program's name. A word
// names a command while no positional argument came before it; "--" makes
// the words after it positional; a flag that takes a value takes the next
// word unless it is written --flag=value.
func readArgv(app *cli.App, words []string) argv {
	a := argv{app: app}
	cmds := app.Commands
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			a.positionals = append(a.positionals, words[i+1:]...)
			break
		}
		if isFlag(w) {
			name, _, inline := strings.Cut(strings.TrimLeft(w, "-"), "=")
			f := argFlag{name: name, words: []string{w}, def: a.lookup(name)}
			if f.def != nil && takesValue(f.def) && !inline {
				if i+1 == len(words) {
					a.open = &f
					break
				}
				i++
				f.words = append(f.words, words[i])
			}
			a.flags = append(a.flags, f)
			continue
		}
		if c := findCommand(cmds, w); c != nil && len(a.positionals) == 0 {
			a.path = append(a.path, c)
			cmds = c.Subcommands
			continue
		}
		a.positionals = append(a.positionals, w)
	}
	return a
}

// lookup finds the definition of the flag called name: on the deepest
// command named so far that has it, else on any command (a flag may come
// before the command that defines it).
func (a argv) lookup(name string) cli.Flag {
	return lookupFlag(name, append(a.levels(), commandFlags(a.app.Commands))...)
}

// levels are the flags of the commands named, deepest first, then the
// app's.
func (a argv) levels() [][]cli.Flag {
	levels := make([][]cli.Flag, 0, len(a.path)+1)
	for _, c := range slices.Backward(a.path) {
		levels = append(levels, c.Flags)
	}
	return append(levels, a.app.Flags)
}

// interspersed rewrites the command line so that urfave/cli v2, which stops
// parsing flags at the first positional argument and only knows a flag at
// the level that defines it, accepts flags anywhere:
//
//	manifest-tool inspect REF --raw --insecure
//	manifest-tool push from-spec --type oci spec.yaml --ignore-missing
//
// become
//
//	manifest-tool --insecure inspect --raw REF
//	manifest-tool push --type oci from-spec --ignore-missing spec.yaml
//
// Each flag moves to the deepest command on the path that defines it
// (global flags to the app). A flag no level defines stays with the
// deepest command, where urfave/cli reports it as unknown. Words after
// "--" are positional.
//
// A flag that needs a value and has none is a usage error.
func interspersed(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	a := readArgv(app, args[1:])
	if a.open != nil {
		return nil, usagef("flag needs a value: %s", a.open.words[0])
	}
	placed := make([][]string, len(a.path)+1)
	positionals := a.positionals
	for _, f := range a.flags {
		if f.name == "help" || f.name == "h" {
			positionals = nil // they would be read as help topics
		}
		lvl := a.level(f.name)
		placed[lvl] = append(placed[lvl], f.words...)
	}
	out := append([]string{args[0]}, placed[0]...)
	for i, c := range a.path {
		out = append(out, c.Name)
		out = append(out, placed[i+1]...)
	}
	if slices.ContainsFunc(positionals, isFlag) {
		out = append(out, "--")
	}
	return append(out, positionals...), nil
}

// level is where interspersed puts the flag called name: i+1 for the
// deepest path[i] that defines it, else 0 for the app's (and --version),
// else the deepest command's, which answers --help and unknown flags.
func (a argv) level(name string) int {
	for i, flags := range a.levels() {
		if lookupFlag(name, flags) != nil {
			return len(a.path) - i
		}
	}
	if name == "version" || name == "v" {
		return 0
	}
	return len(a.path)
}

// isFlag tells a flag from a positional argument ("-" is standard input).
func isFlag(word string) bool { return strings.HasPrefix(word, "-") && word != "-" }
