package registry

import (
	"context"
	"net/http"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"
	"github.com/regclient/regclient/types/referrer"
	"github.com/regclient/regclient/types/tag"

	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
	"github.com/manifest-tool/manifest-tool/registry/probe"
)

// ProbeCleanupTime is how long [Client.Probe] may go on after its
// context ended, deleting what it pushed.
const ProbeCleanupTime = probe.CleanupTime

// Probe tells what the registry r names (a host, or host/repository) can
// do for multi-platform images: see package probe for the checks, what
// they push and delete, and the errors. Failures name the operation and
// the registry like every other registry failure ([OpError]).
func (c *Client) Probe(ctx context.Context, r ref.Ref) (view.ProbeReport, error) {
	rec := probe.NewRecorder(&logHandler{log: c.log})
	// a client of its own: it records every exchange, and uploads in
	// small chunks so that a chunked upload takes several requests
	rc := c.newRegClient(rec, regclient.WithConfigHost(config.Host{Name: r.Registry, BlobChunk: probe.ChunkSize}))
	creds := c.creds[r.Registry]
	return probe.Run(ctx, probeRegistry{RegClient: rc, Recorder: rec}, r, probe.Options{
		Cause: func(err error) string { return transport.Cause(err, r.Registry, creds) },
		Fail:  func(op string, on ref.Ref, err error) error { return c.opError(op, on, err) },
		// retries given up on, a connection cut or refused, garbage
		// instead of HTTP: the check could not be completed
		Unanswered: transport.Unanswered,
		Narrowed:   func() string { return c.tr.Narrowed(config.HostNewName(r.Registry).Hostname) },
	})
}

// probeRegistry is a regclient client as the probe sees it: Ping and the
// blob methods as they are, the others without their options, and the
// exchanges its recorder saw.
type probeRegistry struct {
	*regclient.RegClient
	*probe.Recorder
}

var _ probe.Registry = probeRegistry{}

func (p probeRegistry) ManifestPut(ctx context.Context, r ref.Ref, m rcmanifest.Manifest) error {
	return p.RegClient.ManifestPut(ctx, r, m)
}

func (p probeRegistry) ManifestGet(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	return p.RegClient.ManifestGet(ctx, r)
}

func (p probeRegistry) ManifestHead(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	return manifestHead(ctx, p.RegClient, r)
}

func (p probeRegistry) ManifestDelete(ctx context.Context, r ref.Ref) error {
	return p.RegClient.ManifestDelete(ctx, r)
}

func (p probeRegistry) TagDelete(ctx context.Context, r ref.Ref) error {
	return deleteTag(ctx, p.RegClient, r)
}

// ReferrerList lists subject's referrers as a lookup with a fallback
// (transport.Optional), recording each redirect of its requests and what
// was answered where it led: regclient's record of a request followed
// across a redirect shows only the end, or no answer.
func (p probeRegistry) ReferrerList(ctx context.Context, subject ref.Ref) (referrer.ReferrerList, error) {
	ctx = transport.WithObserver(transport.Optional(ctx), func(req *http.Request, status int, body []byte) {
		if req.Response == nil {
			return
		}
		first := firstRequest(req)
		said := ""
		if status >= 400 { // the words of an answer given up on (the transport's)
			said = string(body)
		}
		p.Recorder.Add(probe.Exchange{Method: first.Method, Path: first.URL.Path, Status: req.Response.StatusCode, Header: req.Response.Header.Clone(),
			Redirect: &probe.Redirect{URL: transport.RedactURL(req.URL.String()), Status: status, Said: said}})
	})
	return p.RegClient.ReferrerList(ctx, subject)
}

func (p probeRegistry) TagList(ctx context.Context, repo ref.Ref) (*tag.List, error) {
	return p.RegClient.TagList(ctx, repo)
}
