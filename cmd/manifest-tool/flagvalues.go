package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// valuesFlag is a flag that takes one of a few values, which completion
// offers: a flag's values are written once, where the flag is defined
// (urfave/cli v2's flags carry no such list; its own completion offers
// flag names only).
type valuesFlag interface {
	cli.Flag
	Values() []string
}

// choiceFlag is a string flag that takes one of values (--output
// text|json); the command that reads it checks the value.
type choiceFlag struct {
	*cli.StringFlag
	values []string
}

func choice(f *cli.StringFlag, values ...string) cli.Flag {
	return &choiceFlag{StringFlag: f, values: values}
}

func (f *choiceFlag) Values() []string { return f.values }

// switchFlag is a flag given alone, as a switch, or as --name=VALUE with
// one of values: --referrers and --referrers=required. Its value says
// IsBoolFlag, so Go's flag package, which urfave/cli v2 parses with, takes
// the flag alone as --name=true, and never the next word as its value.
// Once parsed, the value is checked: one line, naming the flag and its
// values.
type switchFlag struct {
	*cli.GenericFlag
	values []string
}

func newSwitchFlag(name, usage string, values ...string) cli.Flag {
	f := &switchFlag{values: values}
	f.GenericFlag = &cli.GenericFlag{Name: name, Usage: usage, Value: &switchValue{}, Action: f.check}
	return f
}

func (f *switchFlag) Values() []string { return f.values }

// TakesValue is false: the value comes after '=' or not at all, so that
// help shows no placeholder and readArgv does not take the next word.
func (f *switchFlag) TakesValue() bool { return false }

// String is the flag in help, shown with this TakesValue.
func (f *switchFlag) String() string { return cli.FlagStringer(f) }

func (f *switchFlag) check(_ *cli.Context, v any) error {
	if s := v.(*switchValue).s; !slices.Contains(f.values, s) {
		return usagef("--%s %q: want %s", f.Name, s, orList(f.values))
	}
	return nil
}

// switchValue is a switchFlag's value: "true" when the flag is alone;
// what strconv.ParseBool reads is "true" or "false", as a boolean flag's.
type switchValue struct{ s string }

func (v *switchValue) String() string   { return v.s }
func (v *switchValue) IsBoolFlag() bool { return true }

func (v *switchValue) Set(s string) error {
	if b, err := strconv.ParseBool(s); err == nil {
		s = strconv.FormatBool(b)
	}
	v.s = s
	return nil
}

// orList writes values as "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
