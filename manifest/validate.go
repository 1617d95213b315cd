package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regclient/regclient/types/platform"
)

// Validate checks an index before it is written and returns every problem
// it finds as Problems (nil when there is none):
//   - it has at least one member;
//   - every entry has a valid digest and a size;
//   - every image (not attestation) entry has a platform with os and
//     architecture, and no two images share a platform;
//   - a Docker list carries no index annotations and no entry annotations
//     other than BuildKit's vnd.docker.reference.* ones.
func Validate(idx Index) error {
	var probs Problems
	add := func(kind error, format string, args ...any) {
		probs = append(probs, fmt.Errorf("%s%.0w", fmt.Sprintf(format, args...), kind))
	}
	if len(idx.Members) == 0 {
		add(ErrEmpty, "the index has no members")
	}
	if idx.Type == Docker && len(idx.Annotations) > 0 {
		add(ErrAnnotations, "index annotations (%s) need --type oci: a Docker manifest list cannot carry them", keys(idx.Annotations))
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
		if idx.Type == Docker {
			var user []string
			for k := range d.Annotations {
				if !strings.HasPrefix(k, "vnd.docker.reference.") {
					user = append(user, k)
				}
			}
			if len(user) > 0 {
				sort.Strings(user)
				add(ErrAnnotations, "%s: entry annotations (%s) need --type oci: a Docker manifest list cannot carry them", m, strings.Join(user, ", "))
			}
		}
		if m.Attestation() {
			continue
		}
		if d.Platform == nil || d.Platform.OS == "" || d.Platform.Architecture == "" {
			add(ErrEntry, "%s: no platform (os and architecture): declare one in the spec", m)
			continue
		}
		for _, prev := range images {
			if platform.Match(prev.p, *d.Platform) && prev.p.OSVersion == d.Platform.OSVersion {
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

func keys(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
