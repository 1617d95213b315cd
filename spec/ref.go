package spec

import (
	"fmt"
	"strings"

	"github.com/regclient/regclient/types/ref"
)

// parseRef parses an image reference found at pos; see newRef.
func parseRef(s string, pos Pos, target bool) (ref.Ref, bool, error) {
	r, defaulted, err := newRef(s, target)
	if err != nil {
		return ref.Ref{}, false, invalid(pos, err)
	}
	return r, defaulted, nil
}

// newRef parses an image reference. A target must not carry a digest (the
// index's digest is only known once it is built); when it has no tag it gets
// "latest" and defaulted reports so.
func newRef(s string, target bool) (r ref.Ref, defaulted bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ref.Ref{}, false, fmt.Errorf("image reference is empty%.0w", ErrMissing)
	}
	r, err = ref.New(s)
	if err != nil {
		return ref.Ref{}, false, fmt.Errorf("%v%.0w", err, ErrReference)
	}
	last := s[strings.LastIndex(s, "/")+1:]
	defaulted = r.Tag == "latest" && r.Digest == "" && !strings.Contains(last, ":")
	if target && r.Digest != "" {
		return ref.Ref{}, false, fmt.Errorf("target %q names a digest; name a tag instead (the index's digest is known only once it is built)%.0w", s, ErrReference)
	}
	return r, defaulted, nil
}
