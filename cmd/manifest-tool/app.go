package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/regclient/regclient/types/ref"
	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/registry"
)

// environment is what commands share: the standard streams and the logger.
type environment struct {
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	progress *progress // set by commands that copy
	log      *logrus.Logger
	scrub    *scrubber
	cancel   context.CancelFunc
}

func newApp(env *environment) *cli.App {
	app := &cli.App{
		Name:    "manifest-tool",
		Usage:   "publish multi-platform images (manifest lists, OCI indexes)",
		Version: version + " (commit: " + commit + ")",
		Description: `Assembles per-platform images that are already in a registry into one
Docker v2.2 manifest list or OCI image index, and pushes it with its tags.

   manifest-tool push from-spec release.yaml
   manifest-tool push --type oci from-args \
       --platforms linux/amd64,linux/arm64 \
       --template reg.example.com/app:1.0-OS-ARCH \
       --target reg.example.com/app:1.0

Global flags may also be given after the command and after its arguments.`,
		Flags:                     globalFlags(),
		Commands:                  []*cli.Command{pushCommand(env), inspectCommand(env), platformsCommand(env), probeCommand(env), completionCommand(env)},
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           false,
		ExitErrHandler:            func(*cli.Context, error) {}, // main decides the exit code
		OnUsageError:              onUsageError,
		Before: func(c *cli.Context) error {
			if c.Bool("debug") {
				env.log.SetLevel(logrus.DebugLevel)
			}
			switch f := c.String("log-format"); f {
			case "text":
			case "json":
				env.log.SetFormatter(&scrubbing{Formatter: &logrus.JSONFormatter{}, s: env.scrub})
			default:
				return usagef("--log-format %q: want text or json", f)
			}
			if d := c.Duration("timeout"); d > 0 {
				ctx, cancel := context.WithTimeout(c.Context, d)
				c.Context, env.cancel = ctx, cancel
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
// --tags value ]") and leaves defaults to the usage text, so that it stays
// within 80 columns.
func init() {
	stringify := cli.FlagStringer
	noise := regexp.MustCompile(` \[ -[^\]]*\]| \(default: [^)]*\)$`)
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

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "debug", Usage: "log each step and each request (no secrets)"},
		&cli.BoolFlag{Name: "insecure", Usage: "skip TLS verification for the run's registries"},
		&cli.BoolFlag{Name: "plain-http", Usage: "speak HTTP to the registries this run names"},
		&cli.StringSliceFlag{Name: "insecure-registry", Usage: "skip TLS verification for `HOST` (repeatable)"},
		&cli.StringSliceFlag{Name: "plain-http-registry", Usage: "speak HTTP to `HOST` (repeatable)"},
		&cli.StringFlag{Name: "username", Usage: "`USER` for the target registry"},
		&cli.StringFlag{Name: "password", Usage: "`PASSWORD` (visible to ps: prefer the next)"},
		&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
		&cli.StringFlag{Name: "ca-file", Usage: "also trust the CA certificates in `FILE` (PEM)"},
		&cli.StringFlag{Name: "docker-cfg", Usage: "Docker config `DIR` (or file); $DOCKER_CONFIG"},
		&cli.IntFlag{Name: "concurrency", Value: 8, Usage: "at most `N` requests at once per registry (8)"},
		&cli.DurationFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 5m)"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "stderr as `text` or json"},
	}
}

// client builds the registry client for a run that names these registry
// hosts: --insecure and --plain-http apply to them and to no other;
// --username and --password to targets.
func (env *environment) client(c *cli.Context, hosts, targets []string) (*registry.Client, error) {
	opts := []registry.Option{
		registry.WithLogger(env.log),
		registry.WithUserAgent("manifest-tool/" + version),
		registry.WithDockerConfig(c.String("docker-cfg")),
		registry.WithConcurrency(c.Int("concurrency")),
		registry.WithInsecure(c.StringSlice("insecure-registry")...),
		registry.WithPlainHTTP(c.StringSlice("plain-http-registry")...),
	}
	if env.progress != nil {
		opts = append(opts, registry.WithProgress(env.progress.event))
	}
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
		return nil, err
	}
	if user != "" || pass != "" {
		opts = append(opts, registry.WithCredentials(user, pass, targets...))
	}
	client, err := registry.New(opts...)
	if err != nil {
		return nil, err
	}
	env.scrub.add(client.Secrets()...)
	return client, nil
}

// credentials reads --username with --password or --password-stdin (the
// password flag is visible to anyone who lists processes; --debug says so).
func (env *environment) credentials(c *cli.Context) (user, pass string, err error) {
	user, pass = c.String("username"), c.String("password")
	if c.Bool("password-stdin") {
		if pass != "" {
			return "", "", usagef("--password and --password-stdin cannot be used together")
		}
		b, err := io.ReadAll(io.LimitReader(env.stdin, 64<<10))
		if err != nil {
			return "", "", fmt.Errorf("reading the password from stdin: %w", err)
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

// textFormatter writes log lines for people: "warning: message key=value".
type textFormatter struct{}

func (textFormatter) Format(e *logrus.Entry) ([]byte, error) {
	var b strings.Builder
	switch e.Level {
	case logrus.InfoLevel:
	case logrus.WarnLevel:
		b.WriteString("warning: ")
	default:
		b.WriteString(e.Level.String() + ": ")
	}
	b.WriteString(e.Message)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, e.Data[k])
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// outputFlag makes --output for a command that prints a result.
func outputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "`text`, or json for scripts"}
}

// output reads --output.
func output(c *cli.Context) (json bool, err error) {
	switch o := c.String("output"); o {
	case "text":
		return false, nil
	case "json":
		return true, nil
	default:
		return false, usagef("--output %q: want text or json", o)
	}
}

// imageArg reads the one IMAGE argument of inspect and platforms.
func imageArg(c *cli.Context) (ref.Ref, error) {
	if c.NArg() != 1 {
		return ref.Ref{}, usagef("%s needs exactly one IMAGE, got %d arguments", c.Command.Name, c.NArg())
	}
	r, err := ref.New(c.Args().First())
	if err != nil {
		return ref.Ref{}, usagef("%v", err)
	}
	return r, nil
}

// imageClient builds the client for a command that reads one image.
func (env *environment) imageClient(c *cli.Context, r ref.Ref) (*registry.Client, error) {
	var hosts []string
	if r.Scheme == "reg" {
		hosts = []string{r.Registry}
	}
	return env.client(c, hosts, hosts)
}

// scrubber knows the secrets of a run and blots them out of text.
type scrubber struct {
	mu      sync.Mutex
	secrets []string
}

func (s *scrubber) add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range secrets {
		if len(x) >= 4 { // shorter strings would blot out ordinary text
			s.secrets = append(s.secrets, x)
		}
	}
}

// clean blots out the run's secrets and anything that looks like a
// credential (registry.Redact).
func (s *scrubber) clean(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.secrets {
		text = strings.ReplaceAll(text, x, "***")
	}
	return registry.Redact(text)
}

// scrubbing is a log formatter that blots secrets out of every line, the
// last line of defence: nothing is meant to log them in the first place.
type scrubbing struct {
	logrus.Formatter
	s *scrubber
}

func (f *scrubbing) Format(e *logrus.Entry) ([]byte, error) {
	// scrub before formatting: a JSON formatter escapes characters, and an
	// escaped secret would slip past
	clean := *e
	clean.Message = f.s.clean(e.Message)
	clean.Data = logrus.Fields{}
	for k, v := range e.Data {
		if s, ok := v.(string); ok {
			v = f.s.clean(s)
		} else if err, ok := v.(error); ok {
			v = f.s.clean(err.Error())
		}
		clean.Data[k] = v
	}
	return f.Formatter.Format(&clean)
}
