package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/ref"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/internal/units"
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
		&cli.StringFlag{Name: "ca-file", Usage: "also trust the CA certificates in `FILE` (PEM)"},
		&cli.StringFlag{Name: "docker-cfg", Usage: "Docker config `DIR` (or file); $DOCKER_CONFIG"},
		&cli.IntFlag{Name: "concurrency", Value: registry.DefaultConcurrency, Usage: "at most `N` requests at once per registry"},
		&cli.DurationFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 5m)"},
		&cli.DurationFlag{Name: "idle-timeout", Value: time.Minute, Usage: "fail a request idle for `DURATION` (60s)"},
		&cli.StringFlag{Name: "max-manifest-size", EnvVars: []string{maxManifestEnv}, Usage: "refuse a manifest over `SIZE` (4MiB)"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "stderr as `text` or json"},
	}
}

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
		registry.WithContext(c.Context),
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
		opts = append(opts, registry.WithCredentials(user, pass, host))
	}
	client, err := registry.New(append(opts, extra...)...)
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

// maxPassword is the most --password-stdin reads.
const maxPassword = 64 << 10

// credentials reads --username with --password or --password-stdin (the
// password flag is visible to anyone who lists processes; --debug says so).
func (env *environment) credentials(c *cli.Context) (user, pass string, err error) {
	user, pass = c.String("username"), c.String("password")
	if c.Bool("password-stdin") {
		if pass != "" {
			return "", "", usagef("--password and --password-stdin cannot be used together")
		}
		// standard input that stays open ends the wait at --timeout or
		// on a signal, as every other wait does
		b, err := spec.ReadAll(c.Context, "the password from standard input", env.stdin, maxPassword)
		if errors.As(err, new(*spec.WaitError)) {
			return "", "", err
		} else if err != nil {
			return "", "", fmt.Errorf("reading the password from stdin: %w", err)
		}
		if len(b) > maxPassword {
			return "", "", usagef("--password-stdin: more than %s on standard input, which is no password", units.Format(maxPassword))
		}
		pass = strings.TrimRight(string(b), "\r\n")
		if pass == "" {
			return "", "", usagef("--password-stdin: standard input is empty")
		}
	} else if pass != "" && env.log.IsLevelEnabled(logrus.DebugLevel) {
		env.log.Warn("--password is visible to anyone who can list processes; --password-stdin is not")
	}
	if pass != "" && user == "" {
		return "", "", usagef("a password needs --username")
	}
	if user != "" && pass == "" {
		return "", "", usagef("--username needs --password or --password-stdin")
	}
	env.scrub.add(pass)
	return user, pass, nil
}

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
	env.scrub.Keep(r)
	client, err := env.client(c, hosts, hosts, registry.WithMaxEntries(maxEntries))
	return out, r, client, err
}

// maxEntriesFlag is inspect's and platforms' bound on the index entries
// they walk.
func maxEntriesFlag() cli.Flag {
	return &cli.IntFlag{Name: "max-entries", EnvVars: []string{limitEnv("max-entries")}, Usage: "walk at most `N` index entries in all (100000)"}
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
