package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// environment is what commands share: the standard streams, the logger and
// the secrets it scrubs.
type environment struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *logrus.Logger
	scrub  *scrubber
	cancel context.CancelFunc // of --timeout
	// endStuck ends the process stuckGrace after the run's context ended
	// ([endStuck])
	endStuck bool
}

func newEnvironment(stdin io.Reader, stdout, stderr io.Writer) *environment {
	scrub := &scrubber{}
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&scrubbing{Formatter: &textFormatter{}, s: scrub})
	return &environment{stdin: stdin, stdout: stdout, stderr: stderr, log: log, scrub: scrub}
}

func newApp(env *environment) *cli.App {
	v, c := buildVersion()
	app := &cli.App{
		Name:    "manifest-tool",
		Usage:   "publish multi-platform images (manifest lists, OCI indexes)",
		Version: v + " (commit: " + c + ")",
		Description: `Assembles per-platform images that are already in a registry into one
Docker v2.2 manifest list or OCI image index, and pushes it with its tags.

   manifest-tool push from-spec release.yaml
   manifest-tool push --type oci from-args \
       --platforms linux/amd64,linux/arm64 \
       --template reg.example.com/app:1.0-OS-ARCH \
       --target reg.example.com/app:1.0

Global flags may also be given after the command and after its arguments.
$` + maxManifestEnv + ` is the default of --max-manifest-size.`,
		Flags:                     globalFlags(),
		Commands:                  []*cli.Command{pushCommand(env), editCommand(env), inspectCommand(env), platformsCommand(env), probeCommand(env), completionCommand(env)},
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // main decides the exit code
		OnUsageError:              onUsageError,
		Writer:                    env.stdout,
		ErrWriter:                 env.stderr,
		Before: func(c *cli.Context) error {
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
			if _, err := sizeFlag(c, "max-manifest-size", registry.DefaultMaxManifestSize); err != nil {
				return err
			}
			if d := c.Duration("timeout"); d > 0 {
				c.Context, env.cancel = context.WithTimeout(c.Context, d)
			}
			if env.endStuck {
				env.endWhenStuck(c)
			}
			return nil
		},
		After: func(*cli.Context) error {
			if env.cancel != nil {
				env.cancel()
			}
			return nil
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see manifest-tool --help)", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	forCommands(app.Commands, func(c *cli.Command) {
		c.OnUsageError = onUsageError
		if len(c.Subcommands) == 0 {
			c.HideHelpCommand = true
		}
	})
	return app
}

// Help shows a repeatable flag once ("--tags value", not "--tags value [
// --tags value ]") and leaves defaults and environment variables to the
// usage text and the command's description, so that it stays within 80
// columns.
func init() {
	stringify := cli.FlagStringer
	noise := regexp.MustCompile(` \[ -[^\]]*\]|( \(default: [^)]*\))?( \[\$[A-Z_]+\])?$`)
	cli.FlagStringer = func(f cli.Flag) string {
		return noise.ReplaceAllString(stringify(f), "")
	}
}

// onUsageError turns urfave/cli's usage errors into one line and exit 2.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := "manifest-tool"
	if c.Command != nil && c.Command.HelpName != "" {
		name = c.Command.HelpName
	}
	return usagef("%v (see %s --help)", err, name)
}

func forCommands(cmds []*cli.Command, fn func(*cli.Command)) {
	for _, c := range cmds {
		fn(c)
		forCommands(c.Subcommands, fn)
	}
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
// has not returned stuckGrace after its context ended ([endStuck]).
func (env *environment) endWhenStuck(c *cli.Context) {
	ctx, limit := c.Context, c.Duration("timeout")
	context.AfterFunc(ctx, func() {
		why := "interrupted"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("timed out (--timeout %s)", limit)
		}
		time.AfterFunc(stuckGrace, func() {
			env.log.Errorf("%s, and the run did not stop within %s: a file it reads does not end (a named pipe, a hung file system); what it wrote is not known", why, stuckGrace)
			os.Exit(exitFailure)
		})
	})
}
