package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
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
		&cli.StringFlag{Name: "ca-file", Usage: "also trust the CA certificates in `FILE` (PEM)"},
		&cli.StringFlag{Name: "docker-cfg", Usage: "Docker config `DIR` (or file); $DOCKER_CONFIG"},
		&cli.IntFlag{Name: "concurrency", Value: registry.DefaultConcurrency, Usage: "at most `N` requests at once per registry"},
		&cli.DurationFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 5m)"},
		&cli.DurationFlag{Name: "idle-timeout", Value: time.Minute, Usage: "fail a request idle for `DURATION` (60s)"},
		&cli.StringFlag{Name: "max-manifest-size", EnvVars: []string{maxManifestEnv}, Usage: "refuse a manifest over `SIZE` (4MiB)"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "stderr as `text` or json"},
	}
}
