package text

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Text with nothing a terminal acts on is written as it is: the very same
// string.
func TestEscapeKeeps(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"",
		"linux/amd64",
		"Digest: sha256:" + strings.Repeat("0", 64) + " 1234",
		`error: release.yaml:14: manifests[2].platform.architecture: unknown "amd46"`,
		`C:\ci\release.yaml`,        // a backslash is kept
		`"a\\b\x1b" quoted with %q`, // already escaped: escaping again changes nothing
		"日本語, ünïcödé, emoji 🐳, zero-width joiner \u200d", // printable, whatever the script
		"\u00a0no-break space, \u2026 ellipsis, \ufffd replacement",
		"\u00a0\u00ff\u0100\u2027\u202f\u2065\u206a", // next to the escaped ranges
	} {
		if got := Escape(s); got != s {
			t.Errorf("Escape(%q) = %q, want it unchanged", s, got)
		}
	}
}

// Text that would drive a terminal, end a line or reorder it: each such
// character becomes one visible escape, the rest stays.
func TestEscapeInvalid(t *testing.T) {
	t.Parallel()
	forged := "Digest: sha256:" + strings.Repeat("ab", 32) + " 1"
	for _, tc := range []struct {
		name, in, want string
	}{
		// a newline would end the line and start a forged one
		{"newline", "linux\n" + forged, `linux\n` + forged},
		// a carriage return would write over the start of the line
		{"carriage return", "ok\rerror: forged", `ok\rerror: forged`},
		// a tab moves the cursor, and misaligns columns
		{"tab", "a\tb", `a\tb`},
		// ESC starts terminal sequences: clear the screen, set the title
		{"clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"window title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		// BEL rings, NUL and DEL are not text
		{"bel nul del", "\x07\x00\x7f", `\x07\x00\x7f`},
		// every other C0 control
		{"backspace, vertical tab, form feed", "a\bb\vc\fd", `a\x08b\x0bc\x0cd`},
		// C1 controls: CSI (U+009B) and NEL (U+0085), as UTF-8
		{"C1 CSI", "\u009b2J", `\u009b2J`},
		{"C1 next line", "a\u0085b", `a\u0085b`},
		// a byte that is no UTF-8: 0x9b alone is CSI to an 8-bit terminal
		{"lone 0x9b byte", "a\x9b2Jb", `a\x9b2Jb`},
		{"invalid UTF-8", "\xff\xfe ok \xc3", `\xff\xfe ok \xc3`},
		// Unicode line and paragraph separators end lines in some readers
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		// bidirectional controls reorder what the line shows
		{"right-to-left override", "evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"bidi isolates and marks", "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d",
			`\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202c\u202d`},
		// the byte 0x9b and the character U+009B are told apart
		{"byte and character", "\x9b\u009b", `\x9b\u009b`},
		// a CR LF with an error line after it: one line still
		{"forged error line", "denied\r\nerror: forged", `denied\r\nerror: forged`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Escape(tc.in)
			if got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := Escape(got); again != got {
				t.Errorf("escaped twice: %q, want %q", again, got)
			}
			checkEscaped(t, tc.in, got)
		})
	}
}

// JSON log records: what encoding/json leaves as it is becomes a \u
// escape, and the record decodes to the same values.
func TestEscapeJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"plain", "C1 \u009b2J, NEL \u0085", "bidi \u202e \u2066", "all \x1b\n\u2028\u009b\u202e 日本"} {
		b, err := json.Marshal(map[string]string{"msg": v})
		if err != nil {
			t.Fatal(err)
		}
		rec := append(b, '\n') // a log record
		got := EscapeJSON(rec)
		for _, r := range strings.TrimSuffix(string(got), "\n") {
			if r < 0x20 || unsafeRune(r) {
				t.Errorf("EscapeJSON(%q) = %q: %U left as it is", b, got, r)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(got, &back); err != nil || back["msg"] != v {
			t.Errorf("EscapeJSON(%q) = %q decodes to %q (%v), want %q", b, got, back["msg"], err, v)
		}
		if v == "plain" && &got[0] != &rec[0] {
			t.Errorf("EscapeJSON copied a record that had nothing to escape")
		}
	}
}

// checkEscaped checks what holds for any escaped text: valid UTF-8, no
// character Escape escapes, the text unchanged when it had none, and no
// more than 6 bytes for each byte of the input.
func checkEscaped(t *testing.T, in, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Errorf("Escape(%q) = %q: not valid UTF-8", in, got)
	}
	for _, r := range got {
		if unsafeRune(r) {
			t.Errorf("Escape(%q) = %q: %U left as it is", in, got, r)
		}
	}
	if strings.ContainsAny(got, "\n\r") {
		t.Errorf("Escape(%q) = %q: more than one line", in, got)
	}
	if firstUnsafe(in) < 0 && got != in {
		t.Errorf("Escape(%q) = %q: changed text that had nothing to escape", in, got)
	}
	if len(got) > 6*len(in) {
		t.Errorf("Escape(%q): %d bytes from %d", in, len(got), len(in))
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "linux/amd64", "a\nDigest: sha256:00 1", "\x1b[2J\a\r\n", "\u009b\u2028\u202e", "\xff\xc3", `\x1b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		checkEscaped(t, s, got)
		if again := Escape(got); again != got {
			t.Errorf("Escape(Escape(%q)) = %q, want %q", s, again, got)
		}
		// what was kept is s without the characters escaped, in order
		var kept strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if size > 1 || r < utf8.RuneSelf {
				if !unsafeRune(r) {
					kept.WriteRune(r)
				}
			}
			i += size
		}
		if !subsequence(kept.String(), got) {
			t.Errorf("Escape(%q) = %q lost text", s, got)
		}
		// a JSON record of s decodes to the same string once escaped
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var want, back string
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(EscapeJSON(b), &back); err != nil || back != want {
			t.Errorf("EscapeJSON(%q) decodes to %q (%v), want %q", b, back, err, want)
		}
		for _, r := range string(EscapeJSON(b)) {
			if unsafeRune(r) {
				t.Errorf("EscapeJSON(%q): %U left as it is", b, r)
			}
		}
	})
}

// subsequence reports whether the runes of a appear in b in order.
func subsequence(a, b string) bool {
	for _, r := range a {
		i := strings.IndexRune(b, r)
		if i < 0 {
			return false
		}
		b = b[i+utf8.RuneLen(r):]
	}
	return true
}
