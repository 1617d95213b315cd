package main

import (
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest/attest"
)

// attestationsFlag is --attestations of push and edit: what is done with
// the index's attestation manifests (keep, drop, referrers).
func attestationsFlag() cli.Flag {
	return choice(&cli.StringFlag{Name: "attestations", Value: attest.Keep, Usage: "attestation manifests: `keep`, drop or referrers"}, attest.Modes...)
}

// attestationsOf reads --attestations, checked.
func attestationsOf(c *cli.Context) (string, error) {
	v := c.String("attestations")
	if !slices.Contains(attest.Modes, v) {
		return "", usagef("--attestations %q: want keep, drop or referrers", v)
	}
	return v, nil
}
