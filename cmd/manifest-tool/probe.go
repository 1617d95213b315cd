package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func probeCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "probe",
		Usage:     "tell whether a registry holds lists and indexes",
		ArgsUsage: "REGISTRY[/REPO]",
		UsageText: `manifest-tool probe registry.example.com
   manifest-tool probe --output json registry.example.com/team/probe
   manifest-tool --plain-http probe 127.0.0.1:5000`,
		Description: `Checks, with tiny images it makes itself and no other: the /v2/
API, the auth the registry asks for, monolithic and chunked blob
uploads, blob mounts across repositories, Docker v2.2 and OCI image
manifests, Docker manifest lists, OCI indexes, index annotations kept
byte for byte, an OCI artifact with artifactType and subject, the
referrers API, tag listing and manifest delete. It pushes into REPO
(default manifest-tool-probe) and REPO-mount, deletes what it pushed
where the registry allows, and lists what it could not remove.

A refusal makes a check unsupported; a request that got no whole answer
(cut off, garbage, retries given up on) makes it unknown, and every
check that needs it. Exit 3 when manifest lists or OCI indexes are not
supported; 1 when the registry cannot be reached, refuses the
credentials, or could not complete a check they need.`,
		Flags: []cli.Flag{outputFlag()},
		Action: func(c *cli.Context) error {
			out, err := outputOf(c)
			if err != nil {
				return err
			}
			if c.NArg() != 1 {
				return usagef("probe needs exactly one REGISTRY[/REPO], got %d arguments", c.NArg())
			}
			r, err := spec.ParseRegistry(c.Args().First())
			if err != nil {
				return err
			}
			env.scrub.Keep(r)
			client, err := env.client(c, []string{r.Registry}, []string{r.Registry})
			if err != nil {
				return err
			}
			// a stop leaves it its cleanup, as it says
			env.afterStop.Store(int64(registry.ProbeCleanupTime))
			res, err := client.Probe(c.Context, r)
			if len(res.Checks) > 0 {
				// rows quote what registries answered: scrub them like logs
				for i := range res.Checks {
					res.Checks[i].Detail = env.scrub.clean(res.Checks[i].Detail)
				}
				if werr := env.show(out, res); werr != nil {
					return werr
				}
			}
			return err
		},
	}
}
