package manifest

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/manifest-tool/manifest-tool/spec"
)

// Published is what a push prints for one document: the [Result] of its
// target, as it always was; for a document of several targets, that of
// the first, and every target's under Targets, each with its status. With
// --append and edit each target's index is its own, so their digests may
// differ.
type Published struct {
	Result
	Targets []TargetResult `json:"targets,omitempty"`
}

// TargetResult is one target of a document of several: its [Result]
// and what happened to it as a whole ([Result.TargetStatus]).
type TargetResult struct {
	Status TagStatus `json:"status"`
	Result
}

// ByDocument groups the results of a publish of specs (one per target,
// in spec order, as the registry package returns them) by document.
func ByDocument(specs []spec.Spec, results []Result) []Published {
	var out []Published
	for _, s := range specs {
		n := len(s.MoreTargets) + 1
		if len(results) < n {
			break
		}
		p := Published{Result: results[0]}
		if n > 1 {
			for _, r := range results[:n] {
				p.Targets = append(p.Targets, TargetResult{Status: r.TargetStatus(), Result: r})
			}
		}
		out = append(out, p)
		results = results[n:]
	}
	return out
}

// WriteText writes what a push prints: for one target, what [Result]
// writes; for several, per target its "Digest: sha256:<hex> <size>
// TARGET" line (when its index went out; in a dry run after the exact
// bytes, once for as long as they are the same) and a line per tag with
// what the push did to it; for an index pushed by its digest alone
// (--by-digest), "Reference: REPO@sha256:<hex> STATUS" instead of tags.
func (p Published) WriteText(w io.Writer) error {
	if len(p.Targets) == 0 {
		return p.Result.WriteText(w)
	}
	var b bytes.Buffer
	var shown []byte // the index bytes printed last, in a dry run
	for _, t := range p.Targets {
		r := t.Result
		if r.DryRun && !bytes.Equal(shown, r.Index) {
			fmt.Fprintf(&b, "%s\n", r.Index)
			shown = r.Index
		}
		if r.DryRun || r.Pushed() {
			fmt.Fprintf(&b, "Digest: %s %d %s\n", r.Digest, r.Size, r.Target)
		}
		if len(r.Tags) == 0 { // --by-digest: the reference instead of tags
			ref := cmp.Or(r.Reference, r.Target)
			fmt.Fprintf(&b, "Reference: %s %s\n", ref, t.Status)
			continue
		}
		repo := strings.TrimSuffix(r.Target, ":"+r.Tags[0].Tag)
		for _, tag := range r.Tags {
			fmt.Fprintf(&b, "%s:%s %s\n", repo, tag.Tag, tag.Status)
		}
	}
	// the members' tags, removed once for the document: as the first
	// target's result says (every target's says the same)
	if err := p.Targets[0].writeUntagged(&b); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteDigests writes what --quiet prints: for each target whose index
// went out (or in a dry run), its "Digest: sha256:<hex> <size>" line, with
// the target after it when the document has several; and for an index
// pushed by its digest alone (--by-digest), its "Reference:
// REPO@sha256:<hex>" line after that.
func (p Published) WriteDigests(w io.Writer) error {
	targets := p.Targets
	if len(targets) == 0 {
		targets = []TargetResult{{Result: p.Result}}
	}
	var b bytes.Buffer
	for _, t := range targets {
		r := t.Result
		if !r.DryRun && !r.Pushed() {
			continue
		}
		if len(p.Targets) == 0 {
			fmt.Fprintf(&b, "Digest: %s %d\n", r.Digest, r.Size)
		} else {
			fmt.Fprintf(&b, "Digest: %s %d %s\n", r.Digest, r.Size, r.Target)
		}
		if r.Reference != "" {
			fmt.Fprintf(&b, "Reference: %s\n", r.Reference)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
