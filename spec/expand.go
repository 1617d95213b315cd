package spec

import (
	"fmt"
	"regexp"
	"strings"
)

var varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandVars expands ${NAME} and ${NAME:-default} in s with lookup:
//   - ${NAME} is NAME's value; NAME unset is an error;
//   - ${NAME:-default} is NAME's value, or default when NAME is unset or
//     empty (as in the shell);
//   - $$ is a literal $;
//   - $NAME without braces, and a $ before anything else, stay as written;
//   - an unclosed ${, an invalid name, or a $ in a default (which would
//     suggest a nested ${...} that is not expanded) is an error.
func expandVars(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q (write $$ for a literal $)%.0w", s, ErrVariable)
		}
		expr := s[i+2 : i+2+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if strings.Contains(def, "$") {
			return "", fmt.Errorf("${%s} in %q: a default is plain text and cannot hold $ (nothing in it is expanded)%.0w", expr, s, ErrVariable)
		}
		if !varNameRE.MatchString(name) {
			return "", fmt.Errorf("${%s} in %q: %q is not a variable name (letters, digits, _; only ${NAME} and ${NAME:-default} are expanded)%.0w", expr, s, name, ErrVariable)
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return "", fmt.Errorf("${%s} is not set (set it, or write ${%s:-default})%.0w", name, name, ErrVariable)
		}
		b.WriteString(v)
		i += 2 + end
	}
	return b.String(), nil
}
