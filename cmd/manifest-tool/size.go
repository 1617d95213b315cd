package main

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the units a size may be written in: bytes, the SI units
// (powers of 1000) and the binary ones (powers of 1024), matched without
// regard to case. A bare K, M or G is refused: tools disagree on whether
// it means 1000 or 1024.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

var (
	errNotSize  = errors.New("not a size: want a whole number of bytes, or one with a unit such as 4MiB or 8MB")
	errTooLarge = errors.New("too large a size")
)

// parseSize reads a size in bytes, as written in a flag: a whole number,
// optionally followed by a unit ("4194304", "4MiB", "8MB", "512 KiB").
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || i == 0 && (t[i] == '-' || t[i] == '+')) {
		i++
	}
	if i == 0 {
		return 0, errNotSize
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, errTooLarge
	} else if err != nil {
		return 0, errNotSize
	}
	if i < len(t) && t[i] == '.' {
		return 0, errNotSize // 1.5MiB: a whole number of KiB says it
	}
	unit, ok := sizeUnits[asciiLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, errors.New("unknown unit " + strconv.Quote(strings.TrimSpace(t[i:])) + ": want B, kB, MB, GB, KiB, MiB or GiB")
	}
	if n > math.MaxInt64/unit || n < math.MinInt64/unit {
		return 0, errTooLarge
	}
	return n * unit, nil
}

// asciiLower lowercases ASCII letters only: "K" (the Kelvin sign) is no
// "k".
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
