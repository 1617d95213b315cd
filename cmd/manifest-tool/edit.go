package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func editCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "change an index in place: platforms, annotations",
		ArgsUsage: "TARGET...",
		UsageText: `manifest-tool edit --add reg.example.com/app@sha256:9ab2… \
       reg.example.com/app:1.0
   manifest-tool edit --remove linux/s390x,linux/ppc64le --tags 1 \
       reg.example.com/app:1.0
   manifest-tool edit --dry-run --remove-annotation org.example.draft \
       --annotations org.opencontainers.image.version=1.0.1 \
       reg.example.com/app:1.0`,
		Description: `Reads the index TARGET points at, changes it, and writes it back to TARGET
and to --tags. --add REF follows the rules of push from-args --member: an
image of a platform the index has replaces it there (its attestations go
with it), a new one follows. --remove takes out the images of those
platforms and their attestations; a platform without a variant takes every
variant (linux/arm: v6 and v7), one without os.version every version. The
index keeps its type.

TARGET is read again after --settle; a change another writer took back is
merged again and rewritten (5 rounds at most), and a platform another
writer set to a third digest is a conflict (exit 1).

With several TARGETs, each index is changed on its own (they may differ
before and after); one that fails does not stop the others.

--attestations drop takes the attestation manifests out of the index;
--attestations referrers takes them out and writes each as an OCI referrer
of its image (no member is copied again).

Exit 1: TARGET does not exist, or --remove names a platform the index does
not have (nothing is written; --ignore-missing makes it a warning).
Exit 2: TARGET is not an index, or no image would be left.`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "add", Usage: "image `REF` to add, or replace its platform's"},
			&cli.StringSliceFlag{Name: "remove", Usage: "`PLATFORM`s to remove, comma-separated"},
			&cli.StringSliceFlag{Name: "annotations", Usage: "index annotation `KEY=VALUE` to set (oci; repeatable)"},
			&cli.StringSliceFlag{Name: "remove-annotation", Usage: "index annotation `KEY` to drop (repeatable)"},
			&cli.StringSliceFlag{Name: "tags", Usage: "extra tags, comma-separated"},
			&cli.BoolFlag{Name: "ignore-missing", Usage: "warn about --add and --remove that find nothing"},
		}, writeFlags(&cli.StringFlag{Name: "type", Usage: "`docker` or oci: must be the index's own"})...),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("edit needs a TARGET (or several), got none")
			}
			t, err := manifest.ParseType(c.String("type"))
			if err != nil {
				return err
			}
			s, edit, err := editOf(c)
			if err != nil {
				return err
			}
			return env.push(c, t, []spec.Spec{s}, edit)
		},
	}
}

// editOf reads what edit changes, and where.
func editOf(c *cli.Context) (spec.Spec, *registry.Edit, error) {
	add, remove := splitList(c.StringSlice("add")), splitList(c.StringSlice("remove"))
	drop := splitList(c.StringSlice("remove-annotation"))
	if len(add)+len(remove)+len(drop)+len(c.StringSlice("annotations")) == 0 && c.String("attestations") == "keep" {
		return spec.Spec{}, nil, usagef("edit needs a change: --add, --remove, --annotations, --remove-annotation or --attestations drop|referrers (see manifest-tool edit --help)")
	}
	set, err := spec.ParseAnnotations(c.StringSlice("annotations"), "--annotations")
	if err != nil {
		return spec.Spec{}, nil, err
	}
	for _, k := range drop {
		if _, ok := set[k]; ok {
			return spec.Spec{}, nil, usagef("--remove-annotation %q: --annotations sets it too; give one of them", k)
		}
	}
	maxTargets, err := maxTargets(c)
	if err != nil {
		return spec.Spec{}, nil, err
	}
	s, err := spec.ForEdit(spec.Args{
		Targets:     c.Args().Slice(),
		MaxTargets:  maxTargets,
		Members:     add,
		Tags:        splitList(c.StringSlice("tags")),
		Annotations: c.StringSlice("annotations"),
	})
	if err != nil {
		return spec.Spec{}, nil, err
	}
	edit := &registry.Edit{DropAnnotations: drop}
	platforms, err := spec.ParsePlatforms("--remove", remove)
	if err != nil {
		return spec.Spec{}, nil, err
	}
	for i, p := range platforms {
		edit.Remove = append(edit.Remove, manifest.Removal{Platform: p, Pos: spec.Pos{Field: fmt.Sprintf("--remove %q", remove[i])}})
	}
	return s, edit, nil
}
