package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/regclient/regclient/types/platform"
)

// This file is the whole platform vocabulary of manifest-tool (see the
// Platforms section of the package doc).

// platformKeys are the keys of a spec's platform, ours and the OCI ones.
var platformKeys = []string{"os", "architecture", "variant", "osversion", "os.version", "osfeatures", "os.features", "features"}

// platformPartRE is what an os, architecture or variant may be written as.
var platformPartRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// The platform vocabulary: Go's ports (a test keeps them in step with
// `go tool dist list`) and the variants in use.
var (
	knownOS   = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
	power     = []string{"power8", "power9", "power10"}
	// knownVariants per architecture; an architecture not listed has none.
	knownVariants = map[string][]string{
		"arm":     {"v5", "v6", "v7", "v8"},
		"arm64":   {"v8", "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"},
		"amd64":   {"v2", "v3", "v4"},
		"riscv64": {"rva20u64", "rva22u64", "rva23u64"},
		"ppc64":   power,
		"ppc64le": power,
	}
)

// Aliases written the way registries and runtimes expect them.
var (
	osAliases   = map[string]string{"macos": "darwin"}
	archAliases = map[string]string{"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "i386": "386", "i486": "386", "i586": "386", "i686": "386", "armhf": "arm", "armel": "arm"}
	// an alias that also implies a variant
	archVariant = map[string]string{"armhf": "v7", "armel": "v6"}
)

// NormalizePlatform writes a platform's aliases the canonical way:
// x86_64 → amd64, aarch64 → arm64, armhf → arm/v7, armel → arm/v6, i386 →
// 386, macos → darwin, arm variants 5-8 → v5-v8, arm64 8 → v8, and amd64/v1
// (the baseline) → amd64. It returns what it changed, in words, for the
// log. arm64/v8 stays as written: that is Docker's own spelling.
func NormalizePlatform(p platform.Platform) (platform.Platform, []string) {
	var notes []string
	note := func(field, from, to string) {
		notes = append(notes, fmt.Sprintf("%s %q is written %q", field, from, to))
	}
	if to, ok := osAliases[p.OS]; ok {
		note("os", p.OS, to)
		p.OS = to
	}
	if to, ok := archAliases[p.Architecture]; ok {
		from := p.Architecture
		p.Architecture = to
		if v := archVariant[from]; v != "" && p.Variant == "" {
			p.Variant = v
			to += "/" + v
		}
		note("architecture", from, to)
	}
	v := p.Variant
	switch {
	case p.Architecture == "arm" && len(v) == 1 && v >= "5" && v <= "8",
		p.Architecture == "arm64" && v == "8":
		p.Variant = "v" + v
	case p.Architecture == "amd64" && v == "v1":
		p.Variant = ""
	}
	if p.Variant != v {
		note("variant", v, p.Variant)
	}
	return p, notes
}

// PlatformError is a platform value outside the known vocabulary.
type PlatformError struct {
	Field   string // "os", "architecture" or "variant"
	Value   string
	Arch    string // for a variant: the architecture it was given for
	Suggest string // the nearest known value, if one is close
}

func (e *PlatformError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Field, e.Value)
	if e.Field == "variant" {
		if known := knownVariants[e.Arch]; len(known) > 0 {
			msg += fmt.Sprintf(" for %s (known: %s)", e.Arch, strings.Join(known, ", "))
		} else {
			msg += fmt.Sprintf(" for %s (it has no variants)", e.Arch)
		}
	}
	if e.Suggest != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggest)
	}
	return msg
}

// Is makes a PlatformError match ErrPlatform.
func (e *PlatformError) Is(target error) bool { return target == ErrPlatform }

// CheckPlatform reports the first value of a (normalised) platform outside
// the known vocabulary, suggesting the nearest known value.
func CheckPlatform(p platform.Platform) error {
	if !slices.Contains(knownOS, p.OS) {
		return &PlatformError{Field: "os", Value: p.OS, Suggest: nearest(p.OS, knownOS)}
	}
	if !slices.Contains(knownArch, p.Architecture) {
		return &PlatformError{Field: "architecture", Value: p.Architecture, Suggest: nearest(p.Architecture, knownArch)}
	}
	if p.Variant != "" && !slices.Contains(knownVariants[p.Architecture], p.Variant) {
		return &PlatformError{Field: "variant", Value: p.Variant, Arch: p.Architecture} // the message lists them
	}
	return nil
}

// nearest returns the known value closest to s when it is close enough to
// be a likely typo, else "".
func nearest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" && len(s) >= 2 {
		for _, k := range known {
			if strings.HasPrefix(k, s) {
				return k
			}
		}
	}
	return best
}

// ParsePlatform reads one --platforms item: os/arch[/variant][:os.version],
// as in linux/arm/v7 or windows/amd64:10.0.20348.2227. Values are kept as
// written: no alias is rewritten and nothing comes from the local machine.
func ParsePlatform(item string) (platform.Platform, error) {
	s := strings.TrimSpace(item)
	var p platform.Platform
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s, p.OSVersion = s[:i], s[i+1:]
		if !osVersionRE.MatchString(p.OSVersion) {
			return platform.Platform{}, fmt.Errorf("os.version %q after ':' is not a version such as 10.0.20348.2227%.0w", p.OSVersion, ErrPlatform)
		}
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return platform.Platform{}, fmt.Errorf("%q is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)%.0w", item, ErrPlatform)
	}
	for _, part := range parts {
		if !platformPartRE.MatchString(part) {
			return platform.Platform{}, fmt.Errorf("%q is not os/arch[/variant]: %q must be lowercase letters, digits, '.', '_' or '-'%.0w", item, part, ErrPlatform)
		}
	}
	p.OS, p.Architecture = parts[0], parts[1]
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

var osVersionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]*$`)

// ParsePlatforms reads and normalises the items of a flag such as
// --require; an item that does not parse is an error naming it.
func ParsePlatforms(flag string, items []string) ([]platform.Platform, error) {
	var out []platform.Platform
	for _, item := range items {
		p, err := ParsePlatform(item)
		if err != nil {
			return nil, invalid(Pos{Field: fmt.Sprintf("%s %q", flag, item)}, err)
		}
		p, _ = NormalizePlatform(p)
		out = append(out, p)
	}
	return out, nil
}

// FormatPlatform writes a platform as os/arch[/variant][:os.version], the
// inverse of ParsePlatform.
func FormatPlatform(p platform.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	if p.OSVersion != "" {
		s += ":" + p.OSVersion
	}
	return s
}

// SamePlatform reports whether two platforms are one for an index: os,
// architecture and variant compared after normalisation (arm64 is
// arm64/v8, aarch64 is arm64); os.version counts only for Windows, where it
// tells host builds apart.
func SamePlatform(a, b platform.Platform) bool {
	if !platform.Match(osArchVariant(a), osArchVariant(b)) {
		return false
	}
	return a.OS != "windows" || a.OSVersion == b.OSVersion
}

// Contradicts reports whether an image's config gives another os,
// architecture, variant or Windows os.version than the declared platform.
func Contradicts(declared, config platform.Platform) bool {
	if config.OS == "" || config.Architecture == "" {
		return false
	}
	a, b := declared, config
	if a.Variant == "" || b.Variant == "" {
		a.Variant, b.Variant = "", ""
	}
	if a.OS != "windows" || a.OSVersion == "" || b.OSVersion == "" {
		a.OSVersion, b.OSVersion = "", ""
	}
	return !SamePlatform(a, b)
}

// Meets reports whether a platform an image has meets a required one
// (platforms --require): equal after normalisation (linux/arm64/v8 is
// linux/arm64); a required platform without a variant is met by any
// variant of it; one with an os.version by an os.version that is that
// version or starts with it (10.0.20348 is met by 10.0.20348.2227).
func Meets(have, required platform.Platform) bool {
	h := have
	if required.Variant == "" {
		h.Variant = ""
	}
	if !platform.Match(osArchVariant(h), osArchVariant(required)) {
		return false
	}
	v := required.OSVersion
	return v == "" || have.OSVersion == v || strings.HasPrefix(have.OSVersion, v+".")
}

// MergePlatform is manifest-tool's rule for a member's platform: a
// declared platform wins; a declared os/arch takes a missing variant,
// os.version and os.features from the config when the config has the same
// os and architecture; without a declaration the config's platform is
// used. It returns nil when neither gives an os and an architecture.
func MergePlatform(declared, config *platform.Platform) *platform.Platform {
	if declared == nil {
		if config == nil || config.OS == "" || config.Architecture == "" {
			return nil
		}
		p := *config
		return &p
	}
	p := *declared
	if config != nil && config.OS == p.OS && config.Architecture == p.Architecture {
		if p.Variant == "" {
			p.Variant = config.Variant
		}
		if p.OSVersion == "" {
			p.OSVersion = config.OSVersion
		}
		if len(p.OSFeatures) == 0 {
			p.OSFeatures = config.OSFeatures
		}
	}
	return &p
}

// osArchVariant is p without os.version, os.features and features, which
// platform.Match would otherwise compare too.
func osArchVariant(p platform.Platform) platform.Platform {
	return platform.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
}
