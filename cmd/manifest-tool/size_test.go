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
	}
	for _, tc := range tests {
		if got, err := parseSize("max-manifest-size", tc.in); err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",                     // nothing
		"0",                    // a limit of nothing
		"-1",                   // below nothing
		"MiB",                  // a unit without a number
		"4M",                   // 1000 or 1024: said, not guessed
		"4 mebibytes",          // no such unit
		"1.5MiB",               // whole numbers only
		"0x10",                 // decimal only
		"99999999999999999999", // past int64
		"9000000000GiB",        // past int64 once multiplied
		"4\u212AiB",            // the Kelvin sign is no K
	} {
		_, err := parseSize("max-manifest-size", in)
		want := `--max-manifest-size "` + in + `": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`
		if err == nil || err.Error() != want || exitCode(err) != exitBadInput {
			t.Errorf("parseSize(%q): %v; want the usage error %q", in, err, want)
		}
	}
}

// Whatever the input, parseSize does not panic; a size it reads is above
// 0, and is read the same in ASCII lowercase and written back in bytes.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4MiB", "8MB", "1", "-3 kB", "9000000000GiB", "", "4\u212AiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize("x", s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Errorf("%q reads as %d", s, n)
		}
		if m, err := parseSize("x", asciiLower(s)); err != nil || m != n {
			t.Errorf("%q reads as %d, in lowercase as %d, %v", s, n, m, err)
		}
		if m, err := parseSize("x", strconv.FormatInt(n, 10)+"B"); err != nil || m != n {
			t.Errorf("%q reads as %d, written back as %d, %v", s, n, m, err)
		}
	})
}

// $MANIFEST_TOOL_MAX_MANIFEST_SIZE stands for the flag; the flag, when
// given, wins.
func TestMaxManifestSizeEnv(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(maxManifestEnv, "0")
	code, _, stderr := runCLI("inspect", "reg.invalid/app:1")
	want := `error: --max-manifest-size (or $MANIFEST_TOOL_MAX_MANIFEST_SIZE) "0": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)` + "\n"
	if code != exitBadInput || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
	code, _, stderr = runCLI("--max-manifest-size", "8MiB", "inspect", "ocidir://"+t.TempDir()+":1")
	if strings.Contains(stderr, "max-manifest-size") || code == exitBadInput {
		t.Errorf("the flag given: exit %d, stderr %q; want the variable ignored", code, stderr)
	}
}
