package manifest

import (
	"strings"

	"github.com/regclient/regclient/types/platform"
)

// platformSet holds the platforms seen so far, so that a new one is
// compared only with those that may be the same (one os, architecture and
// variant after regclient's normalisation) and a check of n members costs
// n steps, not n²: a spec may hold thousands.
type platformSet[T any] struct {
	by  map[string][]T
	odd []T // platforms regclient cannot parse, compared with every one
	all []T
}

// key is p's os/architecture/variant as regclient normalises them, which
// two platforms that platform.Match calls the same share; ok is false when
// regclient cannot parse them.
func key(p platform.Platform) (string, bool) {
	if p.OS == "" || p.Architecture == "" || strings.ContainsAny(p.OS+p.Architecture+p.Variant, "/,") {
		return "", false // a part that would shift the others in the string parsed
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	n, err := platform.Parse(s)
	if err != nil {
		return "", false
	}
	return n.OS + "/" + n.Architecture + "/" + n.Variant, true
}

// candidates lists the members that may have the platform p: those of its
// key in the order they were added, after those without a key.
func (s *platformSet[T]) candidates(p platform.Platform) []T {
	k, ok := key(p)
	if !ok {
		return s.all
	}
	if len(s.odd) == 0 {
		return s.by[k]
	}
	return append(append([]T(nil), s.odd...), s.by[k]...)
}

// add records v, of platform p.
func (s *platformSet[T]) add(p platform.Platform, v T) {
	s.all = append(s.all, v)
	k, ok := key(p)
	if !ok {
		s.odd = append(s.odd, v)
		return
	}
	if s.by == nil {
		s.by = map[string][]T{}
	}
	s.by[k] = append(s.by[k], v)
}
