// Command manifest-tool publishes multi-platform images: it assembles a
// Docker v2.2 manifest list or an OCI image index from per-platform images
// that are already in a registry, and pushes it with its tags.
//
// Usage:
//
//	manifest-tool [global flags] push [--type docker|oci] [--dry-run] from-spec [--ignore-missing] FILE|-
//	manifest-tool [global flags] push [--type docker|oci] [--dry-run] from-args \
//	    --platforms os/arch[/variant][:os.version],... --template REF --target REF \
//	    [--tags t,...] [--annotations key=value ...]
//	manifest-tool [global flags] push [--append [--settle D]] from-args \
//	    --member REF[,REF...] [--platforms os/arch,...] --target REF
//	manifest-tool [global flags] edit [--add REF]... [--remove os/arch,...] \
//	    [--annotations k=v]... [--remove-annotation k]... [--tags t,...] TARGET
//	manifest-tool [global flags] inspect [--raw] [--referrers] [-o json] REF
//	manifest-tool [global flags] platforms [--require os/arch,...] [-o json] REF
//	manifest-tool [global flags] probe [-o json] REGISTRY[/REPOSITORY]
//	manifest-tool completion bash|zsh|fish
//
// Flags may come before or after the command and its arguments; each
// command's --help shows them and real invocations. stdout carries results,
// stderr logs and errors, one line each. Exit codes: 0 done; 1 a registry
// or runtime failure; 2 bad input; 3 a check that did not hold. The README
// has the rest; docs/migration.md maps other tools' commands to these.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"
)

// heapTarget is a soft memory limit (GOMEMLIMIT overrides it): hostile
// answers can make a run parse many large manifests at once, and with the
// default pacing the heap would double past what is live.
const heapTarget = 256 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(heapTarget)
	}
	// MANIFEST_TOOL_CPUPROFILE=file writes a CPU profile of the run (for
	// make bench; see the README's Performance section)
	if f := os.Getenv("MANIFEST_TOOL_CPUPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			if pprof.StartCPUProfile(out) == nil {
				defer func() { pprof.StopCPUProfile(); out.Close() }()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// after the first signal, a second one ends the process at once
	context.AfterFunc(ctx, stop)
	endStuck = true
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}

// endStuck ends the process stuckGrace after the run's context ended
// (main sets it; tests do not): a system call such as the open of a named
// pipe as a layout's blob answers no context.
var endStuck bool

// stuckGrace is how long a run whose context ended may take to stop.
const stuckGrace = 10 * time.Second

// run executes one command line and returns its exit code. Everything the
// command prints goes to stdout and stderr, so tests can run it in-process.
func run(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	env := newEnvironment(stdin, stdout, stderr)
	env.endStuck = endStuck
	defer func() {
		// a bug must not print a stack with values in it: one line, exit 1
		if p := recover(); p != nil {
			env.log.Errorf("internal error (a bug; please report it): %v", p)
			code = exitFailure
		}
	}()
	app := newApp(env)
	if len(argv) > 1 && argv[1] == completeCommand {
		cands, files := complete(app, argv[2:])
		if files {
			cands = []string{":files"}
		}
		for _, c := range cands {
			fmt.Fprintln(stdout, c)
		}
		return exitOK
	}
	args, err := interspersed(app, argv)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		return exitOK
	}
	for _, line := range errorLines(err) {
		env.log.Error(line)
	}
	if ctx.Err() != nil && !errors.Is(err, errStopped) {
		env.log.Error("interrupted")
	}
	return exitCode(err)
}
