// Command maxrss runs a command and writes its peak resident memory, in
// KiB, to file descriptor 3; it exits with the command's code (125 when
// the command cannot be run). The integration tests measure the binary
// through it, not as their own child: Linux keeps a process's peak RSS
// across exec, and a child that Go starts shares its parent's memory until
// it execs, so a child of a test process holding registries and images
// would count their hundreds of MiB as its own peak. This program is a
// few MiB when it starts the command, less than what it measures.
//
//	maxrss COMMAND [ARG...] 3>report
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: maxrss COMMAND [ARG...] 3>report")
		os.Exit(125)
	}
	report := os.NewFile(3, "report")
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(125)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	fmt.Fprintln(report, rss)
	os.Exit(code)
}
