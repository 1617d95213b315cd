package spec

import (
	"strings"

	"github.com/regclient/regclient/types/platform"
)

// placeholders, longest first so that OSVERSION wins over OS.
var placeholders = []string{"OSVERSION", "VARIANT", "ARCH", "OS"}

// separators may be dropped next to a placeholder that expands to nothing.
const separators = "-_."

// Expand fills the placeholders of a from-args template for one platform.
// The rule (documented in the package doc and in --help):
//
//   - A placeholder is only recognised as a whole run of capital letters
//     A-Z: in "app-MACOS:1.0-ARCH" the run MACOS is not a placeholder and is
//     kept, ARCH is one. A run made only of placeholders written back to
//     back, such as ARCHVARIANT, expands each of them.
//   - Every occurrence is replaced, not only the first.
//   - A run that expands to nothing (VARIANT for linux/amd64) also removes
//     one separator ('-', '_' or '.') next to it, the one before it if there
//     is one, so "app:1.0-ARCH-VARIANT" gives "app:1.0-amd64", not "app:1.0-amd64-".
func Expand(template string, p platform.Platform) string {
	values := map[string]string{"OS": p.OS, "ARCH": p.Architecture, "VARIANT": p.Variant, "OSVERSION": p.OSVersion}
	var b strings.Builder
	dropNext := false
	for i := 0; i < len(template); {
		c := template[i]
		if c < 'A' || c > 'Z' {
			if dropNext && strings.IndexByte(separators, c) >= 0 {
				dropNext = false
				i++
				continue
			}
			dropNext = false
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(template) && template[j] >= 'A' && template[j] <= 'Z' {
			j++
		}
		run := template[i:j]
		parts, ok := splitPlaceholders(run)
		if !ok {
			b.WriteString(run)
			dropNext = false
			i = j
			continue
		}
		var out strings.Builder
		for _, ph := range parts {
			out.WriteString(values[ph])
		}
		if out.Len() == 0 {
			s := b.String()
			if n := len(s); n > 0 && strings.IndexByte(separators, s[n-1]) >= 0 {
				b.Reset()
				b.WriteString(s[:n-1])
			} else {
				dropNext = true
			}
		} else {
			dropNext = false
		}
		b.WriteString(out.String())
		i = j
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
	for i := 0; i < len(template); {
		if template[i] < 'A' || template[i] > 'Z' {
			i++
			continue
		}
		j := i
		for j < len(template) && template[j] >= 'A' && template[j] <= 'Z' {
			j++
		}
		if _, ok := splitPlaceholders(template[i:j]); ok {
			return true
		}
		i = j
	}
	return false
}
