package spec

import (
	"errors"
	"testing"
)

func TestExpandVars(t *testing.T) {
	t.Parallel()
	env := map[string]string{"REGISTRY": "reg.example.com:5000", "VERSION": "1.2.3", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"no variables", "no variables"},
		{"${REGISTRY}/app:${VERSION}", "reg.example.com:5000/app:1.2.3"},
		{"${UNSET:-fallback}", "fallback"},
		{"${EMPTY:-fallback}", "fallback"},
		{"${VERSION:-fallback}", "1.2.3"},
		{"${UNSET:-}", ""},
		{"${EMPTY}", ""},
		{"$$", "$"},
		{"$${VERSION}", "${VERSION}"},
		{"$VERSION stays", "$VERSION stays"},
		{"costs $5", "costs $5"},
		{"ends with $", "ends with $"},
		{"${UNSET:-a:-b}", "a:-b"},
		{"${UNSET:-{x}", "{x"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := expandVars(tc.in, lookup)
			if err != nil || got != tc.want {
				t.Errorf("expandVars(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	bad := []struct{ in, want string }{
		// the variable is not set and has no default
		{"${UNSET}", "${UNSET} is not set (set it, or write ${UNSET:-default})"},
		// ${ is never closed
		{"app:${VERSION", `unclosed ${ in "app:${VERSION" (write $$ for a literal $)`},
		// shell forms other than :- are not expanded
		{"${VERSION-x}", `${VERSION-x} in "${VERSION-x}": "VERSION-x" is not a variable name (letters, digits, _; only ${NAME} and ${NAME:-default} are expanded)`},
		// a nested variable in a default is not expanded, so it is refused
		{"${UNSET:-${VERSION}}", `${UNSET:-${VERSION} in "${UNSET:-${VERSION}}": a default is plain text and cannot hold $ (nothing in it is expanded)`},
		{"${UNSET:-$$}", `${UNSET:-$$} in "${UNSET:-$$}": a default is plain text and cannot hold $ (nothing in it is expanded)`},
		// empty name
		{"${}", `${} in "${}": "" is not a variable name (letters, digits, _; only ${NAME} and ${NAME:-default} are expanded)`},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			_, err := expandVars(tc.in, lookup)
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrVariable) {
				t.Errorf("expandVars(%q): %v, want %q", tc.in, err, tc.want)
			}
		})
	}
}

func FuzzExpandVars(f *testing.F) {
	for _, s := range []string{"${A}", "${A:-b}", "$$", "${", "$A", "a${B:-${C}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := expandVars(s, func(k string) (string, bool) { return "", false })
		if err != nil && !errors.Is(err, ErrVariable) {
			t.Fatalf("%v is not ErrVariable", err)
		}
		if err == nil && len(out) > len(s) {
			t.Fatalf("%q grew to %q with nothing set", s, out)
		}
	})
}
