package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// maxTargetsFlag bounds the targets of one document (push, edit).
func maxTargetsFlag() cli.Flag {
	return &cli.IntFlag{Name: "max-targets", EnvVars: []string{limitEnv("max-targets")}, Usage: fmt.Sprintf("refuse over `N` targets in one document (%d)", spec.DefaultMaxTargets)}
}

// maxTargets reads --max-targets.
func maxTargets(c *cli.Context) (int, error) {
	return positiveFlag(c, "max-targets", spec.DefaultMaxTargets)
}

// walkFlags are inspect's and platforms' bounds on what they walk below
// an index: its entries, and the bytes of the manifests read.
func walkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-entries", EnvVars: []string{limitEnv("max-entries")}, Usage: "walk at most `N` index entries in all (100000)"},
		&cli.StringFlag{Name: "max-walk-size", EnvVars: []string{limitEnv("max-walk-size")}, Usage: "read `SIZE` of manifests below it at most (16MiB)"},
	}
}

// referrerLimitFlags are the bounds of --referrers, with the bound on
// referrers of referrers for the commands that copy them (push, edit).
func referrerLimitFlags(depth bool) []cli.Flag {
	def := registry.DefaultReferrerLimits
	flags := []cli.Flag{
		&cli.IntFlag{Name: "max-referrers", EnvVars: []string{limitEnv("max-referrers")}, Usage: fmt.Sprintf("take `N` referrers of one manifest at most (%d)", def.PerSubject)},
		&cli.IntFlag{Name: "max-referrers-total", EnvVars: []string{limitEnv("max-referrers-total")}, Usage: fmt.Sprintf("list `N` referrers in all at most (%d)", def.Total)},
	}
	if depth {
		flags = append(flags, &cli.IntFlag{Name: "max-referrers-depth", EnvVars: []string{limitEnv("max-referrers-depth")}, Usage: fmt.Sprintf("copy referrers `N` deep at most (%d)", def.Depth)})
	}
	return flags
}

// referrerLimits reads the bounds of --referrers (the defaults for a
// command without them).
func referrerLimits(c *cli.Context) (lim registry.ReferrerLimits, err error) {
	def := registry.DefaultReferrerLimits
	if lim.PerSubject, err = positiveFlag(c, "max-referrers", def.PerSubject); err != nil {
		return lim, err
	}
	if lim.Depth, err = positiveFlag(c, "max-referrers-depth", def.Depth); err != nil {
		return lim, err
	}
	lim.Total, err = positiveFlag(c, "max-referrers-total", def.Total)
	return lim, err
}
