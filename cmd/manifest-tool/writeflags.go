package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
)

func ignoreMissingFlag() cli.Flag {
	return &cli.BoolFlag{Name: "ignore-missing", Usage: "skip (and warn about) missing members"}
}

// writeFlags are the flags of every command that writes an index, after
// its --type: push (and so from-spec and from-args) and edit.
func writeFlags(typeFlag *cli.StringFlag) []cli.Flag {
	return append([]cli.Flag{
		choice(typeFlag, string(manifest.Docker), string(manifest.OCI)),
		&cli.BoolFlag{Name: "dry-run", Usage: "print what would be pushed; write nothing"},
		&cli.BoolFlag{Name: "strict", Usage: "refuse platforms the images' configs contradict"},
		&cli.BoolFlag{Name: "allow-unknown-platform", Usage: "accept platform values outside the vocabulary"},
		settleFlag(),
		newSwitchFlag("referrers", "copy members' signatures and SBOMs (=required)", "true", "false", "required"),
		attestationsFlag(),
		outputFlag(),
		maxTargetsFlag(),
	}, append(referrerLimitFlags(true), outputFileFlags()...)...)
}

// referrersOf reads --referrers (alone or =true, =required, =false) as
// the library's policy.
func referrersOf(c *cli.Context) registry.ReferrersPolicy {
	return map[string]registry.ReferrersPolicy{"true": registry.ReferrersCopy, "required": registry.ReferrersRequired}[c.String("referrers")]
}

func appendFlag() cli.Flag {
	return &cli.BoolFlag{Name: "append", Usage: "merge onto the index the target has"}
}

func settleFlag() cli.Flag {
	return &cli.DurationFlag{Name: "settle", Value: registry.DefaultSettle, Usage: "--append, edit: wait, then check the write held"}
}

// pushOnlyFlags are the flags push takes and edit does not.
func pushOnlyFlags() []cli.Flag {
	return []cli.Flag{appendFlag(),
		&cli.BoolFlag{Name: "by-digest", Usage: "push the index by its digest alone, with no tag"}, labelsFlag(),
		&cli.BoolFlag{Name: "untag-members", Usage: "then delete the tags the members were found by"}}
}
