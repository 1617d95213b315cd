package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/registry"
)

// textFormatter writes log lines for people: "warning: message key=value".
// The message and each field are escaped (text.Escape): what a
// registry or a layout said, quoted in them, cannot end the line, forge
// another (a "Digest:" line, an "error:" line) or drive the terminal.
type textFormatter struct{}

func (textFormatter) Format(e *logrus.Entry) ([]byte, error) {
	var b strings.Builder
	switch e.Level {
	case logrus.InfoLevel:
	case logrus.WarnLevel:
		b.WriteString("warning: ")
	default:
		b.WriteString(e.Level.String() + ": ")
	}
	b.WriteString(text.Escape(e.Message))
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(text.Escape(fmt.Sprintf(" %s=%v", k, e.Data[k])))
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

// jsonFormatter writes log lines as logrus's JSON records, with the
// characters a terminal acts on that JSON leaves as they are (C1 and
// bidirectional controls) written as \u escapes (text.EscapeJSON):
// each record decodes to the same values.
type jsonFormatter struct {
	logrus.JSONFormatter
}

func (f *jsonFormatter) Format(e *logrus.Entry) ([]byte, error) {
	b, err := f.JSONFormatter.Format(e)
	return text.EscapeJSON(b), err
}

// scrubber is the run's registry.Scrubber, under the names the commands
// use: add for a secret given to the run, clean for a text to show.
type scrubber struct{ registry.Scrubber }

func (s *scrubber) add(secrets ...string) { s.Secret(secrets...) }

// clean blots out the run's secrets and anything that looks like a
// credential.
func (s *scrubber) clean(text string) string { return s.Clean(text) }

// scrubbing is a log formatter that blots secrets out of every line, the
// last line of defence: nothing is meant to log them in the first place.
type scrubbing struct {
	logrus.Formatter
	s *scrubber
}

func (f *scrubbing) Format(e *logrus.Entry) ([]byte, error) {
	// scrub before formatting: a JSON formatter escapes characters, and an
	// escaped secret would slip past
	clean := *e
	clean.Message = f.s.clean(e.Message)
	clean.Data = logrus.Fields{}
	for k, v := range e.Data {
		if s, ok := v.(string); ok {
			v = f.s.clean(s)
		} else if err, ok := v.(error); ok {
			v = f.s.clean(err.Error())
		}
		clean.Data[k] = v
	}
	return f.Formatter.Format(&clean)
}
