package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
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
	if p, ok := v.(manifest.Published); ok && out.lines && len(p.Targets) > 0 {
		return writeTargetsJSON(env.stdout, p)
	}
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

// writeTargetsJSON prints p, a document of several targets, as
// json.Marshal would on one line, a target at a time: with every target's
// member lines the JSON of 64 targets of 10,000 members is 270 MB, which
// json.Marshal held whole, and fmt another copy of.
func writeTargetsJSON(w io.Writer, p manifest.Published) error {
	b, err := json.Marshal(p.Result) // {...}: the first target's, as for one
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%s,\"targets\":[", b[:len(b)-1]); err != nil {
		return err
	}
	for i, t := range p.Targets {
		if b, err = json.Marshal(t); err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// quiet applies --quiet: no progress and no info lines on stderr, only
// warnings and errors.
func (env *environment) quiet(c *cli.Context) error {
	if !c.Bool("quiet") {
		return nil
	}
	if c.Bool("debug") {
		return usagef("--quiet and --debug ask for opposite logs: give one of them")
	}
	env.log.SetLevel(logrus.WarnLevel)
	return nil
}

// shown is what push prints of a document's result: with --quiet in
// text, its Digest: lines alone ([manifest.Published.WriteDigests]).
func shown(c *cli.Context, out output, p manifest.Published) textWriter {
	if c.Bool("quiet") && !out.json {
		return digestLines(p)
	}
	return p
}

// digestLines is a push result printed by its Digest: lines alone.
type digestLines manifest.Published

func (d digestLines) WriteText(w io.Writer) error {
	return manifest.Published(d).WriteDigests(w)
}
