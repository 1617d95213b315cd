package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/internal/outfile"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/metadata"
)

// outputFileFlags are the flags of what a push gives the next step of a
// pipeline, besides stdout.
func outputFileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.PathFlag{Name: "metadata-file", Usage: "write the digest to `FILE` as buildx does"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print Digest: lines (or JSON), errors"},
	}
}

// pipeOutputs are the files a push writes for the next step: the
// --metadata-file, and $GITHUB_OUTPUT's step outputs ("" when not wanted).
type pipeOutputs struct {
	metadata, github string
}

// pipeOutputsOf checks, before any request, that the files can be
// written: --metadata-file is refused (exit 2) when it names a directory
// or something other than a file, a folder that does not exist or cannot
// be written, or when the run pushes several documents, which may be
// several indexes (one file describes one); a $GITHUB_OUTPUT that cannot
// be appended to is a warning, and no step outputs.
func (env *environment) pipeOutputsOf(c *cli.Context, documents int) (pipeOutputs, error) {
	var o pipeOutputs
	if c.IsSet("metadata-file") {
		o.metadata = c.Path("metadata-file")
		if documents > 1 {
			return o, usagef("--metadata-file describes one index, and the spec has %d documents: push them in separate runs, or list the targets of one index under targets:", documents)
		}
		if err := outfile.Check(o.metadata, false); err != nil {
			return o, usagef("--metadata-file %q: %v", o.metadata, err)
		}
	}
	if o.github = os.Getenv("GITHUB_OUTPUT"); o.github != "" {
		if err := outfile.Check(o.github, true); err != nil {
			env.log.Warnf("GITHUB_OUTPUT=%q: %v; the step outputs digest and refs are not written", o.github, err)
			o.github = ""
		}
	}
	return o, nil
}

// write writes the outputs of a run that pushed every target: the
// metadata file, whole or not at all, and the step outputs, appended.
func (o pipeOutputs) write(env *environment, results []manifest.Result) error {
	if o.github != "" {
		digest, refs, err := metadata.Pushed(results)
		if err != nil {
			env.log.Warnf("GITHUB_OUTPUT: no digest output: %v", err)
			digest = ""
		}
		if err := outfile.Append(o.github, metadata.StepOutputs(digest, refs, delimiter)); err != nil {
			env.log.Warnf("GITHUB_OUTPUT=%q: %v; the step outputs are not written", o.github, err)
		}
	}
	if o.metadata == "" {
		return nil
	}
	md, err := metadata.Of(results)
	if err != nil {
		return fmt.Errorf("--metadata-file %q not written: %w", o.metadata, err)
	}
	b, _ := json.MarshalIndent(md, "", "  ")
	if err := outfile.Replace(o.metadata, append(b, '\n')); err != nil {
		return fmt.Errorf("--metadata-file %q not written: %w", o.metadata, err)
	}
	return nil
}

// delimiter is a heredoc delimiter for a step output that no value
// can guess.
func delimiter() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "manifest-tool_" + hex.EncodeToString(b)
}
