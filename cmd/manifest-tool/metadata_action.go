package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/spec"
)

// metadataActionFlag is from-args' --metadata-action.
func metadataActionFlag() cli.Flag {
	return &cli.StringFlag{Name: "metadata-action", Usage: "targets, tags from metadata-action `FILE`"}
}

// metadataAction reads --metadata-action, nil when it is not given. The
// annotations an index does not carry (manifest:...) get a note.
func (env *environment) metadataAction(c *cli.Context, maxTargets int) (*spec.MetadataAction, error) {
	if !c.IsSet("metadata-action") {
		return nil, nil
	}
	path := c.String("metadata-action")
	if path == "" {
		return nil, usagef("--metadata-action needs a file (or - for stdin), got an empty value")
	}
	if path == "-" && c.Bool("password-stdin") {
		return nil, usagef("--password-stdin and --metadata-action - cannot share standard input")
	}
	m, err := spec.ReadMetadataAction(c.Context, path, env.stdin, maxTargets)
	if err != nil {
		return nil, err
	}
	for _, a := range m.Skipped {
		env.log.Infof("--metadata-action: annotation %q is not for an index: skipped", a)
	}
	return &m, nil
}
