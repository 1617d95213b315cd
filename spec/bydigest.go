package spec

// ByDigest makes each spec push its index by its digest alone, with no
// tag (--by-digest), in every one of its targets: each target's "latest"
// default is dropped. A target written with a tag, or extra tags, is bad
// input naming where it was given: a tag would be written, which
// --by-digest says not to do.
func ByDigest(specs []Spec) error {
	var errList []error
	for i := range specs {
		s := &specs[i]
		tagged := false
		for _, t := range s.AllTargets() {
			if !t.TagDefaulted && t.Ref.Tag != "" {
				errList = append(errList, errorf(t.Pos, ErrReference, "%s carries the tag %q; --by-digest pushes the index by its digest alone: drop the tag", quoteRef(t.Ref.CommonName()), t.Ref.Tag))
				tagged = true
			}
		}
		if tagged {
			continue
		}
		if len(s.Tags) > 0 {
			pos := s.Pos
			if len(s.TagsPos) > 0 {
				pos = s.TagsPos[0]
			}
			errList = append(errList, errorf(pos, ErrReference, "--by-digest pushes no tag: drop the tags, or push without --by-digest"))
			continue
		}
		s.Target, s.TagDefaulted, s.ByDigest = s.Target.SetTag(""), false, true
		for k := range s.MoreTargets {
			t := &s.MoreTargets[k]
			t.Ref, t.TagDefaulted = t.Ref.SetTag(""), false
		}
	}
	return Join(errList...)
}
