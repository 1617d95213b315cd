package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// artifactFlags are from-args' flags that make an artifact index.
func artifactFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "subject", Usage: "the index refers to `REF`, in each target's repository"},
		&cli.StringFlag{Name: "artifact-type", Usage: "the index's artifactType, a media `TYPE` (oci)"},
	}
}

// checkArtifacts refuses what cannot carry a spec's subject or
// artifactType: an explicit --type docker (a Docker list has neither),
// and a change (--append, edit), which keeps the index's own.
func checkArtifacts(c *cli.Context, t manifest.Type, specs []spec.Spec, edit *registry.Edit) error {
	for _, s := range specs {
		if s.Subject == nil && s.ArtifactType == "" {
			continue
		}
		pos := s.ArtifactTypePos
		if s.Subject != nil {
			pos = s.SubjectPos
		}
		switch {
		case c.IsSet("type") && t == manifest.Docker:
			return usagef("%s: --type docker: a Docker manifest list has no subject or artifactType; drop --type docker (they make an OCI index)", pos)
		case edit != nil || c.Bool("append"):
			return usagef("%s: --append keeps the subject and artifactType of the index there; push without --append", pos)
		}
	}
	return nil
}
