package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/docker/schema2"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// Check names, in the order probe runs them.
const (
	CheckAPI               = "api"
	CheckAuth              = "auth"
	CheckBlobUpload        = "blob-upload"
	CheckBlobUploadChunked = "blob-upload-chunked"
	CheckBlobMount         = "blob-mount"
	CheckDockerManifest    = "docker-manifest"
	CheckOCIManifest       = "oci-manifest"
	CheckDockerList        = "docker-manifest-list"
	CheckOCIIndex          = "oci-index"
	CheckIndexAnnotations  = "index-annotations"
	CheckArtifactSubject   = "artifact-subject"
	CheckReferrersAPI      = "referrers-api"
	CheckTagList           = "tag-list"
	CheckDelete            = "delete"
)

// DefaultProbeRepository is where probe pushes when no repository is named.
const DefaultProbeRepository = "manifest-tool-probe"

// ProbeArtifactType is the artifactType of the artifact probe pushes.
const ProbeArtifactType = "application/vnd.manifest-tool.probe.v1+json"

// ErrNoLists: the registry cannot hold manifest lists or OCI indexes.
var ErrNoLists = errors.New("manifest lists or OCI indexes unsupported")

// Probe tells what the registry r names (a host, or host/repository) can
// do for multi-platform images. It pushes only tiny images it makes, under
// tags no one else uses, into the repository (DefaultProbeRepository when
// none is named) and, for the mount, into the repository's name plus
// "-mount"; then it deletes what it pushed, and only that, where the
// registry allows, and lists in Leftovers what it could not remove. It
// fails with exit 1 when the registry cannot be reached, refuses the
// credentials, or refuses to let them push; with ErrNoLists (exit 3) when
// manifest lists or OCI indexes do not work; every other finding is a row.
func (c *Client) Probe(ctx context.Context, r ref.Ref) (manifest.ProbeReport, error) {
	if r.Repository == "" {
		r.Repository = DefaultProbeRepository
	}
	x := &exchanges{}
	// a client of its own: it records every exchange, and uploads in
	// small chunks so that a chunked upload takes several requests
	rc := c.newRegClient(&recorder{x: x, next: &logHandler{log: c.log}},
		regclient.WithConfigHost(config.Host{Name: r.Registry, BlobChunk: probeChunk}))
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	p := &prober{c: c, rc: rc, x: x, repo: r.SetTag(""), tagPrefix: "probe-" + hex.EncodeToString(nonce) + "-"}
	res := manifest.ProbeReport{Registry: r.Registry, Repository: r.Repository, Leftovers: []manifest.Leftover{}}
	if err := p.ping(ctx); err != nil {
		return res, err
	}
	p.run(ctx)
	p.authRow()
	res.Checks = p.rows
	// clean up even after Ctrl-C, within bounds
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	res.Leftovers = p.cleanup(cctx)
	switch {
	case ctx.Err() != nil:
		return res, c.opError("probing", r.SetTag(""), ctx.Err())
	case p.refused != nil:
		return res, p.refused
	}
	var no, unknown []string
	for check, what := range map[string]string{CheckDockerList: "Docker manifest lists", CheckOCIIndex: "OCI indexes"} {
		switch res.Status(check) {
		case manifest.Unsupported:
			no = append(no, what)
		case manifest.Unknown:
			unknown = append(unknown, what)
		}
	}
	sort.Strings(no)
	sort.Strings(unknown)
	switch {
	case len(no) > 0:
		return res, fmt.Errorf("%s cannot hold %s%.0w", r.Registry, strings.Join(no, " or "), ErrNoLists)
	case len(unknown) > 0:
		return res, fmt.Errorf("%s could not be shown to hold %s (see the rows)%.0w", r.Registry, strings.Join(unknown, " or "), ErrNoLists)
	}
	return res, nil
}

// probeChunk is the chunk size of the chunked upload; its blob is larger.
const probeChunk = 1024

type prober struct {
	c         *Client
	rc        *regclient.RegClient
	x         *exchanges
	repo      ref.Ref // without tag or digest
	tagPrefix string  // "probe-<random>-": tags no one else uses
	rows      []manifest.Check
	refused   error // the registry refused the credentials a push needs

	tags      []ref.Ref // tags written (or tried): what they point at is ours
	digests   []ref.Ref // manifests pushed by digest
	blobs     []ref.Ref // blobs uploaded that were not there before
	subject   string    // the artifact's subject: its sha256-<hex> tag is ours too
	noDeletes bool      // the registry refused a delete: ask no more
}

func (p *prober) row(name string, status manifest.CheckStatus, format string, args ...any) {
	p.rows = append(p.rows, manifest.Check{Name: name, Status: status, Detail: fmt.Sprintf(format, args...)})
}

// because says why a request failed, in a few words.
func (p *prober) because(err error) string {
	return cause(err, p.repo.Registry, p.c.creds[p.repo.Registry])
}

// seen returns the exchanges recorded since the first n that match method
// and have path in their URL.
func (p *prober) seen(n int, method, path string) []exchange {
	var out []exchange
	for _, e := range p.x.since(n) {
		if e.Method == method && strings.Contains(e.URL, path) {
			out = append(out, e)
		}
	}
	return out
}

// ping checks the /v2/ API; a registry that cannot be reached, or refuses
// the credentials, ends the probe.
func (p *prober) ping(ctx context.Context) error {
	host, _ := ref.NewHost(p.repo.Registry)
	res, err := p.rc.Ping(ctx, host)
	if err != nil {
		return p.c.opError("probing", host, err)
	}
	if v := res.Header.Get("Docker-Distribution-API-Version"); v != "" {
		p.row(CheckAPI, manifest.Supported, "/v2/ answers, API version %s", v)
	} else {
		p.row(CheckAPI, manifest.Supported, "/v2/ answers, without a Docker-Distribution-API-Version header")
	}
	p.row(CheckAuth, manifest.Supported, "") // filled by authRow, from every exchange
	return nil
}

// authRow says what auth the registry asked for, anywhere in the probe
// (some registries let /v2/ be read anonymously and ask only for writes).
func (p *prober) authRow() {
	challenge, where := "", ""
	for _, e := range p.x.since(0) {
		if e.Status == http.StatusUnauthorized && e.Header.Get("WWW-Authenticate") != "" {
			challenge, where = e.Header.Get("WWW-Authenticate"), e.Method+" "+e.URL
			break
		}
	}
	detail := describeChallenge(challenge)
	if challenge != "" && !strings.HasSuffix(where, "/v2/") {
		detail += "; /v2/ is open, " + strings.SplitN(where, " ", 2)[0] + " asked for it"
	}
	for i := range p.rows {
		if p.rows[i].Name == CheckAuth {
			p.rows[i].Detail = detail
		}
	}
}

// describeChallenge says what auth a WWW-Authenticate header asks for.
func describeChallenge(h string) string {
	if h == "" {
		return "none: anonymous access"
	}
	scheme, params, _ := strings.Cut(h, " ")
	kv := map[string]string{}
	for _, part := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		kv[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	switch strings.ToLower(scheme) {
	case "basic":
		return fmt.Sprintf("basic (realm %q)", kv["realm"])
	case "bearer":
		return fmt.Sprintf("bearer token (realm %s, service %s)", redactURL(kv["realm"]), kv["service"])
	}
	return "other: " + scheme
}

func (p *prober) run(ctx context.Context) {
	layer := probeLayer()
	if !p.upload(ctx, layer) {
		rest := []string{CheckBlobUploadChunked, CheckBlobMount, CheckDockerManifest, CheckOCIManifest, CheckDockerList,
			CheckOCIIndex, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI}
		if p.refused != nil {
			p.skip("the registry refuses to let these credentials push", rest...)
		} else {
			// a registry that takes no blob holds no image, list or index
			for _, n := range rest {
				p.row(n, manifest.Unsupported, "nothing can be pushed: the blob upload failed")
			}
		}
		p.tagList(ctx)
		p.skip("nothing was pushed", CheckDelete)
		return
	}
	p.chunked(ctx)
	p.mount(ctx, descriptor.Descriptor{MediaType: mediatype.OCI1LayerGzip, Digest: digest.FromBytes(layer), Size: int64(len(layer))})

	// image manifests, then the lists of them
	dockerImg, dockerOK := p.image(ctx, CheckDockerManifest, true, layer)
	ociImg, ociOK := p.image(ctx, CheckOCIManifest, false, layer)
	amd64 := &platform.Platform{OS: "linux", Architecture: "amd64"}
	if dockerOK {
		d := dockerImg
		d.Platform = amd64
		p.put(ctx, CheckDockerList, "docker-list", schema2.ManifestList{Versioned: schema2.ManifestListSchemaVersion, Manifests: []descriptor.Descriptor{d}})
	} else {
		p.skip("its Docker image manifest could not be pushed", CheckDockerList)
	}
	if ociOK {
		d := ociImg
		d.Platform = amd64
		p.put(ctx, CheckOCIIndex, "oci-index", v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: []descriptor.Descriptor{d}})
		p.annotations(ctx, d)
		p.artifact(ctx, ociImg)
	} else {
		p.skip("its OCI image manifest could not be pushed", CheckOCIIndex, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI)
	}
	p.tagList(ctx)
	p.deleteCheck(ctx)
}

// skip marks checks that could not run.
func (p *prober) skip(why string, names ...string) {
	for _, n := range names {
		p.row(n, manifest.Unknown, "not tried: %s", why)
	}
}

// upload checks a monolithic blob upload: the whole blob in one PUT. A
// refusal of the credentials ends the pushing part of the probe.
func (p *prober) upload(ctx context.Context, data []byte) bool {
	d := descriptor.Descriptor{MediaType: mediatype.OCI1LayerGzip, Digest: digest.FromBytes(data), Size: int64(len(data))}
	n := p.x.count()
	if _, err := p.rc.BlobPut(ctx, p.repo, d, bytes.NewReader(data)); err != nil {
		if errors.Is(err, errs.ErrHTTPUnauthorized) {
			p.refused = p.c.opError("pushing to", p.repo, err)
		}
		p.row(CheckBlobUpload, manifest.Unsupported, "uploading a %d-byte blob: %s", len(data), p.because(err))
		return false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	if patches := len(p.seen(n, "PATCH", "/blobs/uploads/")); patches > 0 {
		p.row(CheckBlobUpload, manifest.Unsupported, "a %d-byte blob could not go in one PUT; it took %d PATCH requests", len(data), patches)
		return true
	}
	p.row(CheckBlobUpload, manifest.Supported, "a %d-byte blob in one PUT", len(data))
	return true
}

// chunked checks a chunked upload: several PATCH requests, then a PUT.
func (p *prober) chunked(ctx context.Context) {
	data := make([]byte, 3*probeChunk+100)
	_, _ = rand.Read(data)
	n := p.x.count()
	// a descriptor without size and digest makes regclient upload in chunks
	d, err := p.rc.BlobPut(ctx, p.repo, descriptor.Descriptor{}, bytes.NewReader(data))
	if err != nil {
		p.row(CheckBlobUploadChunked, manifest.Unsupported, "uploading %d bytes in %d-byte chunks: %s", len(data), probeChunk, p.because(err))
		return
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	patches := len(p.seen(n, "PATCH", "/blobs/uploads/"))
	if patches < 2 {
		p.row(CheckBlobUploadChunked, manifest.Unknown, "the upload took %d PATCH requests, not several chunks", patches)
		return
	}
	p.row(CheckBlobUploadChunked, manifest.Supported, "%d bytes in %d PATCH requests of %d bytes, then a PUT", len(data), patches, probeChunk)
}

// mount checks a cross-repository blob mount into repository-mount.
func (p *prober) mount(ctx context.Context, d descriptor.Descriptor) {
	tgt := p.repo
	tgt.Repository += "-mount"
	err := p.rc.BlobMount(ctx, p.repo, tgt, d)
	switch {
	case err == nil:
		p.blobs = append(p.blobs, tgt.SetDigest(d.Digest.String()))
		p.row(CheckBlobMount, manifest.Supported, "mounted a blob from %s into %s (201)", p.repo.Repository, tgt.Repository)
	case errors.Is(err, errs.ErrMountReturnedLocation):
		p.row(CheckBlobMount, manifest.Unsupported, "asked to mount, the registry offered an upload instead (202): copies across repositories move the bytes")
	default:
		p.row(CheckBlobMount, manifest.Unsupported, "mounting into %s: %s", tgt.Repository, p.because(err))
	}
}

// image pushes an image manifest (Docker v2.2 or OCI) under a tag.
func (p *prober) image(ctx context.Context, check string, docker bool, layer []byte) (descriptor.Descriptor, bool) {
	cfgMT, layerMT, name := mediatype.OCI1ImageConfig, mediatype.OCI1LayerGzip, "oci"
	if docker {
		cfgMT, layerMT, name = mediatype.Docker2ImageConfig, mediatype.Docker2LayerGzip, "docker"
	}
	cfg := probeConfig()
	cfgDesc := descriptor.Descriptor{MediaType: cfgMT, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))}
	if _, err := p.rc.BlobPut(ctx, p.repo, cfgDesc, bytes.NewReader(cfg)); err != nil {
		p.row(check, manifest.Unknown, "not tried: uploading its config failed: %s", p.because(err))
		return descriptor.Descriptor{}, false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(cfgDesc.Digest.String()))
	layerDesc := descriptor.Descriptor{MediaType: layerMT, Digest: digest.FromBytes(layer), Size: int64(len(layer))}
	var orig any = v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, Config: cfgDesc, Layers: []descriptor.Descriptor{layerDesc}}
	if docker {
		orig = schema2.Manifest{Versioned: schema2.ManifestSchemaVersion, Config: cfgDesc, Layers: []descriptor.Descriptor{layerDesc}}
	}
	return p.put(ctx, check, name, orig)
}

// put pushes a manifest under one of the probe's tags and makes the row.
func (p *prober) put(ctx context.Context, check, name string, orig any) (descriptor.Descriptor, bool) {
	m, err := rcmanifest.New(rcmanifest.WithOrig(orig))
	if err != nil {
		p.row(check, manifest.Unknown, "building it: %v", err)
		return descriptor.Descriptor{}, false
	}
	d := m.GetDescriptor()
	tag := p.repo.SetTag(p.tagPrefix + name)
	p.tags = append(p.tags, tag)
	if err := p.rc.ManifestPut(ctx, tag, m); err != nil {
		p.row(check, manifest.Unsupported, "pushing %s, %s: %s", tag.Tag, kind(d.MediaType), p.because(err))
		return d, false
	}
	p.row(check, manifest.Supported, "pushed %s, %s", tag.Tag, kind(d.MediaType))
	return descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, true
}

// annotations pushes an annotated OCI index and reads it back: supported
// when the registry serves the very bytes it was given.
func (p *prober) annotations(ctx context.Context, image descriptor.Descriptor) {
	idx := v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: []descriptor.Descriptor{image},
		Annotations: map[string]string{
			"org.opencontainers.image.description": "manifest-tool probe: \"quotes\", ünïcödé, <html> & = signs",
			"org.opencontainers.image.source":      "https://example.com/manifest-tool-probe",
			"org.opencontainers.image.version":     "1.0",
		}}
	m, err := rcmanifest.New(rcmanifest.WithOrig(idx))
	if err != nil {
		p.row(CheckIndexAnnotations, manifest.Unknown, "building it: %v", err)
		return
	}
	want, _ := m.RawBody()
	tag := p.repo.SetTag(p.tagPrefix + "annotations")
	p.tags = append(p.tags, tag)
	err = p.rc.ManifestPut(ctx, tag, m)
	var got rcmanifest.Manifest
	if err == nil {
		got, err = p.rc.ManifestGet(ctx, tag)
	}
	var raw []byte
	if got != nil {
		raw, _ = got.RawBody()
	}
	switch {
	case errors.Is(err, errs.ErrDigestMismatch) || err == nil && !bytes.Equal(raw, want):
		p.row(CheckIndexAnnotations, manifest.Unsupported, "the registry keeps other bytes than the annotated index it was given")
	case err != nil:
		p.row(CheckIndexAnnotations, manifest.Unsupported, "pushing an annotated OCI index: %s", p.because(err))
	default:
		p.row(CheckIndexAnnotations, manifest.Supported, "an index with %d annotations read back byte for byte", len(idx.Annotations))
	}
}

// artifact pushes an OCI artifact whose subject is the probe's image, then
// asks the referrers API for it.
func (p *prober) artifact(ctx context.Context, subject descriptor.Descriptor) {
	empty := descriptor.Descriptor{MediaType: mediatype.OCI1Empty, Digest: descriptor.EmptyDigest, Size: int64(len(descriptor.EmptyData))}
	// the empty blob is everybody's: delete it only if the probe brought it
	brought := true
	if rdr, err := p.rc.BlobHead(ctx, p.repo, empty); err == nil {
		rdr.Close()
		brought = false
	}
	if _, err := p.rc.BlobPut(ctx, p.repo, empty, bytes.NewReader(descriptor.EmptyData)); err != nil {
		p.row(CheckArtifactSubject, manifest.Unknown, "not tried: uploading the empty config failed: %s", p.because(err))
		p.skip("no artifact could be pushed", CheckReferrersAPI)
		return
	}
	if brought {
		p.blobs = append(p.blobs, p.repo.SetDigest(empty.Digest.String()))
	}
	art := v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, ArtifactType: ProbeArtifactType,
		Config: empty, Layers: []descriptor.Descriptor{empty}, Subject: &subject,
		Annotations: map[string]string{"org.opencontainers.image.title": "manifest-tool probe"}}
	m, err := rcmanifest.New(rcmanifest.WithOrig(art))
	if err != nil {
		p.row(CheckArtifactSubject, manifest.Unknown, "building it: %v", err)
		return
	}
	d := m.GetDescriptor()
	byDigest := p.repo.SetDigest(d.Digest.String())
	p.digests = append(p.digests, byDigest)
	p.subject = subject.Digest.String()
	n := p.x.count()
	err = p.rc.ManifestPut(ctx, byDigest, m)
	subjectHeader := false
	for _, e := range p.seen(n, "PUT", "/manifests/"+d.Digest.String()) {
		subjectHeader = subjectHeader || e.Header.Get("OCI-Subject") == subject.Digest.String()
	}
	switch {
	case err != nil && !p.exists(ctx, byDigest):
		p.row(CheckArtifactSubject, manifest.Unsupported, "pushing an artifact with artifactType and subject: %s", p.because(err))
		p.skip("no artifact could be pushed", CheckReferrersAPI)
		return
	case err != nil: // stored, but the sha256-<hex> tag a client keeps could not be
		p.row(CheckArtifactSubject, manifest.Supported, "stored an artifact with artifactType and subject; no OCI-Subject answer, and the sha256-<hex> tag could not be written: %s", p.because(err))
	case subjectHeader:
		p.row(CheckArtifactSubject, manifest.Supported, "pushed an artifact with artifactType and subject; the registry answered OCI-Subject")
	default:
		p.row(CheckArtifactSubject, manifest.Supported, "pushed an artifact with artifactType and subject; no OCI-Subject answer: clients keep the sha256-<hex> tag")
	}
	p.referrers(ctx, subject.Digest.String(), d.Digest.String())
}

// exists reports whether the registry holds the manifest r names.
func (p *prober) exists(ctx context.Context, r ref.Ref) bool {
	_, err := p.rc.ManifestHead(ctx, r, regclient.WithManifestRequireDigest())
	return err == nil
}

// referrers asks GET /v2/<repo>/referrers/<digest>.
func (p *prober) referrers(ctx context.Context, subject, artifact string) {
	n := p.x.count()
	list, err := p.rc.ReferrerList(ctx, p.repo.SetDigest(subject))
	status := 0
	for _, e := range p.seen(n, "GET", "/referrers/") {
		status = e.Status
	}
	found := false
	for _, d := range list.Descriptors {
		found = found || d.Digest.String() == artifact
	}
	api := fmt.Sprintf("GET /v2/%s/referrers/<digest>", p.repo.Repository)
	switch {
	case status == http.StatusOK && found:
		p.row(CheckReferrersAPI, manifest.Supported, "%s lists the artifact", api)
	case status == http.StatusOK:
		p.row(CheckReferrersAPI, manifest.Unknown, "%s answers, without the artifact just pushed", api)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusBadRequest:
		how := "the sha256-<hex> tag fallback works"
		if err != nil || !found {
			how = "the sha256-<hex> tag fallback did not list the artifact either"
		}
		p.row(CheckReferrersAPI, manifest.Unsupported, "%s answers %d %s; %s", api, status, http.StatusText(status), how)
	case status != 0:
		p.row(CheckReferrersAPI, manifest.Unknown, "%s answers %d %s", api, status, http.StatusText(status))
	default:
		p.row(CheckReferrersAPI, manifest.Unknown, "no answer to the referrers request: %v", err)
	}
}

// tagList checks the tag list.
func (p *prober) tagList(ctx context.Context) {
	tl, err := p.rc.TagList(ctx, p.repo)
	switch {
	case err != nil && len(p.tags) == 0 && errors.Is(err, errs.ErrNotFound):
		p.row(CheckTagList, manifest.Unknown, "the repository has no tags to list (404)")
		return
	case err != nil:
		p.row(CheckTagList, manifest.Unsupported, "listing tags: %s", p.because(err))
		return
	}
	tags, _ := tl.GetTags()
	ours := 0
	for _, t := range tags {
		if strings.HasPrefix(t, p.tagPrefix) {
			ours++
		}
	}
	switch {
	case len(p.tags) == 0:
		p.row(CheckTagList, manifest.Supported, "the tag list answers (%d tags)", len(tags))
	case ours == 0:
		p.row(CheckTagList, manifest.Unknown, "the tag list (%d tags) shows none of the probe's tags", len(tags))
	default:
		p.row(CheckTagList, manifest.Supported, "the tag list shows %d of the probe's tags", ours)
	}
}

// deleteCheck deletes one manifest the probe pushed, by digest.
func (p *prober) deleteCheck(ctx context.Context) {
	var victim ref.Ref
	for _, t := range append(append([]ref.Ref{}, p.tags...), p.digests...) {
		if m, err := p.rc.ManifestHead(ctx, t, regclient.WithManifestRequireDigest()); err == nil {
			victim = p.repo.SetDigest(m.GetDescriptor().Digest.String())
		}
	}
	if victim.Digest == "" {
		p.skip("nothing was pushed", CheckDelete)
		return
	}
	if err := p.rc.ManifestDelete(ctx, victim); err != nil {
		p.noDeletes = true
		p.row(CheckDelete, manifest.Unsupported, "deleting a manifest by digest: %s", p.because(err))
		return
	}
	if p.exists(ctx, victim) {
		p.noDeletes = true
		p.row(CheckDelete, manifest.Unsupported, "a manifest deleted by digest (202) is still served")
		return
	}
	p.row(CheckDelete, manifest.Supported, "deleted a manifest by digest")
}

// cleanup deletes what the probe pushed, and only that: what its tags
// point at, what it pushed by digest, the sha256-<hex> tag of its artifact,
// and the blobs it brought. It returns what it could not remove: anything
// still served after the attempt. Once the registry refuses a delete, it
// asks no more.
func (p *prober) cleanup(ctx context.Context) []manifest.Leftover {
	var manifests []ref.Ref
	seen := map[string]bool{}
	refs := append(append([]ref.Ref{}, p.tags...), p.digests...)
	if p.subject != "" {
		refs = append(refs, p.repo.SetTag(strings.Replace(p.subject, ":", "-", 1)))
	}
	for _, r := range refs {
		if m, err := p.rc.ManifestHead(ctx, r, regclient.WithManifestRequireDigest()); err == nil {
			d := m.GetDescriptor().Digest.String()
			if !seen[d] {
				seen[d] = true
				manifests = append(manifests, p.repo.SetDigest(d))
			}
		}
	}
	left := []manifest.Leftover{}
	leave := func(kind string, r ref.Ref) {
		left = append(left, manifest.Leftover{Kind: kind, Repository: r.Repository, Digest: r.Digest})
	}
	for i := len(manifests) - 1; i >= 0; i-- { // lists before their images
		r := manifests[i]
		if !p.noDeletes {
			if err := p.rc.ManifestDelete(ctx, r); err != nil && !errors.Is(err, errs.ErrNotFound) {
				p.noDeletes = true
			}
		}
		if p.exists(ctx, r) {
			leave("manifest", r)
		}
	}
	blobDeletes := !p.noDeletes
	for _, b := range p.blobs {
		d := descriptor.Descriptor{Digest: digest.Digest(b.Digest)}
		if blobDeletes {
			if err := p.rc.BlobDelete(ctx, b, d); err != nil && !errors.Is(err, errs.ErrNotFound) {
				blobDeletes = false
			}
		}
		if rdr, err := p.rc.BlobHead(ctx, b, d); err == nil {
			rdr.Close()
			leave("blob", b)
		}
	}
	sort.SliceStable(left, func(i, j int) bool { return left[i].Repository < left[j].Repository })
	return left
}

// kind names a manifest media type for people, with its article.
func kind(mt string) string {
	name := manifest.MediaTypeName(mt)
	if strings.HasPrefix(name, "OCI") {
		return "an " + name
	}
	return "a " + name
}

// probeLayer is a tiny gzipped tar holding one random file.
func probeLayer() []byte {
	content := make([]byte, 32)
	_, _ = rand.Read(content)
	var tb, gb bytes.Buffer
	tw := tar.NewWriter(&tb)
	body := []byte("manifest-tool probe " + hex.EncodeToString(content) + "\n")
	_ = tw.WriteHeader(&tar.Header{Name: "probe.txt", Mode: 0o644, Size: int64(len(body))})
	_, _ = tw.Write(body)
	_ = tw.Close()
	zw := gzip.NewWriter(&gb)
	_, _ = zw.Write(tb.Bytes())
	_ = zw.Close()
	return gb.Bytes()
}

// probeConfig is an image config for linux/amd64, distinct each run.
func probeConfig() []byte {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	b, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Labels": map[string]string{"org.opencontainers.image.title": "manifest-tool probe " + hex.EncodeToString(nonce)}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{}},
	})
	return b
}
