package main

import (
	"os"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes a size flag takes, in bytes. Written here:
// neither urfave/cli nor the other libraries the tool uses parse sizes.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// parseSize reads a size flag's value: bytes ("4194304"), or a whole
// number with a unit ("4MiB", "8MB", "512kib").
func parseSize(flag, v string) (int64, error) {
	return parseSizeShown("--"+flag, v)
}

// parseSizeShown is parseSize, its errors naming the flag as shown.
func parseSizeShown(shown, v string) (int64, error) {
	s := strings.TrimSpace(v)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	unit, ok := sizeUnits[asciiLower(strings.TrimSpace(s[i:]))]
	if err != nil || !ok || n <= 0 || n > (1<<62)/unit {
		return 0, usagef("%s %q: want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)", shown, v)
	}
	return n * unit, nil
}

// asciiLower lowercases ASCII letters only: "K" (the Kelvin sign,
// which strings.ToLower makes a "k") is no unit.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// sizeFlag is a size flag's value, parsed, or def when it was not given.
func sizeFlag(c interface {
	IsSet(string) bool
	String(string) string
}, flag string, def int64) (int64, error) {
	if !c.IsSet(flag) {
		return def, nil
	}
	return parseSizeShown(shownAs(flag), c.String(flag))
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
