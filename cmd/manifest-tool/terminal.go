package main

import (
	"fmt"
	"io"
	"strings"
)

// This file draws the progress block on a terminal, below the log lines.

// draw replaces the block drawn last time with lines.
func (p *progress) draw(lines []string) {
	var b strings.Builder
	if p.lines > 1 {
		fmt.Fprintf(&b, "\033[%dA", p.lines-1)
	}
	b.WriteString("\r\033[J")
	b.WriteString(strings.Join(lines, "\n"))
	p.lines = len(lines)
	fmt.Fprint(p.w, b.String())
}

// Write writes a log line while the block is drawn (the log's output, on
// a terminal): the block is cleared, the line written where it was, and
// the block drawn again below it, so that neither cuts into the other.
func (p *progress) Write(line []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	drawn := p.lines > 0
	if drawn {
		p.draw(nil)
	}
	n, err := p.w.Write(line)
	if drawn {
		p.draw(p.render())
	}
	return n, err
}

// shorten keeps the end of a long name, which tells members apart.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n+1:]
}

// finish clears the block, and gives the log its terminal back.
func (p *progress) finish() {
	if p.w == nil {
		return
	}
	if p.log.Out == io.Writer(p) { // the run is over: no line is being logged
		p.log.SetOutput(p.w)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lines > 0 {
		p.draw(nil)
		p.lines = 0
	}
}
