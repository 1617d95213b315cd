package spec

import (
	"testing"

	"github.com/regclient/regclient/types/platform"
)

func TestExpand(t *testing.T) {
	t.Parallel()
	amd64 := platform.Platform{OS: "linux", Architecture: "amd64"}
	armv7 := platform.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	win := platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227"}
	tests := []struct {
		tpl       string
		p         platform.Platform
		want      string
		rationale string
	}{
		{"reg/app:1.0-OS-ARCH", amd64, "reg/app:1.0-linux-amd64", "basic"},
		{"reg/app:1.0-OS-ARCH-VARIANT", armv7, "reg/app:1.0-linux-arm-v7", "variant present"},
		{"reg/app:1.0-OS-ARCH-VARIANT", amd64, "reg/app:1.0-linux-amd64", "empty variant takes its separator"},
		{"reg/app:1.0-ARCHVARIANT", armv7, "reg/app:1.0-armv7", "back to back, manifest-tool's README example"},
		{"reg/app:1.0-ARCHVARIANT", amd64, "reg/app:1.0-amd64", "back to back, empty variant"},
		{"reg/app-MACOS:1.0-ARCH", amd64, "reg/app-MACOS:1.0-amd64", "MACOS is not a placeholder"},
		{"reg/app:RESEARCH-ARCH", amd64, "reg/app:RESEARCH-amd64", "RESEARCH is not ARCH"},
		{"reg/app:v1-POSIX-ARCH", amd64, "reg/app:v1-POSIX-amd64", "POSIX is not OS"},
		{"reg/app:ARCH-ARCH", amd64, "reg/app:amd64-amd64", "every occurrence"},
		{"reg/VARIANT-app:1.0", amd64, "reg/app:1.0", "empty first run drops the separator after it"},
		{"reg/app:1.0_VARIANT_OS", amd64, "reg/app:1.0_linux", "underscore separator"},
		{"reg/app:1.0-VARIANT-OSVERSION", amd64, "reg/app:1.0", "two empty runs"},
		{"reg/app:OS-OSVERSION", win, "reg/app:windows-10.0.20348.2227", "OSVERSION is longer than OS"},
		{"reg/app:OSARCH", amd64, "reg/app:linuxamd64", "OS then ARCH"},
		{"reg/app:latest", amd64, "reg/app:latest", "no placeholder"},
		{"reg:5000/os/app:ARCH", amd64, "reg:5000/os/app:amd64", "lowercase os is text"},
		{"reg/app:1.0-macOS-ARCH", amd64, "reg/app:1.0-macOS-amd64", "OS touching other letters is text"},
		{"reg/app:ARCHx-ARCH1", amd64, "reg/app:ARCHx-amd641", "a digit is not a letter"},
	}
	for _, tc := range tests {
		t.Run(tc.rationale, func(t *testing.T) {
			if got := Expand(tc.tpl, tc.p); got != tc.want {
				t.Errorf("Expand(%q, %s) = %q, want %q", tc.tpl, tc.p, got, tc.want)
			}
		})
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("reg/app:1.0-OS-ARCHVARIANT", "linux", "arm", "v7", "")
	f.Add("VARIANT-VARIANT_OSVERSION.MACOS", "windows", "amd64", "", "10.0")
	f.Fuzz(func(t *testing.T, tpl, os, arch, variant, osver string) {
		p := platform.Platform{OS: os, Architecture: arch, Variant: variant, OSVersion: osver}
		out := Expand(tpl, p)
		if !hasPlaceholder(tpl) && out != tpl {
			t.Fatalf("template without placeholder changed: %q -> %q", tpl, out)
		}
		if len(out) > len(tpl)*(1+len(os)+len(arch)+len(variant)+len(osver)) {
			t.Fatalf("expansion too long: %q -> %q", tpl, out)
		}
	})
}

func BenchmarkExpand(b *testing.B) {
	p := platform.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	for b.Loop() {
		Expand("reg.example.com/app-MACOS:1.0-OS-ARCHVARIANT-OSVERSION", p)
	}
}
