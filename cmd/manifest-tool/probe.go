package main

import (
	"strings"

	"github.com/regclient/regclient/types/ref"
	"github.com/urfave/cli/v2"
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

Exit 3 when manifest lists or OCI indexes are not supported; 1 when the
registry cannot be reached or refuses the credentials.`,
		Flags: []cli.Flag{outputFlag()},
		Action: func(c *cli.Context) error {
			asJSON, err := output(c)
			if err != nil {
				return err
			}
			if c.NArg() != 1 {
				return usagef("probe needs exactly one REGISTRY[/REPO], got %d arguments", c.NArg())
			}
			r, err := probeTarget(c.Args().First())
			if err != nil {
				return err
			}
			client, err := env.client(c, []string{r.Registry}, []string{r.Registry})
			if err != nil {
				return err
			}
			res, err := client.Probe(c.Context, r)
			if len(res.Checks) > 0 {
				// rows quote what registries answered: scrub them like logs
				for i := range res.Checks {
					res.Checks[i].Detail = env.scrub.clean(res.Checks[i].Detail)
				}
				if werr := env.show(asJSON, res, res.WriteText); werr != nil {
					return werr
				}
			}
			return err
		},
	}
}

// probeTarget reads REGISTRY[/REPO]: a host (with a dot or a port, or
// localhost), then optionally a repository, with no tag or digest.
func probeTarget(arg string) (ref.Ref, error) {
	bad := func(why string) (ref.Ref, error) {
		return ref.Ref{}, usagef("%q is not REGISTRY[/REPO]: %s (e.g. registry.example.com/team/probe)", arg, why)
	}
	host, repo, _ := strings.Cut(arg, "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return bad("a registry host has a dot or a port, or is localhost")
	}
	if strings.ContainsAny(repo, ":@") {
		return bad("it names a repository, not a tag or a digest")
	}
	if repo == "" {
		r, err := ref.NewHost(host)
		if err != nil {
			return bad(err.Error())
		}
		return r, nil
	}
	r, err := ref.New(arg)
	if err != nil || r.Registry != host {
		return bad("the repository name is not valid")
	}
	return r.SetTag(""), nil
}
