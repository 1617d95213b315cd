package probe

import (
	"context"
	"fmt"
	"net/http"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// CheckMixedList is the check of an OCI index holding a Docker and an OCI
// image manifest, which some registries (Quay before quay/quay#6070,
// Nexus, Google Artifact Registry) refuse.
const CheckMixedList = "mixed-list"

// deviation says, for a row's detail, that a request since the first n
// exchanges whose method is method and whose path has part in it worked
// with another success status than the spec's ("" when none did): the
// transport takes any 2xx it can confirm, and says what it was
// ([transport.AnsweredHeader]).
func (p *prober) deviation(n int, method, part string) string {
	for _, e := range p.seen(n, method, part) {
		if s := e.Header.Get(transport.AnsweredHeader); s != "" {
			return fmt.Sprintf("; works, answers %s where the spec says %d %s", s, e.Status, http.StatusText(e.Status))
		}
	}
	return ""
}

// mixed pushes an OCI index holding the Docker image and the OCI image
// under one of the probe's tags: supported when the registry takes it,
// unsupported with the registry's words when it refuses it.
func (p *prober) mixed(ctx context.Context, dockerImg, ociImg descriptor.Descriptor) {
	m, err := rcmanifest.New(rcmanifest.WithOrig(mixedIndex(dockerImg, ociImg)))
	if err != nil {
		p.row(CheckMixedList, view.Unknown, "building it: %v", err)
		return
	}
	tag := p.repo.SetTag(p.tagPrefix + "mixed")
	p.tags = append(p.tags, tag)
	what := "an OCI index holding a Docker v2.2 and an OCI image manifest"
	err = p.reg.ManifestPut(ctx, tag, m)
	switch {
	case err != nil && p.opts.Unanswered(err):
		p.failed(CheckMixedList, err, "pushing %s", what)
	case err != nil:
		p.row(CheckMixedList, view.Unsupported, "refused %s: %s (write lists of one family: --type oci with OCI members, --type docker with Docker ones)", what, p.because(err))
	default:
		p.row(CheckMixedList, view.Supported, "pushed %s, %s", tag.Tag, what)
	}
}

// mixedIndex is an OCI index holding a Docker and an OCI image manifest,
// both as linux/amd64.
func mixedIndex(dockerImg, ociImg descriptor.Descriptor) v1.Index {
	amd64 := &platform.Platform{OS: "linux", Architecture: "amd64"}
	dockerImg.Platform, ociImg.Platform = amd64, amd64
	return v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: []descriptor.Descriptor{dockerImg, ociImg}}
}
