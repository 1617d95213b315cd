package text

import (
	"strings"
	"unicode/utf8"
)

// Escape makes text safe to write on a terminal and in a log line: every
// character that a terminal acts on, or that breaks or reorders a line, is
// written as a visible escape, and nothing else changes. It is applied
// where text is written (the WriteText of views and reports, and the
// CLI's log formatter), to all of the text, since what a registry or a layout
// sends (annotations, platform fields, media types, error bodies) reaches
// them through many paths. regclient, logrus and fmt print strings as
// they are; Go's %q would also quote them and escape every non-ASCII
// letter.
//
// What is escaped, and how:
//
//   - newline, carriage return and tab: \n, \r, \t;
//   - the other C0 controls (U+0000 to U+001F, ESC and BEL among them)
//     and DEL: \x1b, \x07, \x7f;
//   - the C1 controls (U+0080 to U+009F, CSI U+009B among them): \u009b;
//   - the line and paragraph separators U+2028 and U+2029: \u2028,
//     \u2029;
//   - the bidirectional controls U+061C, U+200E, U+200F, U+202A to
//     U+202E and U+2066 to U+2069, which reorder what a line shows:
//     \u202e;
//   - each byte that is not part of valid UTF-8: \xff (always 0x80 or
//     more, so it cannot be mistaken for an escaped C0 control, and \x9b,
//     the byte, is told apart from \u009b, the character).
//
// A backslash is left as it is, so that escaping twice changes nothing
// (Escape(Escape(s)) == Escape(s)) and text already quoted with %q reads
// the same. The escaped text holds no control character and is valid
// UTF-8; each escape stands for one character that was not written.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHex(&b, `\x`, uint32(s[i]), 2)
		case !unsafeRune(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			writeHex(&b, `\x`, uint32(r), 2)
		default:
			writeHex(&b, `\u`, uint32(r), 4)
		}
		i += size
	}
	return b.String()
}

// EscapeJSON makes JSON text safe to write on a terminal without changing
// what it decodes to: encoding/json escapes C0 controls, U+2028 and U+2029
// and replaces invalid UTF-8 already, and EscapeJSON writes what it leaves
// as it is among the characters Escape escapes (DEL, the C1 and
// bidirectional controls) as JSON's \u escapes. Outside strings JSON is ASCII, so only
// strings change, and only in how they are written.
func EscapeJSON(b []byte) []byte {
	var out []byte
	last := 0 // b[:last] is in out
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r == 0x7f || r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		if r >= 0x7f && unsafeRune(r) { // encoding/json escapes C0 itself
			if out == nil {
				out = make([]byte, 0, len(b)+12)
			}
			out = appendHex(append(out, b[last:i]...), `\u`, uint32(r), 4)
			last = i + size
		}
		i += size
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// firstUnsafe is the index of the first byte of s that Escape changes, or
// -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether Escape escapes r: a C0 or C1 control, DEL,
// a line or paragraph separator, or a bidirectional control.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"

func writeHex(b *strings.Builder, prefix string, v uint32, digits int) {
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[v>>shift&0xf])
	}
}

func appendHex(out []byte, prefix string, v uint32, digits int) []byte {
	out = append(out, prefix...)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		out = append(out, hexDigits[v>>shift&0xf])
	}
	return out
}
