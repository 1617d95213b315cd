package spec

import (
	"strings"

	"github.com/regclient/regclient/types/platform"
)

// placeholders, longest first so that OSVERSION wins over OS.
var placeholders = []string{"OSVERSION", "VARIANT", "ARCH", "OS"}

// separators may be dropped next to a placeholder that expands to nothing.
const separators = "-_."

// token is a piece of a template: literal text, or a run of placeholders.
type token struct {
	text         string
	placeholders []string // nil for literal text
}

// tokenize splits a template into literal text and placeholder runs. A run
// is a maximal sequence of capital letters A-Z that touches no other letter
// and is made only of placeholders written back to back (ARCHVARIANT).
// MACOS, RESEARCH and the OS of macOS are literal text.
func tokenize(template string) []token {
	var out []token
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	lit := 0 // start of the pending literal text
	for i := 0; i < len(template); {
		if !isUpper(template[i]) {
			i++
			continue
		}
		j := i
		for j < len(template) && isUpper(template[j]) {
			j++
		}
		touches := (i > 0 && isLower(template[i-1])) || (j < len(template) && isLower(template[j]))
		if parts, ok := splitPlaceholders(template[i:j]); ok && !touches {
			if lit < i {
				out = append(out, token{text: template[lit:i]})
			}
			out = append(out, token{text: template[i:j], placeholders: parts})
			lit = j
		}
		i = j
	}
	if lit < len(template) {
		out = append(out, token{text: template[lit:]})
	}
	return out
}

// Expand fills the placeholders of a from-args template for one platform,
// under the rule documented in the package doc:
//
//   - a placeholder counts only as a run of capital letters touching no
//     other letter; placeholders may be written back to back (ARCHVARIANT);
//   - every occurrence is replaced;
//   - a run that expands to nothing also removes one separator ('-', '_' or
//     '.') next to it, the one before it if there is one, so
//     "app:1.0-ARCH-VARIANT" gives "app:1.0-amd64", not "app:1.0-amd64-".
func Expand(template string, p platform.Platform) string {
	values := map[string]string{"OS": p.OS, "ARCH": p.Architecture, "VARIANT": p.Variant, "OSVERSION": p.OSVersion}
	var b strings.Builder
	dropNext := false // an empty run had no separator before it
	for _, t := range tokenize(template) {
		if t.placeholders == nil {
			text := t.text
			if dropNext && strings.IndexByte(separators, text[0]) >= 0 {
				text = text[1:]
			}
			dropNext = false
			b.WriteString(text)
			continue
		}
		var v strings.Builder
		for _, ph := range t.placeholders {
			v.WriteString(values[ph])
		}
		if v.Len() > 0 {
			dropNext = false
			b.WriteString(v.String())
			continue
		}
		if s := b.String(); s != "" && strings.IndexByte(separators, s[len(s)-1]) >= 0 {
			b.Reset()
			b.WriteString(s[:len(s)-1])
		} else {
			dropNext = true
		}
	}
	return b.String()
}

// splitPlaceholders splits run into placeholders written back to back, or
// reports false when it is not made only of placeholders.
func splitPlaceholders(run string) ([]string, bool) {
	if run == "" {
		return nil, true
	}
	for _, ph := range placeholders {
		if strings.HasPrefix(run, ph) {
			if rest, ok := splitPlaceholders(run[len(ph):]); ok {
				return append([]string{ph}, rest...), true
			}
		}
	}
	return nil, false
}

// hasPlaceholder reports whether template contains at least one placeholder.
func hasPlaceholder(template string) bool {
	for _, t := range tokenize(template) {
		if t.placeholders != nil {
			return true
		}
	}
	return false
}
