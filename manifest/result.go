package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest/untag"
	"github.com/manifest-tool/manifest-tool/spec"
)

// TagStatus is what a push did to one tag.
type TagStatus string

// Tag statuses in a Result.
const (
	TagCreated   TagStatus = "created"   // the tag did not exist
	TagUpdated   TagStatus = "updated"   // the tag pointed at another manifest
	TagUnchanged TagStatus = "unchanged" // the tag already pointed at this index
	TagFailed    TagStatus = "failed"    // writing the tag failed
	TagSkipped   TagStatus = "skipped"   // not attempted (an earlier step failed, or a dry run)
)

// How says how a member (or one of its blobs) came to be in the target
// repository; "" while it is not there yet.
type How string

// The ways into the target repository.
const (
	HowPresent How = "present" // it was already there
	HowMounted How = "mounted" // its blobs were mounted from another repository of the registry
	HowCopied  How = "copied"  // bytes were copied from its source
)

// Result says what a push did, or in a dry run what it would do.
type Result struct {
	Target    string      `json:"target"`
	Digest    string      `json:"digest"`
	Size      int64       `json:"size"`
	MediaType string      `json:"mediaType"`
	DryRun    bool        `json:"dryRun"`
	Tags      []TagResult `json:"tags"`
	// Reference is repository@digest for an index pushed by its digest
	// alone (--by-digest: no tags), and Status what writing it did:
	// created, unchanged when the repository held it already, failed or
	// skipped.
	Reference string         `json:"reference,omitempty"`
	Status    TagStatus      `json:"status,omitempty"`
	Manifests []MemberResult `json:"manifests"`
	// Index holds, in a dry run, the exact bytes that would be pushed.
	Index json.RawMessage `json:"index,omitempty"`
	// Changed says, for --append and edit, what the change did; nil for a
	// plain push.
	*Changed
	// Errors are the failures that stopped this document before anything
	// was written ([Failed]), a line each.
	Errors []string `json:"errors,omitempty"`
}

// Changed is what --append or edit did: which platforms were kept, added,
// replaced and removed, and how many writes it needed (Rounds: 1 when no
// other writer interfered, 0 when the index held the change already or in
// a dry run).
type Changed struct {
	Diff
	Rounds int `json:"rounds"`
}

// TagResult is the outcome for one tag (the target's own tag first).
type TagResult struct {
	Tag    string    `json:"tag"`
	Status TagStatus `json:"status"`
	// Previous is the digest the tag pointed at before the push; "" when
	// the tag did not exist.
	Previous string `json:"previous,omitempty"`
}

// MemberResult is one entry of the index and how it reached the target.
type MemberResult struct {
	Image     string `json:"image"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	Platform  string `json:"platform,omitempty"`
	How       How    `json:"how,omitempty"`
	// Referrers are the manifests whose subject is this one that --referrers
	// copied with it (signatures, SBOMs, attestations).
	Referrers []ReferrerResult `json:"referrers,omitempty"`
	// Untagged is what --untag-members did to the tag the member was
	// found by (true when it is gone); nil without --untag-members.
	Untagged *untag.Status `json:"untagged,omitempty"`
	// Error is the failure that is this member's own, in a [Failed]
	// result (it could not be resolved: not found, unauthorized...).
	Error string `json:"error,omitempty"`
}

// ReferrerResult is a referrer copied with a member, and how.
type ReferrerResult struct {
	Digest       string `json:"digest"`
	ArtifactType string `json:"artifactType,omitempty"`
	How          How    `json:"how"`
}

// Tags lists the tags a push writes: the target's own, then the extra
// ones, without repeats.
func Tags(target ref.Ref, extra []string) []string {
	out := []string{target.Tag}
	for _, t := range extra {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// ByDigest is r, a [Plan], made the plan of pushing its index to target
// by its digest alone (--by-digest): no tag, and the reference
// repository@digest, skipped.
func (r Result) ByDigest(target ref.Ref) Result {
	r.Tags = []TagResult{}
	r.Reference, r.Status = target.SetDigest(r.Digest).CommonName(), TagSkipped
	return r
}

// Plan describes pushing idx to target with the extra tags before anything
// is written: every tag skipped, with the digest it points at now
// (previous, in the order of [Tags]; "" for a tag that does not exist), and
// no member's How yet.
func Plan(target ref.Ref, tags []string, idx Index, previous []string) Result {
	d := idx.Descriptor()
	res := Result{Target: target.CommonName(), Digest: d.Digest.String(), Size: d.Size, MediaType: d.MediaType}
	for i, t := range Tags(target, tags) {
		tr := TagResult{Tag: t, Status: TagSkipped}
		if i < len(previous) {
			tr.Previous = previous[i]
		}
		res.Tags = append(res.Tags, tr)
	}
	for _, m := range idx.Members {
		mr := MemberResult{Image: m.Entry.Image.CommonName(), Digest: m.Descriptor.Digest.String(), MediaType: m.Descriptor.MediaType}
		if m.Descriptor.Platform != nil && !m.Attestation() {
			mr.Platform = spec.FormatPlatform(*m.Descriptor.Platform)
		}
		res.Manifests = append(res.Manifests, mr)
	}
	return res
}

// Failed is the result, for one of its targets, of a document that failed
// before anything was written: its members could not all be resolved, or
// its index was invalid; or of a target whose tags could not be read. Every tag is skipped; each
// member lists its image and, when the failure is its own, that failure;
// Errors holds every failure of the document.
func Failed(s spec.Spec, target ref.Ref, err error) Result {
	res := Result{Target: target.CommonName()}
	if s.ByDigest { // no tag: the reference by digest is skipped
		res.Tags, res.Status = []TagResult{}, TagSkipped
	} else {
		for _, t := range Tags(target, s.ExtraTags(target)) {
			res.Tags = append(res.Tags, TagResult{Tag: t, Status: TagSkipped})
		}
	}
	failures := spec.Split(err)
	for _, e := range s.Manifests {
		mr := MemberResult{Image: e.Image.CommonName()}
		for _, f := range failures {
			if slices.Contains(positions(f), e.Pos) {
				mr.Error = f.Error()
				break
			}
		}
		res.Manifests = append(res.Manifests, mr)
	}
	for _, f := range failures {
		res.Errors = append(res.Errors, f.Error())
	}
	return res
}

// Positioned is a failure that stands for several members of the input
// ("… (and 2 more members)"): Positions says where each one is, so that
// [Failed] gives each its failure.
type Positioned interface {
	error
	Positions() []spec.Pos
}

// positions says where in the input the members a failure is about are:
// each of those a [Positioned] failure stands for, or the one of its own.
func positions(err error) []spec.Pos {
	var m Positioned
	if errors.As(err, &m) && len(m.Positions()) > 0 {
		return m.Positions()
	}
	if se := (*spec.Error)(nil); errors.As(err, &se) {
		return []spec.Pos{se.Pos}
	}
	return nil
}

// Write says what writing the index (of digest) under the tag does: nothing
// when the tag points there already (TagUnchanged), else TagCreated or
// TagUpdated.
func (t TagResult) Write(digest string) TagStatus {
	switch t.Previous {
	case digest:
		return TagUnchanged
	case "":
		return TagCreated
	}
	return TagUpdated
}

// TargetStatus says in one word what the push did to the target as a
// whole: failed when a tag failed or the target failed before or while
// its index was written (Errors); skipped when its index was not written
// (a dry run, or another failure stopped the run first); unchanged when
// no tag changed and nothing was copied; else what its own tag got.
func (r Result) TargetStatus() TagStatus {
	if len(r.Errors) > 0 || slices.ContainsFunc(r.Tags, func(t TagResult) bool { return t.Status == TagFailed }) {
		return TagFailed
	}
	own := r.ownStatus()
	if own == TagSkipped || own == "" {
		return TagSkipped
	}
	copied := slices.ContainsFunc(r.Manifests, func(m MemberResult) bool { return m.How == HowCopied || m.How == HowMounted })
	if own != TagUnchanged {
		return own
	}
	if copied || slices.ContainsFunc(r.Tags, func(t TagResult) bool { return t.Status != TagUnchanged }) {
		return TagUpdated // another tag, or a member, changed
	}
	return TagUnchanged
}

// ownStatus is what the push did to the target's own tag, or for an
// index pushed by its digest alone (no tag), to that digest.
func (r Result) ownStatus() TagStatus {
	if len(r.Tags) > 0 {
		return r.Tags[0].Status
	}
	return r.Status
}

// Pushed reports whether the index went out under the target's tag, or
// by its digest.
func (r Result) Pushed() bool {
	status := r.ownStatus()
	return status != "" && status != TagSkipped && status != TagFailed
}

// Wrote says whether anything of this index reached the target: a member
// copied or mounted, or a tag written.
func (r Result) Wrote() bool {
	for _, m := range r.Manifests {
		if m.How == HowCopied || m.How == HowMounted {
			return true
		}
	}
	return r.Pushed()
}

// Done says in one line what a run that stopped part-way wrote for this
// index: the members in place, whether the index went out, and each tag.
func (r Result) Done() string {
	placed := 0
	for _, m := range r.Manifests {
		if m.How != "" {
			placed++
		}
	}
	var written, not []string
	if r.Reference != "" {
		r.Tags = []TagResult{{Tag: r.Reference, Status: r.Status}}
	}
	for _, t := range r.Tags {
		switch t.Status {
		case TagCreated, TagUpdated, TagUnchanged:
			written = append(written, t.Tag)
		default:
			not = append(not, t.Tag)
		}
	}
	line := fmt.Sprintf("%s: %d of %d members in the repository", r.Target, placed, len(r.Manifests))
	switch {
	case len(written) == 0:
		return line + "; the index was not pushed and no tag changed"
	case len(not) == 0:
		return line + "; the index was pushed as " + strings.Join(written, ", ")
	}
	return line + "; the index was pushed as " + strings.Join(written, ", ") + ", not yet as " + strings.Join(not, ", ")
}

// WriteText writes what manifest-tool v2 prints for a push: "Digest:
// sha256:<hex> <size>" once the index is pushed, after the exact bytes of
// the index in a dry run, and nothing for an index that was not pushed.
func (r Result) WriteText(w io.Writer) error {
	var err error
	switch {
	case r.DryRun:
		_, err = fmt.Fprintf(w, "%s\nDigest: %s %d\n", r.Index, r.Digest, r.Size)
	case r.Pushed():
		_, err = fmt.Fprintf(w, "Digest: %s %d\n", r.Digest, r.Size)
	}
	if err == nil && r.Reference != "" && (r.DryRun || r.Pushed()) {
		_, err = fmt.Fprintf(w, "Reference: %s\n", r.Reference)
	}
	if err == nil {
		err = r.writeUntagged(w)
	}
	return err
}

// writeUntagged writes what --untag-members did to the members' tags
// ([untag.Lines]); nothing without it.
func (r Result) writeUntagged(w io.Writer) error {
	var statuses []untag.Status
	for _, m := range r.Manifests {
		if m.Untagged != nil {
			statuses = append(statuses, *m.Untagged)
		}
	}
	for _, line := range untag.Lines(statuses, r.DryRun) {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
