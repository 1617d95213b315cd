package units

import (
	"strconv"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{1, "1 byte"},
		{16, "16 bytes"},
		{1000, "1000 bytes"},
		{2048, "2KiB"},          // a whole number of KiB, as a flag takes it
		{10239, "10239 bytes"},  // bytes below 10 KiB
		{10240, "10KiB"},        //
		{66000, "64.5KiB"},      // one decimal above
		{512 << 10, "512KiB"},   //
		{4 << 20, "4MiB"},       // the default limits
		{32 << 20, "32MiB"},     //
		{5<<20 + 1, "5.0MiB"},   // close to a whole number, not one
		{600 << 20, "600MiB"},   //
		{1534478899, "1.4GiB"},  //
		{1<<30 - 1, "1.0GiB"},   // rounded up into the next unit, not 1024.0MiB
		{1<<20 - 1, "1.0MiB"},   //
		{3 << 30, "3GiB"},       //
		{5000 << 30, "5000GiB"}, // no larger unit
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := Format(tc.n); got != tc.want {
				t.Errorf("Format(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
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
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got, err := Parse(tc.in); err != nil || got != tc.want {
				t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
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
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(in)
			if err == nil || err.Error() != "want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)" {
				t.Errorf("Parse(%q) = %d, %v; want the size error", in, n, err)
			}
		})
	}
}

// Whatever the input, Parse does not panic; a size it reads is above 0,
// and is read the same in ASCII lowercase and written back in bytes; what
// Format writes of it in whole units, Parse reads back.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"4MiB", "8MB", "1", "-3 kB", "9000000000GiB", "", "4\u212AiB", "1073741823"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Errorf("%q reads as %d", s, n)
		}
		if m, err := Parse(asciiLower(s)); err != nil || m != n {
			t.Errorf("%q reads as %d, in lowercase as %d, %v", s, n, m, err)
		}
		if m, err := Parse(strconv.FormatInt(n, 10) + "B"); err != nil || m != n {
			t.Errorf("%q reads as %d, written back as %d, %v", s, n, m, err)
		}
		shown := Format(n)
		if whole := strings.HasSuffix(shown, "iB") && !strings.Contains(shown, "."); whole {
			if m, err := Parse(shown); err != nil || m != n {
				t.Errorf("%q reads as %d, shown as %q, which reads as %d, %v", s, n, shown, m, err)
			}
		}
	})
}
