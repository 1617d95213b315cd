package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func platformsCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "platforms",
		Usage:     "list an image's platforms; --require asserts them",
		ArgsUsage: "IMAGE",
		UsageText: `manifest-tool platforms reg.example.com/app:1.0
   manifest-tool platforms --require linux/amd64,linux/arm64 \
       reg.example.com/app:1.0
   manifest-tool platforms --output json reg.example.com/app:1.0`,
		Description: `Prints the image, its digest, whether it is a manifest list or an
index (and which), its platforms (Windows with its os.version, as in
windows/amd64:10.0.20348.2227) and, apart, its attestations. --referrers
also counts each image's attestations kept as OCI referrers (push
--attestations referrers): one referrers query per entry.

--require P,... exits 3 naming each missing platform (0 when all are
there). P is met by an entry equal to it after normalisation
(linux/arm64/v8 is linux/arm64); a P without a variant is met by any
variant of it; windows/amd64:10.0.20348 is met by 10.0.20348.2227.

Nested indexes are read once each, however many entries name them, and
their platforms listed once; the walk stops, exit 1, past 100,000 index
entries in all (--max-entries, MANIFEST_TOOL_MAX_ENTRIES) or 16 MiB of
manifests read below the one named (--max-walk-size,
MANIFEST_TOOL_MAX_WALK_SIZE).`,
		Flags: append(append([]cli.Flag{
			&cli.StringSliceFlag{Name: "require", Usage: "platforms that must be there, comma-separated"},
			&cli.BoolFlag{Name: "referrers", Usage: "count each image's attestations kept as referrers"},
			outputFlag(),
		}, walkFlags()...), referrerLimitFlags(false)...),
		Action: func(c *cli.Context) error {
			// --output and IMAGE are checked first, as every command does
			out, r, client, err := env.image(c)
			if err != nil {
				return err
			}
			items := splitList(c.StringSlice("require"))
			if c.IsSet("require") && len(items) == 0 {
				return usagef("--require: no platform given (e.g. --require linux/amd64,linux/arm64)")
			}
			required, err := spec.ParsePlatforms("--require", items)
			if err != nil {
				return err
			}
			f, err := client.Fetch(c.Context, r, registry.FetchPlatforms)
			if err != nil {
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
			if err := env.show(out, v.Summary); err != nil {
				return err
			}
			return v.Summary.Require(required)
		},
	}
}
