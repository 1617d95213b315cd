package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// before runs ahead of every command: it sets up the log, checks the
// global flags, and starts the clock of --timeout.
func (env *environment) before(c *cli.Context) error {
	if c.Bool("debug") {
		env.log.SetLevel(logrus.DebugLevel)
	}
	switch f := c.String("log-format"); f {
	case "text":
	case "json":
		env.log.SetFormatter(&scrubbing{Formatter: &jsonFormatter{}, s: env.scrub})
	default:
		return usagef("--log-format %q: want text or json", f)
	}
	if err := checkGlobalFlags(c); err != nil {
		return err
	}
	if d := c.Duration("timeout"); d > 0 {
		c.Context, env.cancel = context.WithTimeout(c.Context, d)
	}
	if env.endStuck {
		env.endWhenStuck(c)
	}
	return nil
}

// checkGlobalFlags refuses a global flag's value that can never do what
// was meant, before any command starts.
func checkGlobalFlags(c *cli.Context) error {
	if d := c.Duration("idle-timeout"); d <= 0 {
		return usagef("--idle-timeout %s: want a duration above 0 (60s when not given)", d)
	}
	if d := c.Duration("timeout"); c.IsSet("timeout") && d <= 0 {
		return usagef("--timeout %s: want a duration above 0 (leave it out for no limit)", d)
	}
	if n := c.Int("concurrency"); n <= 0 {
		return usagef("--concurrency %d: want a number above 0 (%d when not given)", n, registry.DefaultConcurrency)
	}
	for _, flag := range []string{"insecure-registry", "plain-http-registry"} {
		for _, h := range c.StringSlice(flag) {
			if err := checkHostFlag(h); err != nil {
				return usagef("--%s %q: %v", flag, h, err)
			}
		}
	}
	if c.IsSet("username-registry") {
		if err := checkHostFlag(c.String("username-registry")); err != nil {
			return usagef("--username-registry %q: %v", c.String("username-registry"), err)
		}
		if c.String("username") == "" {
			return usagef("--username-registry names the registry of --username; give --username too")
		}
	}
	_, err := sizeFlag(c, "max-manifest-size", registry.DefaultMaxManifestSize)
	return err
}

// checkHostFlag says what is wrong with a HOST flag's value, which names
// a registry as references do (host, host:port), so that a value that can
// never match one (a URL, a path, nothing) is refused rather than ignored.
func checkHostFlag(h string) error {
	switch {
	case strings.TrimSpace(h) == "":
		return errors.New("want a registry host, such as reg.example.com:5000, not nothing")
	case strings.Contains(h, "://"):
		return fmt.Errorf("want a registry host without a scheme, such as %s", strings.SplitN(strings.SplitN(h, "://", 2)[1], "/", 2)[0])
	case strings.ContainsAny(h, "/ \t\n@"):
		return errors.New("want a registry host, such as reg.example.com:5000 (no path, user or spaces)")
	case strings.HasPrefix(h, ":"):
		return errors.New("want a registry host before the port, such as localhost" + h)
	}
	return spec.CheckPort(h)
}

// endWhenStuck ends the process, with one line and exit 1, when the run
// has not returned stuckGrace after its context ended ([endStuck]), or
// stuckGrace after the work the command does after a stop
// (env.afterStop).
func (env *environment) endWhenStuck(c *cli.Context) {
	ctx, limit := c.Context, c.Duration("timeout")
	context.AfterFunc(ctx, func() {
		why := "interrupted"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("timed out (--timeout %s)", limit)
		}
		grace := stuckGrace + time.Duration(env.afterStop.Load())
		time.AfterFunc(grace, func() {
			env.log.Errorf("%s, and the run did not stop within %s: a file it reads does not end (a named pipe, a hung file system); what it wrote is not known", why, grace)
			os.Exit(exitFailure)
		})
	})
}
