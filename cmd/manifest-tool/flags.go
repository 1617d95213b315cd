package main

import (
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "debug", Usage: "log each step and each request (no secrets)"},
		&cli.BoolFlag{Name: "insecure", Usage: "skip TLS verification for the run's registries"},
		&cli.BoolFlag{Name: "plain-http", Usage: "speak HTTP to the registries this run names"},
		&cli.StringSliceFlag{Name: "insecure-registry", Usage: "skip TLS verification for `HOST` (repeatable)"},
		&cli.StringSliceFlag{Name: "plain-http-registry", Usage: "speak HTTP to `HOST` (repeatable)"},
		&cli.StringFlag{Name: "username", Usage: "`USER` for the target registry"},
		&cli.StringFlag{Name: "username-registry", Usage: "the registry `HOST` --username is for"},
		&cli.StringFlag{Name: "password", Usage: "`PASSWORD` (visible to ps: prefer the next)"},
		&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
		&cli.PathFlag{Name: "ca-file", Usage: "also trust the CA certificates in `FILE` (PEM)"},
		&cli.PathFlag{Name: "docker-cfg", Usage: "Docker config `DIR` (or file); $DOCKER_CONFIG"},
		&cli.IntFlag{Name: "concurrency", Value: registry.DefaultConcurrency, Usage: "at most `N` requests at once per registry"},
		&cli.DurationFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 5m)"},
		&cli.DurationFlag{Name: "idle-timeout", Value: time.Minute, Usage: "fail a request idle for `DURATION` (60s)"},
		&cli.StringFlag{Name: "max-manifest-size", EnvVars: []string{maxManifestEnv}, Usage: "refuse a manifest over `SIZE` (4MiB)"},
		choice(&cli.StringFlag{Name: "log-format", Value: "text", Usage: "stderr as `text` or json"}, "text", "json"),
	}
}

// takesValue: a flag followed by its value, unlike a switch.
func takesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

// lookupFlag finds the flag called name (or one of its aliases) in the
// first of levels that has it.
func lookupFlag(name string, levels ...[]cli.Flag) cli.Flag {
	for _, flags := range levels {
		for _, f := range flags {
			if slices.Contains(f.Names(), name) {
				return f
			}
		}
	}
	return nil
}

// commandFlags are the flags of cmds and of their subcommands.
func commandFlags(cmds []*cli.Command) []cli.Flag {
	var flags []cli.Flag
	for _, c := range cmds {
		flags = append(flags, c.Flags...)
		flags = append(flags, commandFlags(c.Subcommands)...)
	}
	return flags
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// splitList splits comma-separated flag values (--platforms a,b --platforms c).
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func labelsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "annotations-from-labels", Usage: "OCI: images' common labels as annotations"}
}

// askLabels applies --annotations-from-labels to every document.
func askLabels(c *cli.Context, specs []spec.Spec) {
	if !c.Bool("annotations-from-labels") {
		return
	}
	for i := range specs {
		if !specs[i].AnnotationsFromLabels {
			specs[i].AnnotationsFromLabels, specs[i].AnnotationsFromLabelsPos = true, spec.Pos{Field: "--annotations-from-labels"}
		}
	}
}
