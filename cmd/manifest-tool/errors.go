package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/regclient/regclient/types/errs"
	"github.com/urfave/cli/v2"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // registry or runtime failure
	exitBadInput = 2 // usage, spec, reference, validation
	exitCheck    = 3 // a check did not hold
)

// exitCode picks the exit code for an error.
func exitCode(err error) int {
	var usage *usageError
	var ec cli.ExitCoder
	switch {
	case errors.Is(err, view.ErrCheck):
		return exitCheck
	case errors.As(err, &usage):
		return exitBadInput
	case errors.As(err, &ec): // urfave/cli's own (unknown help topic...)
		return exitBadInput
	case errors.Is(err, spec.ErrInvalid),
		errors.Is(err, manifest.ErrInvalid),
		errors.Is(err, registry.ErrConfig),
		errors.Is(err, errs.ErrInvalidReference):
		return exitBadInput
	}
	return exitFailure
}

// usageError is a command line that does not make sense: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errorLines gives each failure of a list (spec.Errors) a line of its own.
func errorLines(err error) []string {
	var out []string
	for _, e := range spec.Split(err) {
		out = append(out, e.Error())
	}
	return out
}

// stopped is the error of a push cut short by Ctrl-C or --timeout: why
// (with --timeout, the request in flight when time ran out), then what
// was written, a line per index; the next run finishes the job.
func stopped(c *cli.Context, results []manifest.Result, err error) error {
	why := "interrupted"
	if errors.Is(c.Context.Err(), context.DeadlineExceeded) {
		why = fmt.Sprintf("timed out (--timeout %s)", c.Duration("timeout"))
		var cut *registry.DeadlineError
		if errors.As(err, &cut) {
			why += " during " + cut.Request()
		}
	}
	var wait *spec.WaitError
	if errors.As(err, &wait) {
		why += " while " + wait.What
	}
	lines := spec.Errors{fmt.Errorf("%s; run the same command again to finish%.0w", why, errStopped)}
	if !slices.ContainsFunc(results, manifest.Result.Wrote) {
		return append(lines, errors.New("nothing was written"))
	}
	for _, r := range results {
		lines = append(lines, errors.New(r.Done()))
	}
	return lines
}

// stoppedWaiting is err, or, when err is a local wait that the context
// ended ([spec.WaitError]: standard input, a named pipe, a layout's lock),
// the lines of [stopped].
func stoppedWaiting(c *cli.Context, err error) error {
	if errors.As(err, new(*spec.WaitError)) {
		return stopped(c, nil, err)
	}
	return err
}

// errStopped marks the error of a run cut short (exit 1), which says so
// itself.
var errStopped = errors.New("stopped")
