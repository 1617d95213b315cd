package manifest

import (
	"slices"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/spec"
)

// A platform is compared with every one seen that platform.Match may call
// the same (its normalised os/architecture/variant), and with every one
// regclient cannot parse; none that it surely is not.
func TestPlatformSet(t *testing.T) {
	t.Parallel()
	var s platformSet[string]
	for _, p := range []string{"linux/amd64", "linux/arm64/v8", "linux/arm", "linux/arm/v6", "windows/amd64", "linux/Bad!/x"} {
		parts := append(strings.Split(p, "/"), "")
		s.add(platform.Platform{OS: parts[0], Architecture: parts[1], Variant: parts[2]}, p)
	}
	tests := []struct {
		p    platform.Platform
		want []string
	}{
		{platform.Platform{OS: "linux", Architecture: "arm64"}, []string{"linux/Bad!/x", "linux/arm64/v8"}},
		{platform.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, []string{"linux/Bad!/x", "linux/arm"}},
		{platform.Platform{OS: "linux", Architecture: "x86_64"}, []string{"linux/Bad!/x", "linux/amd64"}},
		{platform.Platform{OS: "linux", Architecture: "s390x"}, []string{"linux/Bad!/x"}},
		{platform.Platform{OS: "x/y", Architecture: "aarch64"}, []string{"linux/amd64", "linux/arm64/v8", "linux/arm", "linux/arm/v6", "windows/amd64", "linux/Bad!/x"}},
		{platform.Platform{OS: "linux", Architecture: "Bad!"}, []string{"linux/amd64", "linux/arm64/v8", "linux/arm", "linux/arm/v6", "windows/amd64", "linux/Bad!/x"}},
	}
	for _, tc := range tests {
		if got := s.candidates(tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("candidates(%s) = %q, want %q", spec.FormatPlatform(tc.p), got, tc.want)
		}
	}
}
