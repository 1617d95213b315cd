package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
)

// progress shows the blobs a push copies: on a terminal, a block kept up
// to date (the totals, then the bytes of each member still copying,
// under its target when there are several); otherwise, with --debug, one
// log line per blob copied or mounted (the registry logs a line per
// member).
type progress struct {
	w      io.Writer // the terminal, or nil
	log    *logrus.Logger
	mu     sync.Mutex
	done   map[string]int64 // target and blob -> bytes so far
	size   map[string]int64
	member map[string]string // target and blob -> target and member
	order  []string          // targets and members, in the order first seen
	target []string          // targets, in the order first seen
	last   time.Time
	lines  int // lines drawn last time
}

// progressMembers is how many members in flight the block shows at most.
const progressMembers = 6

func newProgress(stderr io.Writer, log *logrus.Logger) *progress {
	p := &progress{log: log, done: map[string]int64{}, size: map[string]int64{}, member: map[string]string{}}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			if _, text := log.Formatter.(*scrubbing); text && log.Level == logrus.InfoLevel {
				p.w = f
				log.SetOutput(p) // log lines go above the block
			}
		}
	}
	return p
}

func (p *progress) event(ev registry.BlobEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	blob, member := ev.Target+"\x00"+ev.Blob, ev.Target+"\x00"+ev.Member
	if _, seen := p.member[blob]; !seen {
		p.member[blob] = member
		if !slices.Contains(p.order, member) {
			p.order = append(p.order, member)
		}
		if !slices.Contains(p.target, ev.Target) {
			p.target = append(p.target, ev.Target)
		}
	}
	p.done[blob], p.size[blob] = ev.Done, ev.Size
	if p.w == nil {
		if ev.How == manifest.HowCopied || ev.How == manifest.HowMounted {
			p.log.Debugf("%s blob %.19s… (%s) of %s", ev.How, ev.Blob, units.Format(ev.Size), ev.Member)
		}
		return
	}
	if time.Since(p.last) < 100*time.Millisecond && ev.How == "" {
		return
	}
	p.last = time.Now()
	p.draw(p.render())
}

// render is the block: the totals, then each member still copying, with
// its bytes so far and in all, under its target when there are several.
func (p *progress) render() []string {
	type sum struct{ done, size int64 }
	per := map[string]*sum{}
	var all sum
	for b, n := range p.done {
		m := p.member[b]
		if per[m] == nil {
			per[m] = &sum{}
		}
		per[m].done += n
		per[m].size += p.size[b]
		all.done += n
		all.size += p.size[b]
	}
	finished, shown := 0, 0
	var busy []string
	for _, t := range p.target {
		var lines []string
		for _, m := range p.order {
			target, name, _ := strings.Cut(m, "\x00")
			if s := per[m]; target != t {
				continue
			} else if s.done == s.size {
				finished++
			} else if shown++; shown <= progressMembers {
				lines = append(lines, fmt.Sprintf("  %s %s of %s", text.Escape(shorten(name, 50)), units.Format(s.done), units.Format(s.size)))
			}
		}
		if len(p.target) > 1 && len(lines) > 0 {
			busy = append(busy, "  "+text.Escape(shorten(t, 60))+":")
			for i := range lines {
				lines[i] = "  " + lines[i]
			}
		}
		busy = append(busy, lines...)
	}
	return append([]string{fmt.Sprintf("copying: %d of %d members, %s of %s", finished, len(p.order), units.Format(all.done), units.Format(all.size))}, busy...)
}
