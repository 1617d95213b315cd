package main

import (
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func pushCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "push",
		Usage: "assemble and push a manifest list or OCI index",
		Description: `Resolves every member image, builds the index, validates it, and only then
writes: members into the target repository, the index, then its tags.
Prints "Digest: sha256:<hex> <size>" for each index pushed; with --dry-run,
the exact bytes that would be pushed, then that line, and writes nothing.
A document of several targets prints, per target, that line with the
target after it, and a line per tag with what the run did to it.
--by-digest pushes the index by its digest alone, with no tag (targets
without one), and prints "Reference: <repository>@sha256:<hex>" too.
--untag-members (spec: untag-members: true), once every target reads the
index back, deletes each tag a member was found by (a --template tag, a
member given by tag) if it still points at that member: never by digest,
never a tag the run writes; a line per registry says what went.`,
		Flags: append(writeFlags(&cli.StringFlag{Name: "type", Value: "docker", Usage: "`docker` (v2.2 list, the default) or oci (index)"}), pushOnlyFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown push command %q: want from-spec or from-args (see manifest-tool push --help)", c.Args().First())
			}
			return usagef("push needs from-spec or from-args (see manifest-tool push --help)")
		},
		Subcommands: []*cli.Command{fromSpecCommand(env), fromArgsCommand(env)},
	}
}

// push publishes the specs with the push flags (edit's, when edit is set),
// and prints a result per index.
func (env *environment) push(c *cli.Context, t manifest.Type, specs []spec.Spec, edit *registry.Edit) error {
	out, err := outputOf(c)
	if err != nil {
		return err
	}
	if c.Duration("settle") < 0 {
		return usagef("--settle %s: want a pause of 0s or more (0 means the default, %s)", c.Duration("settle"), registry.DefaultSettle)
	}
	if c.IsSet("settle") && edit == nil && !c.Bool("append") {
		return usagef("--settle applies to --append and edit, which read the index back; add --append, or drop --settle")
	}
	askLabels(c, specs)
	if err := checkArtifacts(c, t, specs, edit); err != nil {
		return err
	}
	attestations, err := attestationsOf(c)
	if err != nil {
		return err
	}
	if c.Bool("by-digest") {
		if c.Bool("append") {
			return usagef("--by-digest with --append: --append merges onto the index a tag points at; drop one of them")
		}
		if err := spec.ByDigest(specs); err != nil {
			return err
		}
	}
	out.lines = true
	pipe, err := env.pipeOutputsOf(c, len(specs))
	if err != nil {
		return err
	}
	if err := env.quiet(c); err != nil {
		return err
	}
	if !c.IsSet("type") {
		t = "" // the library's default: a Docker list, or the index's own type for a change
	}
	progress := newProgress(env.stderr, env.log)
	env.scrub.Keep(spec.Refs(specs...)...)
	client, err := env.client(c, spec.Registries(specs...), spec.Targets(specs...), registry.WithProgress(progress.event))
	if err != nil {
		return err
	}
	results, err := client.Publish(c.Context, specs, registry.PublishOptions{
		Type:          t,
		IgnoreMissing: c.Bool("ignore-missing"),
		DryRun:        c.Bool("dry-run"),
		Validate:      manifest.ValidateOptions{Strict: c.Bool("strict"), AllowUnknownPlatform: c.Bool("allow-unknown-platform")},
		Append:        c.Bool("append"),
		Edit:          edit,
		Settle:        c.Duration("settle"),
		Referrers:     referrersOf(c),
		Attestations:  attestations,
		UntagMembers:  c.Bool("untag-members"),
	})
	progress.finish()
	env.scrubResults(results)
	for _, p := range manifest.ByDocument(specs, results) {
		if werr := env.show(out, shown(c, out, p)); werr != nil {
			return werr
		}
	}
	if err != nil && c.Context.Err() != nil {
		return stopped(c, results, err)
	}
	if (err == nil || registry.OnlyUntagFailed(err)) && !c.Bool("dry-run") {
		// the index is on every target even when a member tag stayed
		err = spec.Join(err, pipe.write(env, results))
	}
	return err
}

// scrubResults takes the secrets the run knows out of the results' words,
// which are printed on stdout: the errors and untag reasons, the
// registry's words among them.
func (env *environment) scrubResults(results []manifest.Result) {
	for _, r := range results {
		for i := range r.Errors {
			r.Errors[i] = env.scrub.clean(r.Errors[i])
		}
		for i := range r.Manifests {
			r.Manifests[i].Error = env.scrub.clean(r.Manifests[i].Error)
			if u := r.Manifests[i].Untagged; u != nil {
				u.Reason = env.scrub.clean(u.Reason)
			}
		}
	}
}
