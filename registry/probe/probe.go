package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/regclient/regclient/types/blob"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ping"
	"github.com/regclient/regclient/types/ref"
	"github.com/regclient/regclient/types/referrer"
	"github.com/regclient/regclient/types/tag"

	"github.com/manifest-tool/manifest-tool/manifest/view"
)

// Registry is what the probe needs of a registry client: the operations
// it tries, named as regclient names them, and the record of the exchanges,
// which tells what the operations do not return (challenges, headers).
type Registry interface {
	// Ping asks GET /v2/ of the registry host names.
	Ping(ctx context.Context, host ref.Ref) (ping.Result, error)
	Blobs
	Manifests
	// ReferrerList lists the referrers of subject, from the API or the
	// sha256-<hex> tag.
	ReferrerList(ctx context.Context, subject ref.Ref) (referrer.ReferrerList, error)
	// TagList lists the tags of the repository repo names.
	TagList(ctx context.Context, repo ref.Ref) (*tag.List, error)
	// Exchanges returns every HTTP exchange so far, oldest first.
	Exchanges() []Exchange
}

// Blobs are the blob operations the probe tries.
type Blobs interface {
	// BlobPut uploads a blob: in one PUT when d has its digest and size,
	// else in chunks of ChunkSize bytes.
	BlobPut(ctx context.Context, r ref.Ref, d descriptor.Descriptor, rdr io.Reader) (descriptor.Descriptor, error)
	// BlobMount mounts a blob of from into to (errs.ErrMountReturnedLocation:
	// the registry offered an upload instead).
	BlobMount(ctx context.Context, from, to ref.Ref, d descriptor.Descriptor) error
	// BlobHead tells whether the registry serves a blob.
	BlobHead(ctx context.Context, r ref.Ref, d descriptor.Descriptor) (blob.Reader, error)
	BlobDelete(ctx context.Context, r ref.Ref, d descriptor.Descriptor) error
}

// Manifests are the manifest operations the probe tries.
type Manifests interface {
	// ManifestPut pushes m (and updates the subject's sha256-<hex> tag
	// where the registry does not answer OCI-Subject).
	ManifestPut(ctx context.Context, r ref.Ref, m rcmanifest.Manifest) error
	ManifestGet(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error)
	// ManifestHead returns the manifest's descriptor, its digest included.
	ManifestHead(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error)
	ManifestDelete(ctx context.Context, r ref.Ref) error
	// TagDelete deletes r's tag alone: DELETE /v2/<repository>/manifests/<tag>,
	// and no other request (no stand-in manifest pushed and deleted).
	TagDelete(ctx context.Context, r ref.Ref) error
}

// Exchange is one HTTP request and its answer.
type Exchange struct {
	Method string
	Path   string      // the URL's path
	Status int         // 0 when no answer came
	Header http.Header // the answer's
	// Redirect is, for an answer 3xx that was followed, where it led
	// and what was answered there; nil otherwise.
	Redirect *Redirect
}

// Redirect is where a redirect led (a URL without its query) and the
// answer there: its status (0 when none came) and its words.
type Redirect struct {
	URL    string
	Status int
	Said   string
}

// ChunkSize is how many bytes each PATCH of a chunked upload carries.
const ChunkSize = 1024

// DefaultRepository is where the probe pushes when no repository is named.
const DefaultRepository = "manifest-tool-probe"

// Options say how [Run] puts a failure in words; a nil field gets a
// plain default.
type Options struct {
	// Cause says in a few words why a request failed (default: its text).
	Cause func(err error) string
	// Fail makes the error that ends the probe (default: "op r: err").
	Fail func(op string, r ref.Ref, err error) error
	// Unanswered reports whether a request failed without a whole answer,
	// which leaves its check unknown, not unsupported (default: net.Error,
	// io.EOF, io.ErrUnexpectedEOF).
	Unanswered func(err error) bool
	// Narrowed, when set, is the scope the registry's token service left
	// out of a token asked for it ("" when none was seen): a token that
	// covers one repository, as GitLab's, cannot mount across them.
	Narrowed func() string
}

func (o Options) withDefaults() Options {
	if o.Cause == nil {
		o.Cause = func(err error) string { return err.Error() }
	}
	if o.Fail == nil {
		o.Fail = func(op string, r ref.Ref, err error) error {
			return fmt.Errorf("%s %s: %w", op, path.Join(r.Registry, r.Repository), err)
		}
	}
	if o.Unanswered == nil {
		o.Unanswered = func(err error) bool {
			return errors.As(err, new(net.Error)) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		}
	}
	return o
}

// CleanupTime is how long Run goes on deleting what it pushed once its
// checks are done, even when its context ended.
const CleanupTime = time.Minute

// Run tells what the registry r names (a host, or host/repository) can do
// for multi-platform images, trying every check on reg, then deletes what
// it pushed; the package documentation lists the checks and errors. The
// report holds every row made before a failure.
func Run(ctx context.Context, reg Registry, r ref.Ref, opts Options) (view.ProbeReport, error) {
	if r.Repository == "" {
		r.Repository = DefaultRepository
	}
	opts = opts.withDefaults()
	p := &prober{reg: reg, opts: opts, repo: r.SetTag(""), tagPrefix: tagPrefix(), incomplete: map[string]string{}}
	res := view.ProbeReport{Registry: r.Registry, Repository: r.Repository, Leftovers: []view.Leftover{}}
	if err := p.ping(ctx); err != nil {
		return res, err
	}
	p.run(ctx)
	p.authRow()
	res.Checks = p.rows
	// clean up even after Ctrl-C, within bounds
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTime)
	defer cancel()
	res.Leftovers = p.cleanup(cctx)
	switch {
	case ctx.Err() != nil:
		return res, opts.Fail("probing", p.repo, ctx.Err())
	case p.refused != nil:
		return res, p.refused
	}
	// unsupported is a finding (exit 3); not completed, a failure (exit 1)
	var no, unknown, incomplete []string
	var why string
	for _, c := range []struct{ check, what string }{{CheckDockerList, "Docker manifest lists"}, {CheckOCIIndex, "OCI indexes"}} {
		w, notDone := p.incomplete[c.check]
		switch res.Status(c.check) {
		case view.Unsupported:
			no = append(no, c.what)
		case view.Unknown:
			if !notDone {
				unknown = append(unknown, c.what)
				break
			}
			incomplete = append(incomplete, c.what)
			if why == "" {
				why = w
			}
		}
	}
	switch {
	case len(no) > 0:
		return res, fmt.Errorf("%s cannot hold %s%.0w", r.Registry, strings.Join(no, " or "), ErrNoLists)
	case len(unknown) > 0:
		return res, fmt.Errorf("%s could not be shown to hold %s (see the rows)%.0w", r.Registry, strings.Join(unknown, " or "), ErrNoLists)
	case len(incomplete) > 0:
		return res, fmt.Errorf("could not tell whether %s holds %s: %s%.0w", r.Registry, strings.Join(incomplete, " or "), why, ErrIncomplete)
	}
	return res, nil
}
