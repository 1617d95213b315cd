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
// Flags may come before or after the command and its arguments. The global
// flags choose credentials (--docker-cfg, --username with --password-stdin,
// for one registry: --username-registry names it when targets are several),
// TLS and plain HTTP per registry (--insecure, --plain-http, --ca-file, and
// their -registry HOST forms), --concurrency, --timeout (for the run),
// --idle-timeout (for a request on which no byte moves; 60s),
// --max-manifest-size (4MiB, or $MANIFEST_TOOL_MAX_MANIFEST_SIZE), --debug
// and --log-format text|json. Each command's --help shows real invocations.
//
// stdout carries results (push prints "Digest: sha256:<hex> <size>" per
// index; -o json one JSON document per line); stderr carries logs and
// errors, one line each, naming the file:line, flag or reference at fault.
// Exit codes: 0 done; 1 a registry or runtime failure (unreachable,
// unauthorized, not found, a conflicting concurrent change, interrupted);
// 2 bad input (usage, spec,
// reference, platform, an index that would be invalid); 3 a check that did
// not hold (platforms --require, probe finding no list or index support).
//
// The README has the spec format, the checks made before any write, what
// happens when a registry misbehaves, and the performance figures;
// docs/migration.md maps the commands of other tools to these.
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

// heapTarget is the heap size past which the garbage collector works
// harder (a soft limit: Go's GOMEMLIMIT, which overrides it). A run holds
// little for long, but hostile answers make it read many large manifests
// at once (16 members of 4 MiB each parse into a few hundred MiB), and with
// the default pacing the heap then doubles past what is live before it is
// collected; near the target, garbage goes first.
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

// endStuck makes a run whose context ended (a signal, --timeout) and
// that has not returned stuckGrace later end the process (main sets it;
// tests that call run do not). Every wait of the run's own code answers
// its context, but a system call does not: an open of a named pipe, which
// regclient makes when a layout's blob is one, waits for a writer for
// ever, and no context ends it.
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
