package spec

import (
	"fmt"
	"strings"
)

// DefaultMaxTargets is how many targets one document (or one from-args
// run) may name unless [Limits.Targets] or [Args.MaxTargets] says
// otherwise: far above a release to every registry there is, far below
// what would flood the run with writes.
const DefaultMaxTargets = 64

// targetsOf parses the references of a document's targets, each at its
// position, and checks them as a set: at most max (DefaultMaxTargets when
// 0), and none named twice. limitHint says how to raise the limit.
func targetsOf(refs []string, pos []Pos, max int, limitHint string) ([]Target, error) {
	if max <= 0 {
		max = DefaultMaxTargets
	}
	if len(refs) > max {
		return nil, errorf(pos[max], ErrLimit, "more than %d targets in one document (%s raises the limit)", max, limitHint)
	}
	out := make([]Target, 0, len(refs))
	seen := map[string]int{} // repository:tag -> index in out
	for i, s := range refs {
		r, defaulted, err := parseRef(s, pos[i], true)
		if err != nil {
			return nil, err
		}
		key := r.CommonName()
		if j, dup := seen[key]; dup {
			first := out[j].Pos.String()
			if first == pos[i].String() {
				return nil, errorf(pos[i], ErrDuplicateTarget, "%s is given twice; give each target once", key)
			}
			return nil, errorf(pos[i], ErrDuplicateTarget, "%s is also named by %s; give each target once", key, first)
		}
		seen[key] = len(out)
		out = append(out, Target{Ref: r, TagDefaulted: defaulted, Pos: pos[i]})
	}
	return out, nil
}

// argTargets are the targets of a from-args or edit command line: each
// item of flag ("--target", "TARGET"), positioned by the flag alone when
// there is one, else by the flag and the item.
func argTargets(items []string, flag string, max int) ([]Target, error) {
	pos := make([]Pos, len(items))
	for i, item := range items {
		pos[i] = Pos{Field: flag}
		if len(items) > 1 {
			pos[i] = Pos{Field: fmt.Sprintf("%s %s", flag, quoteRef(strings.TrimSpace(item)))}
		}
		if strings.TrimSpace(item) == "" {
			return nil, errorf(pos[i], ErrMissing, "is empty")
		}
	}
	return targetsOf(items, pos, max, "--max-targets")
}
