package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

func fromSpecCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "from-spec",
		Usage:     "push the indexes a YAML spec describes",
		ArgsUsage: "FILE|-",
		UsageText: `manifest-tool push from-spec release.yaml
   manifest-tool push --type oci from-spec --ignore-missing release.yaml
   cat release.yaml | manifest-tool push from-spec -`,
		Description: `The spec is manifest-tool's YAML, unchanged:

   image: reg.example.com/app:1.0
   tags: [latest]
   manifests:
     - image: reg.example.com/app:1.0-amd64
       platform: {os: linux, architecture: amd64}
     - image: reg.example.com/app:1.0-arm64   # platform read from the image

A member may be in another repository of the same registry; it is copied
into the target repository (blobs are mounted). A member that is itself an
index (buildx output) adds its images and attestations.

With --append, the members are merged onto the index the target points at
now: entries of other platforms stay in place, one of the same platform is
replaced (its attestations go with it), new ones follow. The index is
read again after --settle, and written again if another writer took the
change back.

A spec is refused past 4 MiB, 1000 documents or 10,000 members, and when
its aliases (*name) expand it past ten times its own size; the flags, or
MANIFEST_TOOL_MAX_SPEC_SIZE, MANIFEST_TOOL_MAX_DOCUMENTS and
MANIFEST_TOOL_MAX_MEMBERS, raise the first three.`,
		Flags: []cli.Flag{ignoreMissingFlag(),
			&cli.StringFlag{Name: "max-spec-size", EnvVars: []string{limitEnv("max-spec-size")}, Usage: "refuse a spec over `SIZE` (4MiB)"},
			&cli.IntFlag{Name: "max-documents", EnvVars: []string{limitEnv("max-documents")}, Usage: "refuse a spec of over `N` documents (1000)"},
			&cli.IntFlag{Name: "max-members", EnvVars: []string{limitEnv("max-members")}, Usage: "refuse a spec of over `N` members (10000)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("from-spec needs exactly one FILE (or - for stdin), got %d arguments", c.NArg())
			}
			t, err := manifest.ParseType(c.String("type"))
			if err != nil {
				return err
			}
			if c.Args().First() == "-" && c.Bool("password-stdin") {
				return usagef("--password-stdin and a spec read from stdin (-) cannot share standard input")
			}
			lim, err := specLimits(c)
			if err != nil {
				return err
			}
			specs, err := spec.LoadFile(c.Context, c.Args().First(), env.stdin, spec.WithLimits(lim))
			if err != nil {
				if c.Context.Err() != nil {
					return stopped(c, nil, err)
				}
				return err
			}
			return env.push(c, t, specs, nil)
		},
	}
}

// specLimits reads the flags that raise the limits a spec is held to.
func specLimits(c *cli.Context) (lim spec.Limits, err error) {
	if lim.Size, err = sizeFlag(c, "max-spec-size", spec.DefaultLimits.Size); err != nil {
		return lim, err
	}
	if lim.Documents, err = positiveFlag(c, "max-documents", spec.DefaultLimits.Documents); err != nil {
		return lim, err
	}
	if lim.Members, err = positiveFlag(c, "max-members", spec.DefaultLimits.Members); err != nil {
		return lim, err
	}
	lim.Targets, err = maxTargets(c)
	return lim, err
}
