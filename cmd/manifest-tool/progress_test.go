package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
)

func TestProgress(t *testing.T) {
	t.Parallel()
	var term, lines bytes.Buffer
	log := logrus.New()
	log.SetOutput(&lines)
	log.SetFormatter(&textFormatter{})
	log.SetLevel(logrus.DebugLevel)
	tty := &progress{w: &term, log: log, done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	plain := &progress{log: log, done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	for _, p := range []*progress{tty, plain} {
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 1024})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 2048, How: manifest.HowCopied})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:bbbbbbbbbbbbbbbbbbbb", Size: 10, Done: 10, How: manifest.HowPresent})
		p.finish()
	}
	if got := lines.String(); got != "debug: copied blob sha256:aaaaaaaaaaaa… (2KiB) of reg/a@sha256:1\n" {
		t.Errorf("log lines %q", got)
	}
	if got := term.String(); !strings.Contains(got, "\r\x1b[Jcopying: 0 of 1 members, 1KiB of 2KiB\n  reg/a@sha256:1 1KiB of 2KiB") ||
		!strings.Contains(got, "\x1b[1A\r\x1b[Jcopying: 1 of 1 members, 2KiB of 2KiB") || !strings.HasSuffix(got, "\r\x1b[J") {
		t.Errorf("terminal %q", got)
	}
}

// TestProgressLines: without a terminal, a blob is a line at the debug
// level only; the registry logs one line per member instead.
func TestProgressLines(t *testing.T) {
	t.Parallel()
	var lines bytes.Buffer
	log := logrus.New()
	log.SetOutput(&lines)
	log.SetFormatter(&textFormatter{})
	p := newProgress(&lines, log)
	for i := range 64 {
		p.event(registry.BlobEvent{Target: "reg/app", Member: "reg/a@sha256:1", Blob: fmt.Sprint("sha256:", i), Size: 10, Done: 10, How: manifest.HowCopied})
	}
	p.finish()
	if lines.Len() != 0 {
		t.Errorf("info level: %q", lines.String())
	}
}

// TestProgressTargets: on a terminal, the members in flight are grouped
// under their target when there are several.
func TestProgressTargets(t *testing.T) {
	t.Parallel()
	p := &progress{log: logrus.New(), done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	for _, target := range []string{"a.example/app", "b.example/app"} {
		p.event(registry.BlobEvent{Target: target, Member: "reg/x@sha256:1", Blob: "sha256:1", Size: 2048, Done: 1024})
		p.event(registry.BlobEvent{Target: target, Member: "reg/y@sha256:2", Blob: "sha256:2", Size: 10, Done: 10, How: manifest.HowMounted})
	}
	want := []string{"copying: 2 of 4 members, 2068 bytes of 4116 bytes",
		"  a.example/app:", "    reg/x@sha256:1 1KiB of 2KiB",
		"  b.example/app:", "    reg/x@sha256:1 1KiB of 2KiB"}
	if got := p.render(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("block\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestProgressLogAbove: a log line while the block is drawn is written
// where the block was, and the block again below it.
func TestProgressLogAbove(t *testing.T) {
	t.Parallel()
	var term bytes.Buffer
	p := &progress{w: &term, log: logrus.New(), done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:1", Size: 2048, Done: 1024})
	term.Reset()
	if _, err := p.Write([]byte("mounted reg/b@sha256:2 into reg/app\n")); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1A\r\x1b[Jmounted reg/b@sha256:2 into reg/app\n\r\x1b[Jcopying: 0 of 1 members, 1KiB of 2KiB\n  reg/a@sha256:1 1KiB of 2KiB"
	if got := term.String(); got != want {
		t.Errorf("terminal %q\nwant     %q", got, want)
	}
}
