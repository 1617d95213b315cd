package registry

import (
	"context"
	"errors"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"
)

// manifestHead returns the descriptor of the manifest r names, its digest
// included: from a HEAD, or from a GET when the HEAD's answer says no
// manifest media type.
//
// It is here because regclient v0.11.7 (manifest.go, ManifestHead) goes
// on to a GET only when the HEAD's answer lacks a digest, and fails on
// one that lacks a manifest Content-Type, as Harbor before 2.1.3 answers
// (no Content-Type, no Content-Length: goharbor/harbor#13740) and
// Artifactory (application/octet-stream, without a digest), although the
// GET of the same manifest answers it whole.
func manifestHead(ctx context.Context, rc *regclient.RegClient, r ref.Ref) (rcmanifest.Manifest, error) {
	m, err := rc.ManifestHead(ctx, r, regclient.WithManifestRequireDigest())
	if err != nil && errors.Is(err, errs.ErrUnsupportedMediaType) {
		return rc.ManifestGet(ctx, r)
	}
	return m, err
}

// headOf is [manifestHead] on the regclient of r's registry, with a token
// per repository once the registry narrows tokens ([withTokens]).
func (c *Client) headOf(ctx context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	return withTokens(c, r, func(rc *regclient.RegClient) (rcmanifest.Manifest, error) { return manifestHead(ctx, rc, r) })
}
