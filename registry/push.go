package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/regclient/regclient"

	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Tag statuses in a Result.
const (
	TagCreated   = "created"   // the tag did not exist
	TagUpdated   = "updated"   // the tag pointed at another manifest
	TagUnchanged = "unchanged" // the tag already pointed at this index
	TagFailed    = "failed"    // writing the tag failed
	TagSkipped   = "skipped"   // not attempted (an earlier step failed, or a dry run)
)

// How a member (or a blob) came to be in the target repository.
const (
	MemberPresent = "present" // it was already there
	MemberMounted = "mounted" // its blobs were mounted from another repository of the registry
	MemberCopied  = "copied"  // bytes were copied from its source
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
	// Index holds, in a dry run, the exact bytes that would be pushed.
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

// readTags reads what the target's tag and each extra tag point at now
// (one HEAD each, concurrently): "" for a tag that does not exist.
func (c *Client) readTags(ctx context.Context, target ref.Ref, tags []string) ([]string, error) {
	all := uniqueTags(target.Tag, tags)
	prev := make([]string, len(all))
	errList := forEach(ctx, len(all), c.concurrency, func(i int) error {
		r := target.SetTag(all[i])
		h, err := c.rc.ManifestHead(ctx, r, regclient.WithManifestRequireDigest())
		switch {
		case err == nil:
			prev[i] = h.GetDescriptor().Digest.String()
		case !errors.Is(err, errs.ErrNotFound) && !errors.Is(err, fs.ErrNotExist): // (a layout not made yet)
			return c.opError("reading the tag", r, err)
		}
		return nil
	})
	return prev, spec.Join(mergeCauses(errList)...)
}

// write copies the members, then writes the tags res has read.
func (c *Client) write(ctx context.Context, target ref.Ref, idx manifest.Index, res Result) (Result, error) {
	hows, err := c.copyMembers(ctx, target, idx.Members)
	for i := range res.Manifests {
		res.Manifests[i].How = hows[i]
	}
	if err != nil {
		return res, err
	}
	// the index, with the target's own tag, in one PUT; then the others
	if err := c.putTag(ctx, target, idx, &res.Tags[0]); err != nil {
		return res, err
	}
	errList := forEach(ctx, len(res.Tags)-1, c.concurrency, func(i int) error {
		return c.putTag(ctx, target.SetTag(res.Tags[i+1].Tag), idx, &res.Tags[i+1])
	})
	for i, err := range errList {
		if err != nil && !errors.As(err, new(*OpError)) { // never started
			errList[i] = c.opError("pushing the index to", target.SetTag(res.Tags[i+1].Tag), err)
		}
	}
	return res, spec.Join(mergeCauses(errList)...)
}

// Pushed reports whether the index went out under the target's tag.
func (r Result) Pushed() bool {
	return r.Tags[0].Status != TagSkipped && r.Tags[0].Status != TagFailed
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

// plan describes writing idx before anything is written: every tag
// skipped, no member's "how" known yet.
func (c *Client) plan(target ref.Ref, tags []string, idx manifest.Index) Result {
	d := idx.Descriptor()
	res := Result{Target: target.CommonName(), Digest: d.Digest.String(), Size: d.Size, MediaType: d.MediaType}
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

// putTag points r's tag at the index, unless it already points there.
func (c *Client) putTag(ctx context.Context, r ref.Ref, idx manifest.Index, tr *TagResult) error {
	want := idx.Descriptor().Digest.String()
	switch tr.Previous {
	case want:
		tr.Status = TagUnchanged
		c.log.Infof("%s already points at %s", r.CommonName(), want)
		return nil
	case "":
		tr.Status = TagCreated
	default:
		tr.Status = TagUpdated
	}
	if err := c.rc.ManifestPut(ctx, r, idx.Manifest); err != nil {
		tr.Status = TagFailed
		return c.opError("pushing the index to", r, err)
	}
	c.log.Infof("pushed %s (%s)", r.CommonName(), tr.Status)
	return nil
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
