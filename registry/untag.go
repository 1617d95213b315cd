package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/untag"
	"github.com/manifest-tool/manifest-tool/spec"
)

// UntagError is a member tag --untag-members could not remove for another
// reason than a refusal (a 5xx after the retries, an answer that makes no
// sense). Tags are removed only once every target holds the index, so a
// run whose every error is an UntagError has published it everywhere: its
// outputs (--metadata-file, the step outputs) are written all the same.
type UntagError struct{ Err error }

func (e *UntagError) Error() string { return e.Err.Error() }
func (e *UntagError) Unwrap() error { return e.Err }

// OnlyUntagFailed reports whether err holds only [UntagError]s: every
// target holds the index, and only the clearing of member tags failed.
func OnlyUntagFailed(err error) bool {
	list := spec.Split(err)
	return len(list) > 0 && !slices.ContainsFunc(list, func(e error) bool { return !errors.As(e, new(*UntagError)) })
}

// memberTag is a tag a member was found by, which --untag-members removes.
type memberTag struct {
	ref    ref.Ref
	want   string // the digest it pointed at when the member was resolved
	status untag.Status
}

// resolvedTag is what a member's tag pointed at when it was resolved.
type resolvedTag struct {
	digest string   // the manifest's
	images []string // the images it reaches: itself, or an index's images
}

// noteResolved keeps what the tag r pointed at when it was resolved (m),
// for --untag-members: a tag is removed only while it still points there,
// and only when the index written holds every image it reaches.
func (c *Client) noteResolved(r ref.Ref, m rcmanifest.Manifest) {
	if r.Tag == "" || r.Digest != "" || r.Scheme == "ocidir" {
		return
	}
	rt := resolvedTag{digest: m.GetDescriptor().Digest.String()}
	if idx, ok := m.(rcmanifest.Indexer); ok && m.IsList() {
		list, _ := idx.GetManifestList()
		for _, d := range list {
			if d.Annotations[manifest.AnnotationReferenceType] == "" {
				rt.images = append(rt.images, d.Digest.String())
			}
		}
	} else {
		rt.images = []string{rt.digest}
	}
	c.resolvedTags.Store(r.CommonName(), rt)
}

// untagWanted says whether any document asks for --untag-members.
func untagWanted(jobs []*job) bool {
	return slices.ContainsFunc(jobs, func(j *job) bool { return j.opts.UntagMembers })
}

// untagMembers is --untag-members for the documents that ask for it, once
// every target of the run is written (done): when each target reads back
// the index's digest (a HEAD each), each tag a member was found by is
// removed (see [Client.untagOne]), and each member's result says what
// became of its tag. In a dry run nothing is sent: the tags that would go
// are listed. Refusals and tags kept are warnings; the error is that of a
// tag that could not be removed otherwise (a network failure, a 5xx).
func (c *Client) untagMembers(ctx context.Context, jobs []*job, targets []*target, done, dryRun bool) error {
	protected := map[string]bool{} // every tag the run writes
	for _, t := range targets {
		if !t.j.spec.ByDigest {
			for _, tag := range manifest.Tags(t.ref, t.j.spec.ExtraTags(t.ref)) {
				protected[t.ref.SetTag(tag).CommonName()] = true
			}
		}
	}
	skip := ""
	switch {
	case dryRun:
	case !done:
		skip = "not tried: the index did not reach every target"
	default:
		skip = c.readBack(ctx, targets)
	}
	tags := map[string]*memberTag{}
	var order []*memberTag
	listed, digests := listedMembers(targets)
	for _, j := range jobs {
		if !j.opts.UntagMembers {
			continue
		}
		for _, e := range j.spec.Manifests {
			name := e.Image.CommonName()
			if tags[name] != nil {
				continue
			}
			if !listed[name] {
				// --platforms or --ignore-missing left all of it out: its
				// tag may be the only one its images have
				c.log.Debugf("%s: %s is not in the index: its tag stays", e.Pos, name)
				continue
			}
			mt := &memberTag{ref: e.Image, status: c.untagPlan(e.Image, protected, dryRun, skip)}
			if w, ok := c.resolvedTags.Load(name); ok {
				rt := w.(resolvedTag)
				mt.want = rt.digest
				if held := countIn(rt.images, digests); held < len(rt.images) && mt.status.State != untag.Kept {
					mt.status = untag.Status{Tag: name, State: untag.Kept, Reason: fmt.Sprintf("it points at an index of %d images, of which the index written holds %d: the tag may be all that keeps the others", len(rt.images), held)}
				}
				if j.spec.ByDigest && mt.status.State != untag.Kept {
					// no tag holds the index: the members' would be the last
					mt.status = untag.Status{Tag: name, State: untag.Kept, Reason: "the index is pushed by its digest alone (--by-digest): no tag holds it, so the members' tags stay"}
				}
			}
			tags[name] = mt
			if mt.status.State == "" {
				order = append(order, mt)
			}
		}
	}
	err := c.untagAll(ctx, order)
	for _, t := range targets {
		if !t.j.opts.UntagMembers {
			continue
		}
		for i, m := range t.result.Manifests {
			if mt := tags[m.Image]; mt != nil {
				t.result.Manifests[i].Untagged = &mt.status
			}
		}
	}
	return err
}

// listedMembers names the members (their references as given) that the
// results of the documents asking for --untag-members list: those that
// put at least one entry in the index. A member --platforms left out
// entirely is not among them, and its tag is not removed: the index does
// not hold its image, so the tag may be all that keeps it.
// It also returns the digests of the entries those results list.
func listedMembers(targets []*target) (names, digests map[string]bool) {
	names, digests = map[string]bool{}, map[string]bool{}
	for _, t := range targets {
		if t.j.opts.UntagMembers {
			for _, m := range t.result.Manifests {
				if m.Digest != "" {
					names[m.Image], digests[m.Digest] = true, true
				}
			}
		}
	}
	return names, digests
}

// countIn is how many of digests are in set.
func countIn(digests []string, set map[string]bool) int {
	n := 0
	for _, d := range digests {
		if set[d] {
			n++
		}
	}
	return n
}

// untagPlan is what becomes of the tag a member was found by before any
// request: nothing to do (no tag, or a tag the run writes), listed (a dry
// run), not tried (skip says why), or "" to remove.
func (c *Client) untagPlan(r ref.Ref, protected map[string]bool, dryRun bool, skip string) untag.Status {
	name := r.CommonName()
	switch {
	case r.Scheme == "ocidir":
		return untag.Status{State: untag.None, Reason: "read from an OCI layout: no tag to remove"}
	case r.Digest != "":
		return untag.Status{State: untag.None, Reason: "given by digest: no tag to remove"}
	case protected[name]:
		return untag.Status{Tag: name, State: untag.Kept, Reason: "it is also a tag this run writes"}
	}
	if _, ok := c.resolvedTags.Load(name); !ok {
		return untag.Status{Tag: name, State: untag.Skipped, Reason: "not tried: the member was not resolved (missing)"}
	}
	switch {
	case dryRun:
		return untag.Status{Tag: name, State: untag.Planned, Reason: "dry run: removed once every target holds the index"}
	case skip != "":
		return untag.Status{Tag: name, State: untag.Skipped, Reason: skip}
	}
	return untag.Status{Tag: name}
}

// readBack reads each target's index back (a HEAD each, concurrently) and
// says why untagging is not safe when one does not show the digest its
// result says, or "".
func (c *Client) readBack(ctx context.Context, targets []*target) string {
	why := make([]string, len(targets))
	forEach(ctx, len(targets), c.concurrency, func(i int) error {
		t := targets[i]
		if !t.j.opts.UntagMembers {
			return nil
		}
		r := t.ref
		if t.j.spec.ByDigest {
			r = r.SetDigest(t.result.Digest)
		}
		unlock, err := c.lockToRead(ctx, r)
		if err != nil {
			why[i] = "not tried: " + c.opError("reading back", r, err).Error()
			return nil
		}
		defer unlock()
		m, err := c.headOf(ctx, r)
		switch {
		case err != nil:
			why[i] = "not tried: " + c.opError("reading back", r, err).Error()
		case m.GetDescriptor().Digest.String() != t.result.Digest:
			why[i] = "not tried: " + r.CommonName() + " reads back " + m.GetDescriptor().Digest.String() + ", not the index pushed (" + t.result.Digest + "): another writer?"
		}
		return nil
	})
	for _, w := range why {
		if w != "" {
			c.log.Warnf("--untag-members: %s", strings.TrimPrefix(w, "not tried: "))
			return w
		}
	}
	return ""
}

// untagAll removes the tags, a repository at a time: its first tag alone,
// so that a registry that refuses is asked once, then the others
// concurrently. A warning per registry names the tags it refused to
// remove.
func (c *Client) untagAll(ctx context.Context, tags []*memberTag) error {
	var repos [][]*memberTag
	at := map[string]int{}
	for _, mt := range tags {
		key := repoName(mt.ref)
		if _, ok := at[key]; !ok {
			at[key] = len(repos)
			repos = append(repos, nil)
		}
		repos[at[key]] = append(repos[at[key]], mt)
	}
	errList := forEach(ctx, len(repos), c.concurrency, func(i int) error {
		group := repos[i]
		err := c.untagOne(ctx, group[0])
		if group[0].status.State == untag.Refused {
			for _, mt := range group[1:] {
				mt.status = untag.Status{Tag: mt.ref.CommonName(), State: untag.Refused, Reason: group[0].status.Reason}
			}
			return err
		}
		rest := forEach(ctx, len(group)-1, c.concurrency, func(k int) error { return c.untagOne(ctx, group[k+1]) })
		return spec.Join(append([]error{err}, rest...)...)
	})
	c.warnRefused(tags)
	return spec.Join(errList...)
}

// warnRefused warns once per registry that refused to delete tags, naming
// the tags left behind.
func (c *Client) warnRefused(tags []*memberTag) {
	left := map[string][]string{}
	var hosts []string
	reason := map[string]string{}
	for _, mt := range tags {
		if mt.status.State != untag.Refused {
			continue
		}
		h := mt.ref.Registry
		if left[h] == nil {
			hosts = append(hosts, h)
			reason[h] = mt.status.Reason
		}
		left[h] = append(left[h], mt.ref.Repository+":"+mt.ref.Tag)
	}
	for _, h := range hosts {
		c.log.Warnf("%s does not delete tags (%s); left behind: %s. Remove them with the registry's own API or UI", h, reason[h], strings.Join(left[h], ", "))
	}
}

// untagOne removes one tag: a HEAD, to check that it still points at the
// member (a tag another writer moved is kept), the DELETE of the tag, and
// a HEAD to check that it is gone. Its status says what happened; the
// error is a failure that is neither a refusal nor a kept tag.
func (c *Client) untagOne(ctx context.Context, mt *memberTag) error {
	name := mt.ref.CommonName()
	st := &mt.status
	st.Tag = name
	now, err := c.tagDigest(ctx, mt.ref)
	switch {
	case err != nil:
		*st = untag.Status{Tag: name, State: untag.Failed, Reason: c.opError("reading the tag", mt.ref, err).Cause()}
		return c.opError("reading the tag", mt.ref, err)
	case now == "":
		*st = untag.Status{Tag: name, State: untag.Skipped, Reason: "not tried: the tag is gone already"}
		return nil
	case now != mt.want:
		*st = untag.Status{Tag: name, State: untag.Kept, Reason: "another writer moved it: it points at " + now + ", not at " + mt.want}
		c.log.Warnf("kept %s: %s", name, st.Reason)
		return nil
	}
	if err := withTokensErr(c, mt.ref, func(rc *regclient.RegClient) error { return deleteTag(ctx, rc, mt.ref) }); err != nil {
		op := c.opError("deleting the tag", mt.ref, err)
		if refusedDelete(err) {
			*st = untag.Status{Tag: name, State: untag.Refused, Reason: op.Cause()}
			return nil
		}
		*st = untag.Status{Tag: name, State: untag.Failed, Reason: op.Cause()}
		return op
	}
	after, err := c.tagDigest(ctx, mt.ref)
	switch {
	case err != nil:
		*st = untag.Status{Tag: name, State: untag.Failed, Reason: "deleted, but it could not be read back: " + c.opError("reading the tag", mt.ref, err).Cause()}
		return c.opError("reading back the deleted tag", mt.ref, err)
	case after == mt.want:
		*st = untag.Status{Tag: name, State: untag.Unconfirmed, Reason: "the registry accepted the DELETE, yet the tag still points at " + after}
		c.log.Warnf("%s: %s", name, st.Reason)
	case after != "":
		*st = untag.Status{Tag: name, State: untag.Kept, Reason: "another writer pushed it again: it points at " + after}
		c.log.Warnf("kept %s: %s", name, st.Reason)
	default:
		*st = untag.Status{Tag: name, State: untag.Removed}
		c.log.Infof("untagged %s", name)
	}
	return nil
}

// tagDigest is what r's tag points at now (a HEAD, with the token of r's
// repository where the registry narrows tokens: [withTokens]), "" when it
// does not exist.
func (c *Client) tagDigest(ctx context.Context, r ref.Ref) (string, error) {
	m, err := c.headOf(ctx, r)
	if errors.Is(err, errs.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return m.GetDescriptor().Digest.String(), nil
}

// deleteTag sends DELETE /v2/<repository>/manifests/<tag> for r's tag,
// and nothing else.
//
// regclient's TagDelete is not used: when the registry answers that
// DELETE with anything but 202, it falls back to pushing a made-up
// manifest under the tag and deleting that manifest by its digest, a
// write and a delete by digest that --untag-members must never make.
// regclient's ManifestDelete sends DELETE manifests/<digest> with the
// run's credentials and transport, and uses the digest it is given only
// as that path element (v0.11.7, scheme/reg/manifest.go: no referrers
// option, so nothing is read first): handed the tag in the digest's
// place, it sends exactly the request wanted. It takes only 202 as
// success; another 2xx comes back as an error, accepted here.
func deleteTag(ctx context.Context, rc *regclient.RegClient, r ref.Ref) error {
	if r.Tag == "" || r.Digest != "" || strings.ContainsAny(r.Tag, "/:@?#") {
		return errors.New("not a tag: " + r.CommonName())
	}
	byTag := r
	byTag.Digest = r.Tag // the path element: manifests/<tag>
	err := rc.ManifestDelete(ctx, byTag)
	if m := statusRE.FindStringSubmatch(errText(err)); m != nil && m[1][0] == '2' {
		return nil
	}
	return err
}

// statusRE finds the status of an answer regclient did not expect in its
// words (v0.11.7, internal/reghttp: "... [http 405]: <body>").
var statusRE = regexp.MustCompile(`\[http (\d{3})\](?::\s*(.*))?`)

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// refusedDelete says whether a tag DELETE failed because the registry
// does not delete tags, or not for these credentials: 405 (Distribution
// with deletes disabled), 400 UNSUPPORTED (Distribution 3, the OCI
// spec's code) or DIGEST_INVALID (Distribution 2.8, which reads the tag
// as a digest), 401 or 403 (GHCR, Docker Hub), or 404 for a tag a HEAD
// found just before (ECR).
func refusedDelete(err error) bool {
	if errors.Is(err, errs.ErrHTTPUnauthorized) {
		return true
	}
	m := statusRE.FindStringSubmatch(errText(err))
	if m == nil {
		return errors.Is(err, errs.ErrNotFound)
	}
	switch m[1] {
	case "401", "403", "404", "405":
		return true
	case "400":
		return strings.Contains(m[2], "UNSUPPORTED") || strings.Contains(m[2], "DIGEST_INVALID")
	}
	return false
}
