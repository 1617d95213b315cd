package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// outputFlag makes --output for a command that prints a result.
func outputFlag() cli.Flag {
	return choice(&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "`text`, or json for scripts"}, "text", "json")
}

// output is how a command prints its results (--output).
type output struct {
	json bool
	// lines: one JSON document per line, for a command that prints one
	// per index (push); else each is indented.
	lines bool
}

// outputOf reads --output.
func outputOf(c *cli.Context) (output, error) {
	switch o := c.String("output"); o {
	case "text":
		return output{}, nil
	case "json":
		return output{json: true}, nil
	default:
		return output{}, usagef("--output %q: want text or json", o)
	}
}

// textWriter is a result that can say itself for people.
type textWriter interface {
	WriteText(io.Writer) error
}

// show prints a result on stdout, the way every command prints: its text,
// or JSON.
func (env *environment) show(out output, v textWriter) error {
	if !out.json {
		return v.WriteText(env.stdout)
	}
	var b []byte
	var err error
	if out.lines {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.stdout, "%s\n", b)
	return err
}
