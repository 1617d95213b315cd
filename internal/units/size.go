// Package units writes and reads byte counts, the one way every message,
// view and size flag of manifest-tool does. It imports nothing of the
// project. Written here: neither the standard library nor the tool's
// libraries (regclient keeps its own, internal) format or parse sizes.
package units

import (
	"errors"
	"strconv"
	"strings"
)

// binary are the units Format writes, largest first.
var binary = []struct {
	name string
	size int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}

// Format writes a byte count for people: a whole number of GiB, MiB or
// KiB in that unit, as [Parse] reads it ("4MiB", "64KiB"); another count
// below 10 KiB in bytes ("1 byte", "5000 bytes"); a larger one to one
// decimal in the largest unit it reaches ("1.4GiB", "64.5KiB").
func Format(n int64) string {
	for _, u := range binary {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	switch {
	case n == 1:
		return "1 byte"
	case n < 10<<10:
		return strconv.FormatInt(n, 10) + " bytes"
	}
	// the largest unit the count reaches once rounded, so that 1 GiB less
	// a byte is 1.0GiB, not 1024.0MiB
	i := 0
	for i < len(binary)-1 && tenths(n, binary[i].size) < 10 {
		i++
	}
	t := tenths(n, binary[i].size)
	return strconv.FormatInt(t/10, 10) + "." + strconv.FormatInt(t%10, 10) + binary[i].name
}

// tenths is n in tenths of unit, rounded half up.
func tenths(n, unit int64) int64 {
	return n/unit*10 + (n%unit*10+unit/2)/unit
}

// parseUnits are the suffixes Parse takes, in bytes, in ASCII lowercase.
var parseUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// Parse reads a size: bytes ("4194304"), or a whole number with a unit
// ("4MiB", "8MB", "512 kib"; B, kB, MB, GB, KiB, MiB, GiB, in any case).
// A size must be above 0 and below 2^62 bytes; the error says so, for the
// caller to put after the flag and the value it read.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	unit, ok := parseUnits[asciiLower(strings.TrimSpace(s[i:]))]
	if err != nil || !ok || n <= 0 || n > (1<<62)/unit {
		return 0, errors.New("want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)")
	}
	return n * unit, nil
}

// asciiLower lowercases ASCII letters only: "K" (the Kelvin sign,
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
