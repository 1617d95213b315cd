package main

import (
	"os"
	"strings"

	"github.com/manifest-tool/manifest-tool/internal/units"
)

// parseSize reads a size flag's value ([units.Parse]), its errors naming
// the flag as shown.
func parseSize(shown, v string) (int64, error) {
	n, err := units.Parse(v)
	if err != nil {
		return 0, usagef("%s %q: %v", shown, v, err)
	}
	return n, nil
}

// sizeFlag is a size flag's value, parsed, or def when it was not given.
func sizeFlag(c interface {
	IsSet(string) bool
	String(string) string
}, flag string, def int64) (int64, error) {
	if !c.IsSet(flag) {
		return def, nil
	}
	return parseSize(shownAs(flag), c.String(flag))
}

// shownAs names a limit flag in an error: "--max-members", or, when its
// variable is set and may be where the value came from, "--max-members
// (or $MANIFEST_TOOL_MAX_MEMBERS)".
func shownAs(flag string) string {
	if env := limitEnv(flag); os.Getenv(env) != "" {
		return "--" + flag + " (or $" + limitEnv(flag) + ")"
	}
	return "--" + flag
}

// positiveFlag is an integer flag's value, which must be above 0.
func positiveFlag(c interface {
	IsSet(string) bool
	Int(string) int
}, flag string, def int) (int, error) {
	if !c.IsSet(flag) {
		return def, nil
	}
	if n := c.Int(flag); n > 0 {
		return n, nil
	}
	return 0, usagef("%s %d: want a number above 0", shownAs(flag), c.Int(flag))
}

// limitEnv is the variable that stands for a limit flag when it is not
// given: --max-members is $MANIFEST_TOOL_MAX_MEMBERS.
func limitEnv(flag string) string {
	return "MANIFEST_TOOL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}
