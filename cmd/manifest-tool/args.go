package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

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
func interspersed(app *cli.App, argv []string) ([]string, error) {
	if len(argv) < 2 {
		return argv, nil
	}
	takesValue := map[string]bool{}
	var walk func([]cli.Flag, []*cli.Command)
	walk = func(flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			for _, n := range f.Names() {
				takesValue[n] = flagTakesValue(f)
			}
		}
		for _, c := range cmds {
			walk(c.Flags, c.Subcommands)
		}
	}
	walk(app.Flags, app.Commands)

	var (
		path        []*cli.Command
		flags       [][]string // tokens of each flag, in order
		flagNames   []string
		positionals []string
	)
	cmds := app.Commands
	for i := 1; i < len(argv); i++ {
		t := argv[i]
		if t == "--" {
			positionals = append(positionals, argv[i+1:]...)
			break
		}
		if strings.HasPrefix(t, "-") && t != "-" {
			name, _, hasValue := strings.Cut(strings.TrimLeft(t, "-"), "=")
			tok := []string{t}
			if !hasValue && takesValue[name] {
				if i+1 == len(argv) {
					return nil, usagef("flag needs a value: %s", t)
				}
				i++
				tok = append(tok, argv[i])
			}
			flags = append(flags, tok)
			flagNames = append(flagNames, name)
			continue
		}
		if len(positionals) == 0 {
			if c := findCommand(cmds, t); c != nil {
				path = append(path, c)
				cmds = c.Subcommands
				continue
			}
		}
		positionals = append(positionals, t)
	}

	// with --help, the arguments would be read as help topics
	for _, n := range flagNames {
		if n == "help" || n == "h" {
			positionals = nil
		}
	}
	levels := make([][]string, len(path)+1)
	for i, tok := range flags {
		lvl := len(path) // unknown flags, and help, go to the deepest command
		if defines(app.Flags, flagNames[i]) || flagNames[i] == "version" || flagNames[i] == "v" {
			lvl = 0
		}
		for j := len(path) - 1; j >= 0; j-- {
			if defines(path[j].Flags, flagNames[i]) {
				lvl = j + 1
				break
			}
		}
		levels[lvl] = append(levels[lvl], tok...)
	}
	out := []string{argv[0]}
	out = append(out, levels[0]...)
	for i, c := range path {
		out = append(out, c.Name)
		out = append(out, levels[i+1]...)
	}
	for _, p := range positionals {
		if strings.HasPrefix(p, "-") && p != "-" {
			out = append(out, "--")
			break
		}
	}
	return append(out, positionals...), nil
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func defines(flags []cli.Flag, name string) bool { return lookupFlag(name, flags) != nil }

// lookupFlag finds the flag called name (or one of its aliases) in the
// first of levels that has it.
func lookupFlag(name string, levels ...[]cli.Flag) cli.Flag {
	for _, flags := range levels {
		for _, f := range flags {
			if slices.Contains(f.Names(), name) {
				return f
			}
		}
	}
	return nil
}

// flagTakesValue: a flag followed by a value, unlike a boolean switch.
func flagTakesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

// splitList splits comma-separated flag values (--platforms a,b --platforms c).
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
