package spec

import (
	"errors"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/platform"
)

func TestNormalizePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		notes    []string
	}{
		{"linux/amd64", "linux/amd64", nil},
		{"linux/x86_64", "linux/amd64", []string{`architecture "x86_64" is written "amd64"`}},
		{"linux/aarch64", "linux/arm64", []string{`architecture "aarch64" is written "arm64"`}},
		{"linux/aarch64/v8", "linux/arm64/v8", []string{`architecture "aarch64" is written "arm64"`}},
		{"linux/arm64/v8", "linux/arm64/v8", nil},
		{"linux/arm64/8", "linux/arm64/v8", []string{`variant "8" is written "v8"`}},
		{"linux/armhf", "linux/arm/v7", []string{`architecture "armhf" is written "arm/v7"`}},
		{"linux/armel", "linux/arm/v6", []string{`architecture "armel" is written "arm/v6"`}},
		{"linux/arm/7", "linux/arm/v7", []string{`variant "7" is written "v7"`}},
		{"linux/i386", "linux/386", []string{`architecture "i386" is written "386"`}},
		{"linux/amd64/v1", "linux/amd64", []string{`variant "v1" is written ""`}},
		{"macos/arm64", "darwin/arm64", []string{`os "macos" is written "darwin"`}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, notes := NormalizePlatform(parsed(t, tc.in))
			if want := parsed(t, tc.want); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(notes, tc.notes) {
				t.Errorf("NormalizePlatform(%s) = %+v %q, want %+v %q", tc.in, got, notes, want, tc.notes)
			}
		})
	}
}

func TestCheckPlatform(t *testing.T) {
	t.Parallel()
	valid := []string{"linux/amd64", "linux/amd64/v3", "linux/arm/v7", "linux/arm64/v8", "linux/arm64/v9.2", "linux/riscv64/rva23u64",
		"linux/ppc64le/power9", "windows/amd64", "windows/arm64", "freebsd/riscv64", "wasip1/wasm", "darwin/arm64", "linux/loong64"}
	for _, s := range valid {
		t.Run(s, func(t *testing.T) {
			if err := CheckPlatform(parsed(t, s)); err != nil {
				t.Errorf("%s refused: %v", s, err)
			}
		})
	}
	invalid := []struct{ in, want string }{
		// a swapped pair of letters
		{"linux/amd46", `unknown architecture "amd46"; did you mean "amd64"?`},
		// a typo in the os
		{"lnux/amd64", `unknown os "lnux"; did you mean "linux"?`},
		// nothing close
		{"fuchsia/amd64", `unknown os "fuchsia"`},
		// a variant for the wrong architecture
		{"linux/arm/v9", `unknown variant "v9" for arm (known: v5, v6, v7, v8)`},
		// an architecture without variants
		{"linux/s390x/v2", `unknown variant "v2" for s390x (it has no variants)`},
		// attestation platforms are not images
		{"unknown/unknown", `unknown os "unknown"`},
	}
	for _, tc := range invalid {
		t.Run(tc.in, func(t *testing.T) {
			err := CheckPlatform(parsed(t, tc.in))
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrPlatform) {
				t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
			}
		})
	}
}

// TestVocabularyMatchesGo keeps the lists in step with `go tool dist list`.
func TestVocabularyMatchesGo(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		t.Skipf("go tool dist list: %v", err)
	}
	var oses, arches []string
	for _, line := range strings.Fields(string(out)) {
		os, arch, _ := strings.Cut(line, "/")
		if !slices.Contains(oses, os) {
			oses = append(oses, os)
		}
		if !slices.Contains(arches, arch) {
			arches = append(arches, arch)
		}
	}
	slices.Sort(oses)
	slices.Sort(arches)
	if !reflect.DeepEqual(oses, knownOS) || !reflect.DeepEqual(arches, knownArch) {
		t.Errorf("the toolchain knows\nos:   %q\narch: %q\nupdate knownOS and knownArch in platform.go", oses, arches)
	}
}

// parsed is ParsePlatform for tests: a platform written as users write it.
func parsed(t *testing.T, s string) platform.Platform {
	t.Helper()
	p, err := ParsePlatform(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFormatPlatform(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "windows/amd64:10.0.20348.2227", "linux/arm64/v8"} {
		t.Run(s, func(t *testing.T) {
			if got := FormatPlatform(parsed(t, s)); got != s {
				t.Errorf("FormatPlatform(ParsePlatform(%q)) = %q", s, got)
			}
		})
	}
}

func TestSamePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"linux/arm64", "linux/arm64/v8", true},
		{"linux/amd64", "linux/amd64", true},
		{"linux/arm/v6", "linux/arm/v7", false},
		{"linux/amd64:1.0", "linux/amd64:2.0", true}, // os.version counts only for Windows
		{"windows/amd64:10.0.17763.1", "windows/amd64:10.0.20348.1", false},
		{"windows/amd64:10.0.20348.1", "windows/amd64:10.0.20348.1", true},
		{"linux/amd64", "windows/amd64", false},
	}
	for _, tc := range tests {
		t.Run(tc.a+" "+tc.b, func(t *testing.T) {
			if got := SamePlatform(parsed(t, tc.a), parsed(t, tc.b)); got != tc.want {
				t.Errorf("SamePlatform = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestContradicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		declared, config string
		want             bool
	}{
		{"linux/s390x", "linux/amd64", true},
		{"linux/arm/v6", "linux/arm/v7", true},
		{"linux/arm/v6", "linux/arm", false},     // the config leaves the variant out
		{"linux/amd64/v3", "linux/amd64", false}, // idem
		{"linux/arm64", "linux/arm64/v8", false},
		{"windows/amd64:10.0.17763.1", "windows/amd64:10.0.20348.1", true},
		{"windows/amd64:10.0.17763.1", "windows/amd64", false},
		{"linux/amd64", "windows/amd64", true},
	}
	for _, tc := range tests {
		t.Run(tc.declared+" "+tc.config, func(t *testing.T) {
			if got := Contradicts(parsed(t, tc.declared), parsed(t, tc.config)); got != tc.want {
				t.Errorf("Contradicts = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("empty config", func(t *testing.T) {
		if Contradicts(parsed(t, "linux/amd64"), platform.Platform{}) {
			t.Error("an empty config contradicts")
		}
	})
}

func TestMeets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		have, required string
		want           bool
	}{
		{"linux/arm64/v8", "linux/arm64", true},
		{"linux/arm64", "linux/arm64/v8", true}, // arm64 is arm64/v8
		{"linux/arm/v7", "linux/arm", true},     // any variant meets none
		{"linux/arm/v6", "linux/arm/v7", false},
		{"windows/amd64:10.0.20348.2227", "windows/amd64:10.0.20348", true},
		{"windows/amd64:10.0.203481", "windows/amd64:10.0.20348", false}, // a prefix ends at a dot
		{"windows/amd64:10.0.17763.1", "windows/amd64", true},
		{"linux/amd64", "linux/s390x", false},
	}
	for _, tc := range tests {
		t.Run(tc.have+" "+tc.required, func(t *testing.T) {
			h, r := parsed(t, tc.have), parsed(t, tc.required)
			r, _ = NormalizePlatform(r)
			if got := Meets(h, r); got != tc.want {
				t.Errorf("Meets = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMergePlatform(t *testing.T) {
	t.Parallel()
	amd := &platform.Platform{OS: "linux", Architecture: "amd64"}
	armCfg := &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	winCfg := &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}}
	tests := []struct {
		name             string
		declared, config *platform.Platform
		want             *platform.Platform
	}{
		{"nothing declared: the config", nil, armCfg, armCfg},
		{"declared wins", &platform.Platform{OS: "linux", Architecture: "s390x"}, amd, &platform.Platform{OS: "linux", Architecture: "s390x"}},
		{"variant from an agreeing config", &platform.Platform{OS: "linux", Architecture: "arm64"}, armCfg, armCfg},
		{"declared variant kept", &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}, armCfg, &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}},
		{"no variant from a disagreeing config", &platform.Platform{OS: "linux", Architecture: "arm"}, armCfg, &platform.Platform{OS: "linux", Architecture: "arm"}},
		{"windows version from config", &platform.Platform{OS: "windows", Architecture: "amd64"}, winCfg, winCfg},
		{"no config, no declaration", nil, nil, nil},
		{"config without os", nil, &platform.Platform{Architecture: "amd64"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MergePlatform(tc.declared, tc.config); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParsePlatform(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "windows/amd64:10.0.1", "a/b/c/d", ":", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePlatform(s)
		if err != nil {
			if !errors.Is(err, ErrPlatform) {
				t.Fatalf("%v is not ErrPlatform", err)
			}
			return
		}
		if p.OS == "" || p.Architecture == "" || strings.ContainsAny(p.OS+p.Architecture+p.Variant, "/: ") {
			t.Fatalf("ParsePlatform(%q) accepted %+v", s, p)
		}
		n, _ := NormalizePlatform(p)
		if again, notes := NormalizePlatform(n); !reflect.DeepEqual(again, n) || len(notes) > 0 {
			t.Fatalf("NormalizePlatform is not stable: %+v -> %+v -> %+v %q", p, n, again, notes)
		}
		if err := CheckPlatform(n); err != nil && !errors.Is(err, ErrPlatform) {
			t.Fatalf("CheckPlatform(%+v): %v", n, err)
		}
	})
}
