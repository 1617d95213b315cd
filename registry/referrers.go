package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
	"github.com/manifest-tool/manifest-tool/spec"
)

// ReferrerLimits bounds what --referrers lists and copies, so that endless
// referrers cost a bounded run; regclient's ReferrerList and
// ImageWithReferrers have no bounds. A cut is a warning, or with
// --referrers=required an error ([ReferrerCapError]).
type ReferrerLimits struct {
	// PerSubject is how many referrers (or pages) of one manifest are taken.
	PerSubject int
	// Depth is how deep push copies referrers of referrers (1: own only).
	Depth int
	// Total is how many referrers are listed in a run; each page past a
	// listing's first counts as one, so that empty pages are bounded too.
	Total int
}

// DefaultReferrerLimits are far above what signing, SBOM and attestation
// tools attach.
var DefaultReferrerLimits = ReferrerLimits{PerSubject: 1000, Depth: 8, Total: 10_000}

// WithReferrerLimits sets the bounds of --referrers; a limit of 0 or
// below keeps its default ([DefaultReferrerLimits]).
func WithReferrerLimits(l ReferrerLimits) Option {
	return func(s *clientOptions) { s.referrerLimits = l }
}

// The flags of each limit, for the errors that say how to raise it.
const (
	flagMaxReferrers      = "max-referrers"
	flagMaxReferrersDepth = "max-referrers-depth"
	flagMaxReferrersTotal = "max-referrers-total"
)

// ReferrerCapError is a limit of [ReferrerLimits] that cut what was
// listed or copied.
type ReferrerCapError struct {
	Flag  string // the flag that raises it, without its dashes
	Limit int
}

func (e *ReferrerCapError) Error() string {
	var what string
	switch e.Flag {
	case flagMaxReferrers:
		what = fmt.Sprintf("more than %d referrers (or pages of them) listed; the first %d are taken", e.Limit, e.Limit)
	case flagMaxReferrersDepth:
		what = fmt.Sprintf("referrers of referrers nested more than %d deep; the deeper ones are not copied", e.Limit)
	default:
		what = fmt.Sprintf("more than %d referrers (or pages of them) listed in all; the rest are not listed", e.Limit)
	}
	env := "MANIFEST_TOOL_" + strings.ToUpper(strings.ReplaceAll(e.Flag, "-", "_"))
	return fmt.Sprintf("%s (raise it with --%s or %s)", what, e.Flag, env)
}

// listing is what one referrers query gave.
type listing struct {
	descs []descriptor.Descriptor
	more  *ReferrerCapError // a limit cut the listing; descs are the first
	asked bool              // a referrers API request was sent
	bad   error             // what was wrong with the API's answers
}

// referrersOf lists the referrers of r once per run and digest, within
// the limits. regclient reads every page a referrers API links to without
// a bound, so the answers are watched (apiWatch) and the listing is cut.
func (c *Client) referrersOf(ctx context.Context, r ref.Ref) (listing, error) {
	return c.referrerLists.get(r.CommonName(), func() (listing, error) {
		if c.referrerBudget(0) <= 0 {
			return listing{more: &ReferrerCapError{Flag: flagMaxReferrersTotal, Limit: c.referrerLimits.Total}}, nil
		}
		lctx, api, stop := watchReferrersAPI(ctx, c.referrerLimits.PerSubject, func() bool { return c.referrerBudget(1) == 1 })
		defer stop()
		rl, err := c.reg(r).ReferrerList(lctx, r)
		l := listing{asked: api.asked(), bad: api.problem()}
		repo := r.Registry + "/" + r.Repository
		if l.bad != nil {
			c.referrersBroken.LoadOrStore(repo, l.bad)
		} else if !l.asked {
			// regclient asks a repository's API once, then reads tags
			// without asking: the problem is said for those too
			if seen, ok := c.referrersBroken.Load(repo); ok {
				l.bad = seen.(error)
			}
		}
		switch {
		case ctx.Err() != nil:
			return l, ctx.Err()
		case api.cut():
			l.descs = api.first()
			l.more = &ReferrerCapError{Flag: flagMaxReferrers, Limit: c.referrerLimits.PerSubject}
			if api.overTotal() {
				l.more = &ReferrerCapError{Flag: flagMaxReferrersTotal, Limit: c.referrerLimits.Total}
			}
			c.referrersBroken.LoadOrStore(repo, fmt.Errorf("the referrers API of %s was cut short listing the referrers of %s (--%s), and regclient no longer asks it in this repository, so the referrers listed may be incomplete", r.Registry, r.Digest, l.more.Flag))
		case err != nil:
			return l, err
		default:
			l.descs = rl.Descriptors
			if len(l.descs) > c.referrerLimits.PerSubject {
				l.descs = slices.Clone(l.descs[:c.referrerLimits.PerSubject])
				l.more = &ReferrerCapError{Flag: flagMaxReferrers, Limit: c.referrerLimits.PerSubject}
			}
		}
		if n := c.referrerBudget(len(l.descs)); n < len(l.descs) {
			l.descs = slices.Clone(l.descs[:n])
			l.more = &ReferrerCapError{Flag: flagMaxReferrersTotal, Limit: c.referrerLimits.Total}
		}
		return l, nil
	})
}

// referrerBudget takes up to n of the referrers the run may still list,
// and returns how many it took (n = 0 asks what is left).
func (c *Client) referrerBudget(n int) int {
	c.referrerMu.Lock()
	defer c.referrerMu.Unlock()
	left := c.referrerLimits.Total - c.referrersListed
	if n == 0 {
		return left
	}
	n = max(min(n, left), 0)
	c.referrersListed += n
	return n
}

// copyReferrers copies into target the referrers of each member that was
// copied or mounted (signatures, SBOMs, attestations), level by level
// within the [ReferrerLimits]: regclient's ImageWithReferrers has no
// bound. A failure or a cut is a warning, or with required an error
// matching ErrReferrer. It returns each member's own referrers.
func (c *Client) copyReferrers(ctx context.Context, target ref.Ref, members []manifest.Member, hows []manifest.How, required bool) ([][]manifest.ReferrerResult, error) {
	out := make([][]manifest.ReferrerResult, len(members))
	tags := &tagLists{rc: c.reg(target)}
	walkOf := map[string]int{} // source repository@digest -> the member that walks it
	var walks []int
	for i, m := range members {
		if hows[i] == manifest.HowPresent || hows[i] == "" {
			continue
		}
		key := m.Entry.Image.SetDigest(m.Descriptor.Digest.String()).CommonName()
		if _, ok := walkOf[key]; !ok {
			walkOf[key] = i
			walks = append(walks, i)
		}
	}
	errList := forEach(ctx, len(walks), c.concurrency, func(k int) error {
		i := walks[k]
		m := members[i]
		src := m.Entry.Image.SetDigest(m.Descriptor.Digest.String())
		w := &referrerWalk{c: c, src: src, target: target, how: hows[i], required: required, pos: m.Entry.Pos}
		var err error
		out[i], err = w.run(ctx)
		if err != nil {
			return err
		}
		if src.Scheme == "reg" {
			if err := c.copyDigestTags(ctx, src, target, tags.of(ctx, src)); err != nil {
				cause := c.opError("", src, err).Cause()
				if capped := (*ReferrerCapError)(nil); errors.As(err, &capped) {
					cause = capped.Error()
				}
				return w.fail("copying its sha256-<hex>.* tags (cosign)", cause, "without them")
			}
		}
		return nil
	})
	for i, m := range members {
		if j, ok := walkOf[m.Entry.Image.SetDigest(m.Descriptor.Digest.String()).CommonName()]; ok && j != i && hows[i] != manifest.HowPresent && hows[i] != "" {
			out[i] = out[j]
		}
	}
	return out, spec.Join(errList...)
}

// referrerWalk copies the referrers of one member, level by level.
type referrerWalk struct {
	c        *Client
	src      ref.Ref // the member in its source
	target   ref.Ref
	how      manifest.How // a referrer's blobs go the way its member's went
	required bool
	pos      spec.Pos

	mu       sync.Mutex
	seen     map[string]bool // digests met in this walk
	out      []manifest.ReferrerResult
	reported map[string]bool // the problems and limits reported already
}

// fail reports a problem with the member's referrers: a warning, or
// with required an error.
func (w *referrerWalk) fail(what, cause, without string) error {
	err := &spec.Error{Pos: w.pos, Err: fmt.Errorf("%s: %s: %s%.0w", w.src.CommonName(), what, cause, ErrReferrer)}
	if w.required {
		return err
	}
	w.c.log.Warnf("%v; pushing on %s (--referrers=required makes this an error)", err, without)
	return nil
}

// failOnce is fail, once per cause: the manifests below the member meet
// the same again and again.
func (w *referrerWalk) failOnce(what, cause, without string) error {
	w.mu.Lock()
	reported := w.reported[cause]
	w.reported[cause] = true
	w.mu.Unlock()
	if reported {
		return nil
	}
	return w.fail(what, cause, without)
}

func (w *referrerWalk) run(ctx context.Context) ([]manifest.ReferrerResult, error) {
	lim := w.c.referrerLimits
	w.seen, w.reported = map[string]bool{w.src.Digest: true}, map[string]bool{}
	level := []ref.Ref{w.src}
	for depth := 1; len(level) > 0; depth++ {
		var next []ref.Ref
		errList := forEach(ctx, len(level), w.c.concurrency, func(j int) error {
			subject := level[j]
			whose, of := "its referrers", ""
			if depth > 1 {
				whose, of = "the referrers of its referrer "+subject.Digest, " (a referrer of "+subject.Digest+")"
			}
			l, err := w.c.referrersOf(ctx, subject)
			if err != nil {
				return w.fail("listing "+whose, w.c.opError("", subject, err).Cause(), "without them")
			}
			if l.bad != nil {
				if err := w.failOnce("listing "+whose, l.bad.Error(), "without them"); err != nil {
					return err
				}
			}
			if l.more != nil {
				if err := w.failOnce("listing "+whose, l.more.Error(), "without the rest"); err != nil {
					return err
				}
			}
			if depth > lim.Depth {
				if len(l.descs) > 0 {
					return w.failOnce("copying "+whose, (&ReferrerCapError{Flag: flagMaxReferrersDepth, Limit: lim.Depth}).Error(), "without the rest")
				}
				return nil
			}
			for _, d := range l.descs {
				w.mu.Lock()
				met := w.seen[d.Digest.String()]
				w.seen[d.Digest.String()] = true
				w.mu.Unlock()
				if met {
					continue
				}
				from, to := subject.SetDigest(d.Digest.String()), w.target.SetDigest(d.Digest.String())
				err := w.c.reg(to).ImageCopy(ctx, from, to)
				if err != nil && ctx.Err() == nil && !errors.Is(err, errs.ErrNotFound) {
					// once more: two uploads of one shared blob at once can
					// fail one of them (Distribution 2.8: DIGEST_INVALID)
					err = w.c.reg(to).ImageCopy(ctx, from, to)
				}
				if err != nil {
					if err := w.fail("copying its referrer "+d.Digest.String()+of, w.c.opError("", from, err).Cause(), "without it"); err != nil {
						return err
					}
					continue
				}
				w.mu.Lock()
				if depth == 1 {
					w.out = append(w.out, manifest.ReferrerResult{Digest: d.Digest.String(), ArtifactType: d.ArtifactType, How: w.how})
				}
				next = append(next, from)
				w.mu.Unlock()
				w.c.log.Infof("%s referrer %s (%s) of %s into %s", w.how, d.Digest, d.ArtifactType, subject.CommonName(), repoName(w.target))
			}
			return nil
		})
		if err := spec.Join(errList...); err != nil {
			return w.out, err
		}
		level = next
	}
	return w.out, nil
}

// copyDigestTags copies cosign's sha256-<hex>.sig, .att and .sbom tags of
// src into target, each counted as a referrer. regclient's
// ImageWithDigestTags would also copy the referrers fallback index tag,
// overwriting the one merged in the target.
func (c *Client) copyDigestTags(ctx context.Context, src, target ref.Ref, list func() ([]string, error)) error {
	all, err := list()
	if err != nil {
		return err
	}
	prefix := strings.Replace(src.Digest, ":", "-", 1) + "."
	for _, tag := range all {
		if !strings.HasPrefix(tag, prefix) {
			continue
		}
		if c.referrerBudget(1) == 0 { // each counts as a referrer listed
			return &ReferrerCapError{Flag: flagMaxReferrersTotal, Limit: c.referrerLimits.Total}
		}
		if err := c.reg(target).ImageCopy(ctx, src.SetTag(tag), target.SetTag(tag)); err != nil {
			return err
		}
		c.log.Infof("copied tag %s of %s into %s", tag, src.CommonName(), repoName(target))
	}
	return nil
}

// tagLists lists each source repository's tags once in a run.
type tagLists struct {
	rc *regclient.RegClient
	mu sync.Mutex
	by map[string]func() ([]string, error)
}

func (l *tagLists) of(ctx context.Context, r ref.Ref) func() ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := r.Registry + "/" + r.Repository
	if l.by[key] == nil {
		if l.by == nil {
			l.by = map[string]func() ([]string, error){}
		}
		l.by[key] = sync.OnceValues(func() ([]string, error) {
			tl, err := l.rc.TagList(ctx, r.SetTag(""))
			if err != nil {
				return nil, err
			}
			return tl.GetTags()
		})
	}
	return l.by[key]
}

// Referrers lists the referrers of each distinct digest in r's repository
// (inspect --referrers), within the [ReferrerLimits]; a cut is a warning.
func (c *Client) Referrers(ctx context.Context, r ref.Ref, digests []string) (map[string][]descriptor.Descriptor, error) {
	seen := map[string]bool{}
	digests = slices.DeleteFunc(slices.Clone(digests), func(d string) bool {
		met := seen[d]
		seen[d] = true
		return met
	})
	lists := make([][]descriptor.Descriptor, len(digests))
	var totalOnce sync.Once
	errList := forEach(ctx, len(digests), c.concurrency, func(i int) error {
		subject := r.SetDigest(digests[i])
		l, err := c.referrersOf(ctx, subject)
		if err != nil {
			return c.opError("listing the referrers of", subject, err)
		}
		if l.bad != nil {
			c.log.Warnf("listing the referrers of %s: %v", subject.CommonName(), l.bad)
		}
		switch {
		case l.more == nil:
		case l.more.Flag == flagMaxReferrersTotal:
			totalOnce.Do(func() { c.log.Warnf("listing the referrers of %s: %v", r.CommonName(), l.more) })
		default:
			c.log.Warnf("listing the referrers of %s: %v", subject.CommonName(), l.more)
		}
		lists[i] = l.descs
		return nil
	})
	if err := spec.Join(mergeCauses(errList)...); err != nil {
		return nil, err
	}
	out := map[string][]descriptor.Descriptor{}
	for i, d := range digests {
		out[d] = lists[i]
	}
	return out, nil
}

// apiWatch watches the referrers API's answers under its context.
// regclient takes a broken answer for "no API" without a word, and follows
// pages without end; the watch records the problem, keeps the first
// referrers, and ends the listing past its limit or the run's total.
type apiWatch struct {
	limit  int
	cancel context.CancelCauseFunc
	page   func() bool // takes a page from the run's total; false when spent

	mu        sync.Mutex
	bad       error // the first problem seen
	sent      bool  // a request to the API was answered
	pages     int
	redirects int                     // answers 3xx to referrers requests
	listed    []descriptor.Descriptor // the first limit referrers of the answers
	stopped   bool
	spent     bool // stopped by the run's bound in all
}

// errListingCut ends a listing past its limit.
var errListingCut = errors.New("referrers listing cut at its limit")

// watchReferrersAPI returns a context whose referrers answers w watches,
// and stop, which releases it. Its requests are lookups with a fallback
// (transport.Optional): regclient lists the sha256-<hex> tag when the API
// fails, so a rate limit met behind a redirect is not waited for.
func watchReferrersAPI(ctx context.Context, limit int, page func() bool) (context.Context, *apiWatch, func()) {
	ctx, cancel := context.WithCancelCause(transport.Optional(ctx))
	w := &apiWatch{limit: limit, cancel: cancel, page: page}
	return transport.WithObserver(ctx, w.see), w, func() { cancel(nil) }
}

// maxRedirects is how many redirects net/http follows for a request.
const maxRedirects = 10

// firstRequest is the request that began req's chain of redirects.
func firstRequest(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// redirectedTo says where a redirect led and what was answered there:
// "redirected the request (303 See Other) to http://api/x, which answered
// 429 Too Many Requests (its words)", or "" when req is not a redirect's.
func redirectedTo(req *http.Request, status int, said []byte) string {
	if req.Response == nil {
		return ""
	}
	answer := "which answered " + strconv.Itoa(status) + " " + http.StatusText(status)
	if status == 0 {
		answer = "which could not be asked"
	}
	if len(said) > 0 {
		answer += " (" + string(said) + ")"
	}
	return fmt.Sprintf("redirected the request (%s) to %s, %s", req.Response.Status, transport.RedactURL(req.URL.String()), answer)
}

func (w *apiWatch) see(req *http.Request, status int, body []byte) {
	first := firstRequest(req)
	if first.Method != http.MethodGet || !strings.Contains(first.URL.Path, "/referrers/") {
		return
	}
	var bad error
	var entries []descriptor.Descriptor
	switch {
	case status >= 300 && status < 400:
		w.mu.Lock()
		w.redirects++
		loop := w.redirects == maxRedirects
		w.mu.Unlock()
		if loop {
			bad = fmt.Errorf("redirected the request %d times, the last time to %s (a loop?), and no further", maxRedirects, transport.RedactURL(req.URL.String()))
		}
	case req.Response != nil && status != http.StatusOK: // a failure where a redirect led
		bad = errors.New(redirectedTo(req, status, body))
	case status == 0: // a request refused before it was sent
		bad = fmt.Errorf("led to a request that was not sent (%s)", body)
	case status >= 500:
		bad = fmt.Errorf("answered %d %s", status, http.StatusText(status))
	case status == http.StatusOK && body != nil:
		var err error
		if entries, err = checkReferrersAnswer(body); err != nil {
			bad = fmt.Errorf("answered %v", err)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = true
	if status == http.StatusOK {
		w.pages++
		for _, d := range entries {
			if len(w.listed) == w.limit+1 {
				break
			}
			if !slices.ContainsFunc(w.listed, func(x descriptor.Descriptor) bool { return x.Digest == d.Digest }) {
				w.listed = append(w.listed, d)
			}
		}
		// body is nil for an answer over 8 MiB
		if len(w.listed) > w.limit || w.pages > w.limit || body == nil {
			w.stopped = true
			w.cancel(errListingCut)
		} else if w.pages > 1 && !w.stopped && w.page != nil && !w.page() {
			w.stopped, w.spent = true, true
			w.cancel(errListingCut)
		}
	}
	if bad != nil && w.bad == nil {
		w.bad = fmt.Errorf("the referrers API of %s %w, so the referrers listed may be incomplete", first.URL.Host, bad)
	}
}

func (w *apiWatch) problem() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bad
}

// asked says whether a request to the referrers API was answered.
func (w *apiWatch) asked() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent
}

// cut says whether the listing was ended at the limit.
func (w *apiWatch) cut() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

// overTotal says whether the listing was ended by the run's bound in all.
func (w *apiWatch) overTotal() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.spent
}

// first returns the first referrers listed, the limit at most.
func (w *apiWatch) first() []descriptor.Descriptor {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.listed[:min(len(w.listed), w.limit)])
}

// checkReferrersAnswer returns the entries of a referrers answer, or
// what is wrong with it as an OCI image index of descriptors.
func checkReferrersAnswer(body []byte) ([]descriptor.Descriptor, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(body, &idx); err != nil {
		return nil, fmt.Errorf("what is not an image index (%v)", err)
	}
	// (regclient takes a missing mediaType from the answer's Content-Type)
	if idx.MediaType != "" && idx.MediaType != ocispec.MediaTypeImageIndex {
		return nil, fmt.Errorf("an index of media type %q, not %s", idx.MediaType, ocispec.MediaTypeImageIndex)
	}
	out := make([]descriptor.Descriptor, len(idx.Manifests))
	for i, d := range idx.Manifests {
		if err := d.Digest.Validate(); err != nil || d.MediaType == "" || d.Size < 0 {
			return nil, fmt.Errorf("an index whose manifests[%d] is not a descriptor (media type %q, digest %q, size %d)", i, d.MediaType, d.Digest, d.Size)
		}
		out[i] = descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, ArtifactType: d.ArtifactType, Annotations: d.Annotations}
	}
	return out, nil
}
