package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func pushCommand(env *environment) *cli.Command {
	ignoreMissing := &cli.BoolFlag{Name: "ignore-missing", Usage: "skip (and warn about) missing members"}
	return &cli.Command{
		Name:  "push",
		Usage: "assemble and push a manifest list or OCI index",
		Description: `Resolves every member image, builds the index, validates it, and only then
writes: members into the target repository, the index, then its tags.
Prints "Digest: sha256:<hex> <size>" for each index pushed; with --dry-run,
the exact bytes that would be pushed, then that line, and writes nothing.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "type", Value: "docker", Usage: "`docker` (v2.2 list, the default) or oci (index)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would be pushed; write nothing"},
			&cli.BoolFlag{Name: "strict", Usage: "refuse platforms the images' configs contradict"},
			&cli.BoolFlag{Name: "allow-unknown-platform", Usage: "accept platform values outside the vocabulary"},
			outputFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown push command %q: want from-spec or from-args (see manifest-tool push --help)", c.Args().First())
			}
			return usagef("push needs from-spec or from-args (see manifest-tool push --help)")
		},
		Subcommands: []*cli.Command{
			{
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
index (buildx output) adds its images and attestations.`,
				Flags: []cli.Flag{ignoreMissing},
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
					specs, err := spec.LoadFile(c.Args().First(), env.stdin)
					if err != nil {
						return err
					}
					return env.push(c, t, specs)
				},
			},
			{
				Name:  "from-args",
				Usage: "push an index of images a template names",
				UsageText: `manifest-tool push from-args \
       --platforms linux/amd64,linux/arm64,linux/arm/v7 \
       --template reg.example.com/app:1.0-OS-ARCHVARIANT \
       --target reg.example.com/app:1.0
   manifest-tool push --type oci from-args \
       --platforms linux/amd64,windows/amd64:10.0.20348.2227 \
       --template 'reg.example.com/app:1.0-OS-ARCH' \
       --target reg.example.com/app:1.0 --tags latest,1 \
       --annotations org.opencontainers.image.source=https://example.com/app`,
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
A --target without a tag gets "latest".`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "platforms", Usage: "os/arch[/variant][:os.version],..."},
					&cli.StringFlag{Name: "template", Usage: "member `REF` with OS, ARCH, VARIANT, OSVERSION"},
					&cli.StringFlag{Name: "target", Usage: "`REF` the index is pushed to"},
					&cli.StringSliceFlag{Name: "tags", Usage: "extra tags, comma-separated"},
					&cli.StringSliceFlag{Name: "annotations", Usage: "index annotation `KEY=VALUE` (oci; repeatable)"},
					ignoreMissing,
				},
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("from-args takes no arguments, got %q (did you forget a flag name?)", c.Args().First())
					}
					t, err := manifest.ParseType(c.String("type"))
					if err != nil {
						return err
					}
					s, err := spec.FromArgs(spec.Args{
						Platforms:   splitList(c.StringSlice("platforms")),
						Template:    c.String("template"),
						Target:      c.String("target"),
						Tags:        splitList(c.StringSlice("tags")),
						Annotations: c.StringSlice("annotations"),
					})
					if err != nil {
						return err
					}
					return env.push(c, t, []spec.Spec{s})
				},
			},
		},
	}
}

func (env *environment) push(c *cli.Context, t manifest.Type, specs []spec.Spec) error {
	asJSON, err := output(c)
	if err != nil {
		return err
	}
	env.progress = newProgress(env.stderr, env.log)
	defer env.progress.finish()
	client, err := env.client(c, spec.Registries(specs...), spec.Targets(specs...))
	if err != nil {
		return err
	}
	results, err := client.Publish(c.Context, specs, registry.PublishOptions{
		Type:          t,
		IgnoreMissing: c.Bool("ignore-missing"),
		DryRun:        c.Bool("dry-run"),
		Validate:      manifest.ValidateOptions{Strict: c.Bool("strict"), AllowUnknownPlatform: c.Bool("allow-unknown-platform")},
	})
	env.progress.finish()
	for _, r := range results {
		switch {
		case asJSON:
			b, jerr := json.Marshal(r)
			if jerr != nil {
				return jerr
			}
			fmt.Fprintf(env.stdout, "%s\n", b)
		case r.DryRun:
			fmt.Fprintf(env.stdout, "%s\nDigest: %s %d\n", r.Index, r.Digest, r.Size)
		case r.Pushed():
			fmt.Fprintf(env.stdout, "Digest: %s %d\n", r.Digest, r.Size)
		}
	}
	if err != nil && c.Context.Err() != nil {
		return stopped(c, results)
	}
	return err
}

// stopped is the error of a push cut short by Ctrl-C or --timeout: why,
// then what was written, a line per index; the next run finishes the job.
func stopped(c *cli.Context, results []manifest.Result) error {
	why := "interrupted"
	if errors.Is(c.Context.Err(), context.DeadlineExceeded) {
		why = fmt.Sprintf("timed out (--timeout %s)", c.Duration("timeout"))
	}
	lines := spec.Errors{fmt.Errorf("%s; run the same command again to finish%.0w", why, errStopped)}
	if len(results) == 0 {
		lines = append(lines, errors.New("nothing was written"))
	}
	for _, r := range results {
		lines = append(lines, errors.New(r.Done()))
	}
	return lines
}

// errStopped marks the error of a run cut short (exit 1), which says so
// itself.
var errStopped = errors.New("stopped")
