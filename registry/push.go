package registry

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// Tag statuses in a Result.
const (
	TagCreated   = "created"   // the tag did not exist
	TagUpdated   = "updated"   // the tag pointed at another manifest
	TagUnchanged = "unchanged" // the tag already pointed at this index
	TagFailed    = "failed"    // writing the tag failed
	TagSkipped   = "skipped"   // not attempted (an earlier step failed, or a dry run)
)

// How a member came to be in the target repository.
const (
	MemberPresent = "present" // it was already there
	MemberCopied  = "copied"  // it was copied (or mounted) from its source
)

// Result says what a push did, or in a dry run what it would do.
type Result struct {
	Target    string         `json:"target"`
	Digest    string         `json:"digest"`
	Size      int64          `json:"size"`
	MediaType string         `json:"mediaType"`
	DryRun    bool           `json:"dryRun"`
	Tags      []TagResult    `json:"tags"`
	Manifests []MemberResult `json:"manifests"`
	// Index holds the exact bytes of the index (in a dry run: that would
	// be pushed).
	Index json.RawMessage `json:"index,omitempty"`
}

// TagResult is the outcome for one tag (the target's own tag first).
type TagResult struct {
	Tag      string `json:"tag"`
	Status   string `json:"status"`
	Previous string `json:"previous,omitempty"`
}

// MemberResult is one entry of the index and how it reached the target.
type MemberResult struct {
	Image     string `json:"image"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	Platform  string `json:"platform,omitempty"`
	How       string `json:"how,omitempty"`
}

// Push writes a built and validated index: first every member that is not
// yet in the target repository (a registry refuses an index whose members
// it does not hold), then the index under the target's tag, then the extra
// tags, concurrently. Each tag is read once before it is written so that an
// unchanged tag is not rewritten and the result names what it pointed at.
// When it fails, the Result still says which tags were written.
func (c *Client) Push(ctx context.Context, target ref.Ref, tags []string, idx manifest.Index) (Result, error) {
	res := c.plan(target, tags, idx)
	allTags := uniqueTags(target.Tag, tags)
	hows, err := c.copyMembers(ctx, target, idx.Members)
	for i := range res.Manifests {
		res.Manifests[i].How = hows[i]
	}
	if err != nil {
		return res, err
	}

	// the index, with the target's own tag, in one PUT
	if err := c.putTag(ctx, target, idx, &res.Tags[0]); err != nil {
		return res, err
	}
	// then the extra tags
	errList := forEach(ctx, len(allTags)-1, c.concurrency, func(i int) error {
		return c.putTag(ctx, target.SetTag(allTags[i+1]), idx, &res.Tags[i+1])
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) { // never started
			errList[i] = c.opError("pushing the index to", target.SetTag(allTags[i+1]), err)
		}
	}
	return res, errors.Join(errList...)
}

// plan describes writing idx before anything is written: every tag
// skipped, no member's "how" known yet.
func (c *Client) plan(target ref.Ref, tags []string, idx manifest.Index) Result {
	d := idx.Descriptor()
	res := Result{Target: target.CommonName(), Digest: d.Digest.String(), Size: d.Size, MediaType: d.MediaType, Index: idx.Bytes()}
	for _, t := range uniqueTags(target.Tag, tags) {
		res.Tags = append(res.Tags, TagResult{Tag: t, Status: TagSkipped})
	}
	for _, m := range idx.Members {
		mr := MemberResult{Image: m.Entry.Image.CommonName(), Digest: m.Descriptor.Digest.String(), MediaType: m.Descriptor.MediaType}
		if m.Descriptor.Platform != nil && !m.Attestation() {
			mr.Platform = manifest.PlatformString(*m.Descriptor.Platform)
		}
		res.Manifests = append(res.Manifests, mr)
	}
	return res
}

// putTag points r's tag at the index unless it already points there.
func (c *Client) putTag(ctx context.Context, r ref.Ref, idx manifest.Index, tr *TagResult) error {
	want := idx.Descriptor().Digest
	tr.Status = TagCreated
	h, err := c.rc.ManifestHead(ctx, r)
	switch {
	case err == nil && h.GetDescriptor().Digest == want:
		tr.Status, tr.Previous = TagUnchanged, want.String()
		c.log.Infof("%s already points at %s", r.CommonName(), want)
		return nil
	case err == nil:
		tr.Status, tr.Previous = TagUpdated, h.GetDescriptor().Digest.String()
	case !errors.Is(err, errs.ErrNotFound):
		c.log.Debugf("reading tag %s before writing it: %v", r.CommonName(), err)
	}
	if err := c.rc.ManifestPut(ctx, r, idx.Manifest); err != nil {
		tr.Status = TagFailed
		return c.opError("pushing the index to", r, err)
	}
	c.log.Infof("pushed %s", r.CommonName())
	return nil
}

// copyMembers makes every member exist in the target repository. Members
// already in it cost nothing; the others are copied by digest (blobs are
// mounted within one registry), concurrently.
func (c *Client) copyMembers(ctx context.Context, target ref.Ref, members []manifest.Member) ([]string, error) {
	hows := make([]string, len(members))
	var mu sync.Mutex
	started := map[string]bool{}
	errList := forEach(ctx, len(members), c.concurrency, func(i int) error {
		m := members[i]
		dig := m.Descriptor.Digest.String()
		if ref.EqualRepository(m.Entry.Image, target) {
			hows[i] = MemberPresent
			return nil
		}
		mu.Lock()
		dup := started[dig]
		started[dig] = true
		mu.Unlock()
		if dup {
			hows[i] = MemberPresent
			return nil
		}
		src, tgt := m.Entry.Image.SetDigest(dig), target.SetDigest(dig)
		var skipped atomic.Bool
		cb := func(kind types.CallbackKind, instance string, state types.CallbackState, _, _ int64) {
			// the top-level manifest is reported without a digest
			if kind == types.CallbackManifest && instance == "" && state == types.CallbackSkipped {
				skipped.Store(true)
			}
		}
		if err := c.rc.ImageCopy(ctx, src, tgt, regclient.ImageWithCallback(cb)); err != nil {
			op := c.opError("copying", src, err)
			op.Ref += " into " + repoName(target)
			return op
		}
		if skipped.Load() {
			hows[i] = MemberPresent
			return nil
		}
		hows[i] = MemberCopied
		c.log.Infof("copied %s into %s", src.CommonName(), repoName(target))
		return nil
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) { // never started
			err = c.opError("copying", members[i].Entry.Image.SetDigest(members[i].Descriptor.Digest.String()), err)
		}
		if err != nil {
			errList[i] = &EntryError{Pos: members[i].Entry.Pos, Err: err}
		}
	}
	return hows, errors.Join(errList...)
}

// uniqueTags lists the target's tag then the extra tags, without repeats.
func uniqueTags(first string, extra []string) []string {
	out := []string{first}
	for _, t := range extra {
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// repoName names a repository without tag or digest.
func repoName(r ref.Ref) string {
	if r.Scheme == "ocidir" {
		return "ocidir://" + r.Path
	}
	return r.Registry + "/" + r.Repository
}
