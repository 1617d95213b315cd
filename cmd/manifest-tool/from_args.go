package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

func fromArgsCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "from-args",
		Usage: "push an index of --member or --template images",
		UsageText: `manifest-tool push from-args \
       --platforms linux/amd64,linux/arm64,linux/arm/v7 \
       --template reg.example.com/app:1.0-OS-ARCHVARIANT \
       --target reg.example.com/app:1.0
   manifest-tool push --type oci from-args \
       --platforms linux/amd64,windows/amd64:10.0.20348.2227 \
       --template 'reg.example.com/app:1.0-OS-ARCH' \
       --target reg.example.com/app:1.0 --tags latest,1 \
       --annotations org.opencontainers.image.source=https://example.com/app
   manifest-tool push from-args --target reg.example.com/app:1.0 \
       --member reg.example.com/app@sha256:4f1c… \
       --member reg.example.com/app@sha256:9ab2…
   manifest-tool push from-args --target reg.example.com/app:1.0 \
       --members-from /tmp/digests --member-repo reg.example.com/app-builds
   manifest-tool push from-args --append --target reg.example.com/app:1.0 \
       --member reg.example.com/app-builds@sha256:77d0…`,
		Description: `--template names each member. OS, ARCH, VARIANT and OSVERSION are replaced
for each platform, under these rules:
  - a placeholder counts only as a run of capital letters touching no
    other letter: in app-MACOS:1.0-ARCH (or macOS), MACOS stays as written;
    ARCHVARIANT is two;
  - every occurrence is replaced;
  - a run that expands to nothing drops one '-', '_' or '.' next to it.
For linux/amd64 and linux/arm/v7:
  app:1.0-OS-ARCH-VARIANT  ->  app:1.0-linux-amd64   app:1.0-linux-arm-v7
  app:1.0-ARCHVARIANT      ->  app:1.0-amd64         app:1.0-armv7
A --target without a tag gets "latest". --target given more than once (or
a comma-separated list) pushes the same index to each: any registry, or
ocidir://; --tags apply in each.

--member REF (repeatable, or comma-separated) names each member instead:
a tag or digest in any repository or registry, or ocidir://; its platform
comes from its config, and an index adds its images and attestations.
--members-from DIR takes a member per file of DIR named by a digest's hex
(what Docker's push-by-digest workflow writes), in --member-repo or else
the (first) target's repository, in name order, after any --member;
names starting with '.' are left out, and a file's content is never read.
With --member, --platforms takes only those platforms from the members.
--metadata-action FILE (- for stdin) reads docker/metadata-action's JSON
output: a target per repository of its tags, with exactly its tags there,
after any --target; its index: (or unprefixed) annotations, under
--annotations; other levels are skipped with a note.
--append merges onto the index the target points at (see from-spec).
--subject REF and --artifact-type TYPE make an OCI index that refers to REF
(a manifest in every target's repository), as regctl index create does: the
registry lists it among REF's referrers, or the sha256-<hex> tag does.`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "platforms", Usage: "os/arch[/variant][:os.version],..."},
			&cli.StringFlag{Name: "template", Usage: "member `REF` with OS, ARCH, VARIANT, OSVERSION"},
			&cli.StringSliceFlag{Name: "member", Usage: "member `REF`, instead of --template (repeatable)"},
			&cli.PathFlag{Name: "members-from", Usage: "a member per file of `DIR` named by a digest's hex"},
			&cli.StringFlag{Name: "member-repo", Usage: "`REPO` of --members-from digests (the first target's)"},
			&cli.IntFlag{Name: "max-members", EnvVars: []string{limitEnv("max-members")}, Usage: "refuse over `N` members in --members-from (10000)"},
			&cli.StringSliceFlag{Name: "target", Usage: "`REF` the index is pushed to (repeatable)"},
			&cli.StringSliceFlag{Name: "tags", Usage: "extra tags, comma-separated"},
			&cli.StringSliceFlag{Name: "annotations", Usage: "index annotation `KEY=VALUE` (oci; repeatable)"},
			metadataActionFlag(),
			ignoreMissingFlag(),
		}, artifactFlags()...),
		Action: env.fromArgs,
	}
}

// fromArgs pushes the index the from-args flags describe.
func (env *environment) fromArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("from-args takes no arguments, got %q (did you forget a flag name?)", c.Args().First())
	}
	t, err := manifest.ParseType(c.String("type"))
	if err != nil {
		return err
	}
	dir, digests, err := digestDir(c)
	if err != nil {
		return err
	}
	maxTargets, err := maxTargets(c)
	if err != nil {
		return err
	}
	meta, err := env.metadataAction(c, maxTargets)
	if err != nil {
		return err
	}
	s, err := spec.FromArgs(spec.Args{
		MetadataAction: meta,
		Platforms:      splitList(c.StringSlice("platforms")),
		Template:       c.String("template"),
		Members:        splitList(c.StringSlice("member")),
		Targets:        splitList(c.StringSlice("target")),
		MaxTargets:     maxTargets,
		Tags:           splitList(c.StringSlice("tags")),
		Annotations:    c.StringSlice("annotations"),
		DigestDir:      dir,
		Digests:        digests,
		MemberRepo:     c.String("member-repo"),
		Subject:        c.String("subject"),
		ArtifactType:   c.String("artifact-type"),
	})
	if err != nil {
		return err
	}
	return env.push(c, t, []spec.Spec{s}, nil)
}

// digestDir reads the --members-from folder, within --max-members.
func digestDir(c *cli.Context) (string, []string, error) {
	dir := c.String("members-from")
	if !c.IsSet("members-from") {
		return "", nil, nil
	}
	if dir == "" {
		return "", nil, usagef("--members-from needs a folder, got an empty value")
	}
	max, err := positiveFlag(c, "max-members", spec.DefaultLimits.Members)
	if err != nil {
		return "", nil, err
	}
	digests, err := spec.ReadDigestDir(dir, max)
	return dir, digests, err
}
