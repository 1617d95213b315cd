package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// ErrReferrer: a referrer of a member could not be listed or copied, with
// --referrers=required (otherwise it is a warning).
var ErrReferrer = errors.New("referrer not copied")

// copyReferrers copies into the target repository the referrers of each
// member that reached it by a copy or a mount (a member that was there
// already brought its own), so that signatures, SBOMs and attestations
// attached with a subject survive the copy: one referrers query per such
// member (regclient falls back to the sha256-<hex> tag where the source
// has no referrers API), then each referrer with its own referrers,
// recursively, by regclient's ImageCopy, which writes them so the target's
// clients find them (a subject PUT, or the fallback index updated by
// merging). Digests do not change, so signatures stay valid. A referrer
// that cannot be listed or copied is a warning naming the member, or with
// required an error matching ErrReferrer. It returns, per member, the
// referrers it found and how each reached the target.
func (c *Client) copyReferrers(ctx context.Context, target ref.Ref, members []manifest.Member, hows []manifest.How, required bool) ([][]manifest.ReferrerResult, error) {
	out := make([][]manifest.ReferrerResult, len(members))
	tags := &tagLists{rc: c.rc}
	var broken sync.Map // source repository -> what its referrers API answered
	errList := forEach(ctx, len(members), c.concurrency, func(i int) error {
		if hows[i] == manifest.HowPresent || hows[i] == "" {
			return nil
		}
		m := members[i]
		src := m.Entry.Image.SetDigest(m.Descriptor.Digest.String())
		fail := func(what string, err error) error {
			err = &spec.Error{Pos: m.Entry.Pos, Err: fmt.Errorf("%s: %s: %s%.0w", src.CommonName(), what, c.opError("", src, err).Cause(), ErrReferrer)}
			if required {
				return err
			}
			c.log.Warnf("%v; pushing on without it (--referrers=required makes this an error)", err)
			return nil
		}
		lctx, api := watchReferrersAPI(ctx)
		rl, err := c.rc.ReferrerList(lctx, src)
		if err != nil {
			return fail("listing its referrers", err)
		}
		// regclient asks a repository's API once: after an answer it
		// could not use, it reads the tags of the repository's other
		// members without asking, so the problem is said for them too
		repo := src.Registry + "/" + src.Repository
		problem := api.problem()
		if problem != nil {
			broken.LoadOrStore(repo, problem)
		} else if seen, ok := broken.Load(repo); ok {
			problem = seen.(error)
		}
		if problem != nil {
			if err := fail("listing its referrers", problem); err != nil {
				return err
			}
		}
		how := hows[i] // a referrer's blobs go the way its member's went
		for _, d := range rl.Descriptors {
			from, to := src.SetDigest(d.Digest.String()), target.SetDigest(d.Digest.String())
			err := c.rc.ImageCopy(lctx, from, to, regclient.ImageWithReferrers())
			if err != nil && ctx.Err() == nil && !errors.Is(err, errs.ErrNotFound) {
				// once more: referrers of several members share blobs (the
				// empty config), and two uploads of one blob into one
				// repository at once can fail one of them (Distribution 2.8:
				// DIGEST_INVALID, then MANIFEST_BLOB_UNKNOWN); the second
				// copy finds the blob the other one wrote (a referrer gone
				// is not tried again)
				err = c.rc.ImageCopy(lctx, from, to, regclient.ImageWithReferrers())
			}
			if err != nil {
				if err := fail("copying its referrer "+d.Digest.String(), err); err != nil {
					return err
				}
				continue
			}
			out[i] = append(out[i], manifest.ReferrerResult{Digest: d.Digest.String(), ArtifactType: d.ArtifactType, How: how})
			c.log.Infof("%s referrer %s (%s) of %s into %s", how, d.Digest, d.ArtifactType, src.CommonName(), repoName(target))
		}
		if src.Scheme == "reg" {
			if err := c.copyDigestTags(ctx, src, target, tags.of(ctx, src)); err != nil {
				return fail("copying its sha256-<hex>.* tags (cosign)", err)
			}
		}
		return nil
	})
	return out, spec.Join(mergeCauses(errList)...)
}

// copyDigestTags copies cosign's older scheme, the tags
// sha256-<hex>.sig, .att and .sbom beside the image src names, as those
// tags into target's repository. It is ours, not regclient's
// ImageWithDigestTags, because that copies every tag that starts with
// sha256-<hex>, the referrers fallback index among them, which would
// overwrite the one the referrers' copies merged in the target.
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
		if err := c.rc.ImageCopy(ctx, src.SetTag(tag), target.SetTag(tag)); err != nil {
			return err
		}
		c.log.Infof("copied tag %s of %s into %s", tag, src.CommonName(), repoName(target))
	}
	return nil
}

// tagLists lists each source repository's tags once in a run, for the
// digest tags of all its members.
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

// Referrers lists, for each digest of the repository r names, the
// manifests whose subject it is (inspect --referrers): one referrers query
// each, concurrently, or the sha256-<hex> tag where the registry has no
// referrers API.
func (c *Client) Referrers(ctx context.Context, r ref.Ref, digests []string) (map[string][]descriptor.Descriptor, error) {
	lists := make([][]descriptor.Descriptor, len(digests))
	errList := forEach(ctx, len(digests), c.concurrency, func(i int) error {
		subject := r.SetDigest(digests[i])
		lctx, api := watchReferrersAPI(ctx)
		rl, err := c.rc.ReferrerList(lctx, subject)
		if err != nil {
			return c.opError("listing the referrers of", subject, err)
		}
		if err := api.problem(); err != nil {
			c.log.Warnf("listing the referrers of %s: %v", subject.CommonName(), err)
		}
		lists[i] = rl.Descriptors
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

// apiWatch collects what was wrong with the referrers API's answers to
// the requests made under its context. regclient takes an answer it
// cannot parse, or a server error, for a registry without the API and
// lists the sha256-<hex> tag instead without a word, so a broken API
// would pass for "no referrers" (see transport.Observer).
type apiWatch struct {
	mu  sync.Mutex
	bad error // the first problem seen
}

func watchReferrersAPI(ctx context.Context) (context.Context, *apiWatch) {
	w := &apiWatch{}
	return transport.WithObserver(ctx, w.see), w
}

func (w *apiWatch) see(req *http.Request, status int, body []byte) {
	if req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/referrers/") {
		return
	}
	var bad error
	switch {
	case status == 0: // a request refused before it was sent
		bad = fmt.Errorf("led to a request that was not sent (%s)", body)
	case status >= 500:
		bad = fmt.Errorf("answered %d %s", status, http.StatusText(status))
	case status == http.StatusOK && body != nil:
		if err := checkReferrersAnswer(body); err != nil {
			bad = fmt.Errorf("answered %v", err)
		}
	}
	if bad == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.bad == nil {
		w.bad = fmt.Errorf("the referrers API of %s %w, so the referrers listed may be incomplete", req.URL.Host, bad)
	}
}

func (w *apiWatch) problem() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bad
}

// checkReferrersAnswer says what is wrong with a referrers API answer: it
// must be an OCI image index (its mediaType, when it says one) whose
// entries each have a media type, a valid digest and a size.
func checkReferrersAnswer(body []byte) error {
	var idx ocispec.Index
	if err := json.Unmarshal(body, &idx); err != nil {
		return fmt.Errorf("what is not an image index (%v)", err)
	}
	// (regclient takes a missing mediaType from the answer's Content-Type)
	if idx.MediaType != "" && idx.MediaType != ocispec.MediaTypeImageIndex {
		return fmt.Errorf("an index of media type %q, not %s", idx.MediaType, ocispec.MediaTypeImageIndex)
	}
	for i, d := range idx.Manifests {
		if err := d.Digest.Validate(); err != nil || d.MediaType == "" || d.Size < 0 {
			return fmt.Errorf("an index whose manifests[%d] is not a descriptor (media type %q, digest %q, size %d)", i, d.MediaType, d.Digest, d.Size)
		}
	}
	return nil
}
