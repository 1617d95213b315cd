package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/spec"
)

// Validate checks an index before it is written and returns every problem
// it finds as Problems (nil when there is none):
//   - it has at least one member;
//   - every entry has a valid digest and a size;
//   - every image (not attestation) entry has a platform with os and
//     architecture, and no two images share a platform;
//   - a Docker list carries no index annotations.
//
// Entry annotations a member brings from its own index (BuildKit's
// vnd.docker.reference.* on attestations) are kept as they are; the ones a
// user asks for are refused for Docker lists by CheckAnnotations, before
// anything is fetched.
func Validate(idx Index) error {
	var probs Problems
	add := func(kind error, format string, args ...any) {
		probs = append(probs, fmt.Errorf("%s%.0w", fmt.Sprintf(format, args...), kind))
	}
	if len(idx.Members) == 0 {
		add(ErrEmpty, "the index has no members")
	}
	if idx.Type == Docker && len(idx.Annotations) > 0 {
		add(ErrAnnotations, "index annotations (%s): %s", keys(idx.Annotations), dockerAnnotations)
	}
	type seen struct {
		m Member
		p platform.Platform
	}
	var images []seen
	for _, m := range idx.Members {
		d := m.Descriptor
		if err := d.Digest.Validate(); err != nil {
			add(ErrEntry, "%s: invalid digest %q: %v", m, d.Digest, err)
		}
		if d.Size <= 0 {
			add(ErrEntry, "%s: size %d, want > 0", m, d.Size)
		}
		if m.Attestation() {
			continue
		}
		if d.Platform == nil || d.Platform.OS == "" || d.Platform.Architecture == "" {
			add(ErrEntry, "%s: no platform (os and architecture): declare one in the spec", m)
			continue
		}
		for _, prev := range images {
			if samePlatform(prev.p, *d.Platform) {
				add(ErrDuplicatePlatform, "%s: platform %s is already provided by %s", m, PlatformString(*d.Platform), prev.m)
				break
			}
		}
		images = append(images, seen{m, *d.Platform})
	}
	if len(probs) == 0 {
		return nil
	}
	return probs
}

// samePlatform compares os/arch/variant after normalisation (arm64 is
// arm64/v8, aarch64 is arm64); os.version counts only for Windows, where it
// tells host builds apart.
func samePlatform(a, b platform.Platform) bool {
	strip := func(p platform.Platform) platform.Platform {
		return platform.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
	}
	if !platform.Match(strip(a), strip(b)) {
		return false
	}
	return a.OS != "windows" || a.OSVersion == b.OSVersion
}

// PlatformString writes a platform as os/arch[/variant][:os.version], the
// way users write them on the command line (windows/amd64:10.0.20348.2227).
func PlatformString(p platform.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	if p.OSVersion != "" {
		s += ":" + p.OSVersion
	}
	return s
}

const dockerAnnotations = "a Docker manifest list cannot carry annotations; use --type oci"

// CheckAnnotations refuses, before any request, the annotations a spec
// asks for when the index is a Docker list, naming where they were given.
func CheckAnnotations(s spec.Spec, t Type) error {
	if t != Docker {
		return nil
	}
	refuse := func(pos spec.Pos) error {
		return fmt.Errorf("%s: %s%.0w%.0w", pos, dockerAnnotations, ErrAnnotations, ErrInvalid)
	}
	if len(s.Annotations) > 0 {
		return refuse(s.AnnotationsPos)
	}
	for _, e := range s.Manifests {
		if len(e.Annotations) > 0 {
			return refuse(e.AnnotationsPos)
		}
	}
	return nil
}

func keys(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
