package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
)

// progress shows the blobs a push copies: on a terminal, one line kept up
// to date; otherwise one log line per blob copied or mounted.
type progress struct {
	w    io.Writer // the terminal, or nil
	log  *logrus.Logger
	mu   sync.Mutex
	done map[string]int64 // blob -> bytes so far
	size map[string]int64
	last time.Time
}

func newProgress(stderr io.Writer, log *logrus.Logger) *progress {
	p := &progress{log: log, done: map[string]int64{}, size: map[string]int64{}}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			if _, text := log.Formatter.(*scrubbing); text && log.Level < logrus.DebugLevel {
				p.w = f
			}
		}
	}
	return p
}

func (p *progress) event(ev registry.BlobEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done[ev.Blob], p.size[ev.Blob] = ev.Done, ev.Size
	if p.w == nil {
		if ev.How == manifest.HowCopied || ev.How == manifest.HowMounted {
			p.log.Infof("%s blob %.19s… (%s) of %s", ev.How, ev.Blob, manifest.FormatSize(ev.Size), ev.Member)
		}
		return
	}
	if time.Since(p.last) < 100*time.Millisecond && ev.How == "" {
		return
	}
	p.last = time.Now()
	var done, total int64
	finished := 0
	for b, n := range p.done {
		done += n
		total += p.size[b]
		if n == p.size[b] {
			finished++
		}
	}
	fmt.Fprintf(p.w, "\r\033[Kcopying blobs: %d of %d, %s of %s", finished, len(p.done), manifest.FormatSize(done), manifest.FormatSize(total))
}

// finish clears the terminal line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w != nil && len(p.done) > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
