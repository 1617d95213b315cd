package spec

import (
	"errors"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNormalizePlatform(t *testing.T) {
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
		p, err := ParsePlatform(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got, notes := NormalizePlatform(p)
		want, _ := ParsePlatform(tc.want)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(notes, tc.notes) {
			t.Errorf("NormalizePlatform(%s) = %+v %q, want %+v %q", tc.in, got, notes, want, tc.notes)
		}
	}
}

func TestCheckPlatform(t *testing.T) {
	valid := []string{"linux/amd64", "linux/amd64/v3", "linux/arm/v7", "linux/arm64/v8", "linux/arm64/v9.2", "linux/riscv64/rva23u64",
		"linux/ppc64le/power9", "windows/amd64", "windows/arm64", "freebsd/riscv64", "wasip1/wasm", "darwin/arm64", "linux/loong64"}
	for _, s := range valid {
		p, _ := ParsePlatform(s)
		if err := CheckPlatform(p); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
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
		p, _ := ParsePlatform(tc.in)
		err := CheckPlatform(p)
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrPlatform) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestVocabularyMatchesGo keeps the lists in step with `go tool dist list`.
func TestVocabularyMatchesGo(t *testing.T) {
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
