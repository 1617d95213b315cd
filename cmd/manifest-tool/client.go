package main

import (
	"fmt"
	"strings"

	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/ref"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// client builds the registry client for a run that names these registry
// hosts: --insecure and --plain-http apply to them and to no other;
// --username and --password to one of them (credentialsHost). extra adds
// what one command needs (push: its progress display).
func (env *environment) client(c *cli.Context, hosts, targets []string, extra ...registry.Option) (*registry.Client, error) {
	v, _ := buildVersion()
	opts := []registry.Option{
		registry.WithLogger(env.log),
		registry.WithUserAgent("manifest-tool/" + v),
		registry.WithDockerConfig(c.String("docker-cfg")),
		registry.WithConcurrency(c.Int("concurrency")),
		registry.WithHosts(hosts...),
		registry.WithScrubber(&env.scrub.Scrubber),
		registry.WithInsecure(c.StringSlice("insecure-registry")...),
		registry.WithPlainHTTP(c.StringSlice("plain-http-registry")...),
		registry.WithIdleTimeout(c.Duration("idle-timeout")),
		registry.WithTimeLimit(c.Duration("timeout")),
	}
	maxManifest, err := sizeFlag(c, "max-manifest-size", registry.DefaultMaxManifestSize)
	if err != nil {
		return nil, err
	}
	opts = append(opts, registry.WithMaxManifestSize(maxManifest))
	refLimits, err := referrerLimits(c)
	if err != nil {
		return nil, err
	}
	opts = append(opts, registry.WithReferrerLimits(refLimits))
	if c.Bool("insecure") {
		opts = append(opts, registry.WithInsecure(hosts...))
	}
	if c.Bool("plain-http") {
		opts = append(opts, registry.WithPlainHTTP(hosts...))
	}
	if f := c.String("ca-file"); f != "" {
		opts = append(opts, registry.WithCAFile(f))
	}
	user, pass, err := env.credentials(c)
	if err != nil {
		return nil, stoppedWaiting(c, err)
	}
	if user != "" || pass != "" {
		host, err := credentialsHost(c, hosts, targets)
		if err != nil {
			return nil, err
		}
		if host == "" {
			env.log.Warn("--username and --password are not used: this run names no registry to give them to (an OCI layout needs none)")
		}
		opts = append(opts, registry.WithCredentials(user, pass, host))
	}
	client, err := registry.New(c.Context, append(opts, extra...)...)
	if err != nil {
		return nil, stoppedWaiting(c, err)
	}
	return client, nil
}

// credentialsHost is the one registry --username and --password are for:
// the one --username-registry names, which must be a registry of the run;
// else the run's target registry. A run whose targets are on several
// registries must name it: a spec that adds a document for another host
// would otherwise be sent the password. "" when the run has no target
// registry (a layout), and so no registry to send them to.
func credentialsHost(c *cli.Context, hosts, targets []string) (string, error) {
	if named := c.String("username-registry"); named != "" {
		for _, h := range hosts {
			if sameRegistry(h, named) {
				return h, nil
			}
		}
		return "", usagef("--username-registry %q: not a registry this run names (it names %s)", named, strings.Join(quoted(hosts), ", "))
	}
	if len(targets) > 1 {
		return "", usagef("--username and --password go to one registry, and this run pushes to %d (%s): name the one they are for with --username-registry HOST (the others use the Docker config)",
			len(targets), strings.Join(targets, ", "))
	}
	if len(targets) == 1 {
		return targets[0], nil
	}
	return "", nil
}

// sameRegistry: a and b name one registry (docker.io is index.docker.io).
func sameRegistry(a, b string) bool {
	return strings.EqualFold(config.HostNewName(a).Name, config.HostNewName(b).Name)
}

func quoted(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// maxManifestEnv stands for --max-manifest-size when it is not given.
var maxManifestEnv = limitEnv("max-manifest-size")

// image reads what inspect and platforms share: --output, the one IMAGE
// argument, and a client for the registry it names.
func (env *environment) image(c *cli.Context) (output, ref.Ref, *registry.Client, error) {
	out, err := outputOf(c)
	if err != nil {
		return out, ref.Ref{}, nil, err
	}
	if c.NArg() != 1 {
		return out, ref.Ref{}, nil, usagef("%s needs exactly one IMAGE, got %d arguments", c.Command.Name, c.NArg())
	}
	r, err := spec.ParseRef(c.Args().First())
	if err != nil {
		return out, ref.Ref{}, nil, err
	}
	var hosts []string
	if r.Scheme == "reg" {
		hosts = []string{r.Registry}
	}
	maxEntries, err := positiveFlag(c, "max-entries", registry.DefaultMaxEntries)
	if err != nil {
		return out, ref.Ref{}, nil, err
	}
	maxWalkSize, err := sizeFlag(c, "max-walk-size", registry.DefaultMaxWalkSize)
	if err != nil {
		return out, ref.Ref{}, nil, err
	}
	env.scrub.Keep(r)
	client, err := env.client(c, hosts, hosts, registry.WithMaxEntries(maxEntries), registry.WithMaxWalkSize(maxWalkSize))
	return out, r, client, err
}
