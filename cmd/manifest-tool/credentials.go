package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/spec"
)

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
