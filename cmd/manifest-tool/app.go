package main

import (
	"context"
	"io"
	"regexp"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
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
	// afterStop is how long a command's own work may go on after the
	// run's context ended, by a bound of its own (probe deletes what it
	// pushed): endStuck waits that much longer. A time.Duration.
	afterStop atomic.Int64
}

func newEnvironment(stdin io.Reader, stdout, stderr io.Writer) *environment {
	scrub := &scrubber{}
	log := logrus.New()
	log.SetOutput(stderr)
	log.SetFormatter(&scrubbing{Formatter: &textFormatter{}, s: scrub})
	return &environment{stdin: stdin, stdout: stdout, stderr: stderr, log: log, scrub: scrub}
}

// appDescription is the app's help text after its usage line.
var appDescription = `Assembles per-platform images that are already in a registry into one
Docker v2.2 manifest list or OCI image index, and pushes it with its tags.

   manifest-tool push from-spec release.yaml
   manifest-tool push --type oci from-args \
       --platforms linux/amd64,linux/arm64 \
       --template reg.example.com/app:1.0-OS-ARCH \
       --target reg.example.com/app:1.0

Global flags may also be given after the command and after its arguments.
$` + maxManifestEnv + ` is the default of --max-manifest-size.`

func newApp(env *environment) *cli.App {
	v, c := buildVersion()
	app := &cli.App{
		Name:                      "manifest-tool",
		Usage:                     "publish multi-platform images (manifest lists, OCI indexes)",
		Version:                   v + " (commit: " + c + ")",
		Description:               appDescription,
		Flags:                     globalFlags(),
		Commands:                  []*cli.Command{pushCommand(env), editCommand(env), inspectCommand(env), platformsCommand(env), probeCommand(env), completionCommand(env)},
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // main decides the exit code
		OnUsageError:              onUsageError,
		Writer:                    env.stdout,
		ErrWriter:                 env.stderr,
		Before:                    env.before,
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
