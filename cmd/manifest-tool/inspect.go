package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry"
)

func inspectCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show an image: entries, platforms, layers",
		ArgsUsage: "IMAGE",
		UsageText: `manifest-tool inspect reg.example.com/app:1.0
   manifest-tool inspect --raw reg.example.com/app:1.0 > index.json
   manifest-tool inspect --output json reg.example.com/app@sha256:<digest>
   manifest-tool inspect ocidir://./layout:1.0`,
		Description: `Shows the manifest IMAGE names as the registry serves it: media type,
digest, size and annotations; for an index, every entry with its platform
(os, os.version, os.features, architecture, variant, features), annotations
and layers, attestations as attestations of the image they describe; for an
image, its config, platform and layers. --raw writes the registry's exact
bytes; --output json one JSON document. --referrers lists under each entry
(and an index) the manifests whose subject it is (artifactType, size,
digest, annotations), one query per distinct entry and one for an index,
1000 referrers per entry and 10,000 in all at most (--max-referrers,
--max-referrers-total; a warning says what was cut).

A manifest that several entries name, nested indexes included, is read
once and shown in full once; the other entries naming it say "Same
manifest as [1.2], shown there" (shownAt in JSON). The walk stops, exit 1,
past 100,000 index entries in all (--max-entries, MANIFEST_TOOL_MAX_ENTRIES)
or 16 MiB of manifests read below the one named (--max-walk-size,
MANIFEST_TOOL_MAX_WALK_SIZE).`,
		Flags: append(append([]cli.Flag{
			&cli.BoolFlag{Name: "raw", Usage: "write the registry's exact bytes"},
			&cli.BoolFlag{Name: "referrers", Usage: "list each entry's signatures, SBOMs, attestations"},
			outputFlag(),
		}, walkFlags()...), referrerLimitFlags(false)...),
		Action: func(c *cli.Context) error {
			out, r, client, err := env.image(c)
			if err != nil {
				return err
			}
			depth := registry.FetchAll
			if c.Bool("raw") {
				if out.json {
					return usagef("--raw writes the registry's bytes; it cannot be combined with --output json")
				}
				depth = registry.FetchTop
			}
			f, err := client.Fetch(c.Context, r, depth)
			if err != nil {
				return err
			}
			if c.Bool("raw") {
				raw, err := f.Manifest.RawBody()
				if err != nil {
					return err
				}
				_, err = env.stdout.Write(raw)
				return err
			}
			v, err := view.New(c.Args().First(), f)
			if err != nil {
				return err
			}
			if c.Bool("referrers") {
				refs, err := client.Referrers(c.Context, r, v.Digests())
				if err != nil {
					return err
				}
				v.SetReferrers(refs)
			}
			if err := env.show(out, v); err != nil {
				return err
			}
			if v.Unread() != "" {
				return errors.New(v.Unread())
			}
			return nil
		},
	}
}
