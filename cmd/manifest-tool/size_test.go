package main

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
	}{
		{"4194304", 4 << 20},
		{"4MiB", 4 << 20},
		{"4mib", 4 << 20},
		{"8MB", 8e6},
		{"512 KiB", 512 << 10},
		{"1kB", 1000},
		{"1KB", 1000},
		{"2GiB", 2 << 30},
		{"3GB", 3e9},
		{"100B", 100},
		{" 7 ", 7},
		{"0", 0},   // a size; the flag wants it above 0
		{"-1", -1}, // likewise
	}
	for _, tc := range tests {
		if got, err := parseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"", errNotSize.Error()},                                        // nothing
		{"MiB", errNotSize.Error()},                                     // a unit without a number
		{"4M", `unknown unit "M": want B, kB, MB, GB, KiB, MiB or GiB`}, // 1000 or 1024: said, not guessed
		{"4 mebibytes", `unknown unit "mebibytes": want B, kB, MB, GB, KiB, MiB or GiB`},
		{"1.5MiB", errNotSize.Error()}, // whole numbers only
		{"0x10", `unknown unit "x10": want B, kB, MB, GB, KiB, MiB or GiB`},
		{"99999999999999999999", errTooLarge.Error()}, // past int64
		{"9000000000GiB", errTooLarge.Error()},        // past int64 once multiplied
		{"-", errNotSize.Error()},
		{"4\u212AiB", "unknown unit \"\u212AiB\": want B, kB, MB, GB, KiB, MiB or GiB"}, // the Kelvin sign is no K
	}
	for _, tc := range tests {
		if got, err := parseSize(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want the error %q", tc.in, got, err, tc.want)
		}
	}
}

// Whatever the input, parseSize does not panic, and a size it reads is
// read the same in lowercase and written back in bytes.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4MiB", "8MB", "1", "-3 kB", "9000000000GiB", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if m, err := parseSize(asciiLower(s)); err != nil || m != n {
			t.Errorf("%q reads as %d, in lowercase as %d, %v", s, n, m, err)
		}
		if m, err := parseSize(strconv.FormatInt(n, 10) + "B"); err != nil || m != n {
			t.Errorf("%q reads as %d, written back as %d, %v", s, n, m, err)
		}
	})
}

// $MANIFEST_TOOL_MAX_MANIFEST_SIZE stands for the flag, and is named when
// it is wrong; the flag, when given, wins.
func TestMaxManifestSizeEnv(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(maxManifestEnv, "0")
	code, _, stderr := runCLI("inspect", "reg.invalid/app:1")
	want := `error: --max-manifest-size (from MANIFEST_TOOL_MAX_MANIFEST_SIZE) "0": want a size above 0, such as 4MiB or 8MB (4MiB when not given)` + "\n"
	if code != exitBadInput || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
	code, _, stderr = runCLI("--max-manifest-size", "8MiB", "inspect", "ocidir://"+t.TempDir()+":1")
	if strings.Contains(stderr, "max-manifest-size") || code == exitBadInput {
		t.Errorf("the flag given: exit %d, stderr %q; want the variable ignored", code, stderr)
	}
}
