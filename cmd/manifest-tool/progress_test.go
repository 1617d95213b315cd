package main

import (
	"bytes"
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
	tty := &progress{w: &term, log: log, done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	plain := &progress{log: log, done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	for _, p := range []*progress{tty, plain} {
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 1024})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:aaaaaaaaaaaaaaaaaaaa", Size: 2048, Done: 2048, How: manifest.HowCopied})
		p.event(registry.BlobEvent{Member: "reg/a@sha256:1", Blob: "sha256:bbbbbbbbbbbbbbbbbbbb", Size: 10, Done: 10, How: manifest.HowPresent})
		p.finish()
	}
	if got := lines.String(); got != "copied blob sha256:aaaaaaaaaaaa… (2KiB) of reg/a@sha256:1\n" {
		t.Errorf("log lines %q", got)
	}
	if got := term.String(); !strings.Contains(got, "\r\x1b[Jcopying: 0 of 1 members, 1KiB of 2KiB\n  reg/a@sha256:1 1KiB of 2KiB") ||
		!strings.Contains(got, "\x1b[1A\r\x1b[Jcopying: 1 of 1 members, 2KiB of 2KiB") || !strings.HasSuffix(got, "\r\x1b[J") {
		t.Errorf("terminal %q", got)
	}
}
