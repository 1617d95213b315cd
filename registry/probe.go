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
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/scheme/reg"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/docker/schema2"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"
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

// Check statuses.
const (
	Supported   = "supported"
	Unsupported = "unsupported"
	Unknown     = "unknown" // could not tell
)

// DefaultProbeRepository is where probe pushes when no repository is named.
const DefaultProbeRepository = "manifest-tool-probe"

// ProbeArtifactType is the artifactType of the artifact probe pushes.
const ProbeArtifactType = "application/vnd.manifest-tool.probe.v1+json"

// CheckResult is one row of a probe.
type CheckResult struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// ProbeResult is what a registry supports.
type ProbeResult struct {
	Registry   string        `json:"registry"`
	Repository string        `json:"repository"`
	Checks     []CheckResult `json:"checks"`
	// Leftovers lists what probe pushed and could not remove.
	Leftovers []Leftover `json:"leftovers"`
}

// Leftover is a manifest or blob the probe pushed and could not remove.
type Leftover struct {
	Kind       string `json:"kind"` // "manifest" or "blob"
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
}

// Status returns the status of the named check ("" when it did not run).
func (p ProbeResult) Status(name string) string {
	for _, c := range p.Checks {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}

// ErrNoLists: the registry cannot hold manifest lists or OCI indexes.
var ErrNoLists = errors.New("manifest lists or OCI indexes unsupported")

// Probe tells what the registry r names (a host, or host/repository) can
// do for multi-platform images. It pushes only tiny images it makes, into
// the repository (DefaultProbeRepository when none is named) and, for the
// mount, into the repository's name plus "-mount"; it deletes what it
// pushed where the registry allows and lists in Leftovers what it could
// not remove. It fails (exit 1) only when the registry cannot be reached
// or refuses the credentials; every other finding is a row.
func (c *Client) Probe(ctx context.Context, r ref.Ref) (ProbeResult, error) {
	if r.Repository == "" {
		r.Repository = DefaultProbeRepository
	}
	r = r.SetTag("probe")
	x := &exchanges{}
	// a client of its own: it records every exchange, and uploads in
	// small chunks so that a chunked upload takes several requests
	// (regclient slows down on a host after each failed request; the probe
	// expects failures, so its pauses are kept short)
	rc := c.newRegClient(&recorder{x: x, next: &logHandler{log: c.log}},
		regclient.WithConfigHost(config.Host{Name: r.Registry, BlobChunk: probeChunk}),
		regclient.WithRegOpts(reg.WithDelay(10*time.Millisecond, 200*time.Millisecond)))
	p := &prober{c: c, rc: rc, x: x, repo: r}
	res := ProbeResult{Registry: r.Registry, Repository: r.Repository, Leftovers: []Leftover{}}
	if err := p.ping(ctx); err != nil {
		return res, err
	}
	p.run(ctx)
	res.Checks = p.rows
	res.Leftovers = p.cleanup(ctx)
	if res.Status(CheckDockerList) != Supported || res.Status(CheckOCIIndex) != Supported {
		return res, fmt.Errorf("%s cannot hold %s%.0w", r.Registry, strings.Join(p.noLists(res), " or "), ErrNoLists)
	}
	return res, nil
}

// probeChunk is the chunk size of the chunked upload; its blob is larger.
const probeChunk = 1024

type prober struct {
	c    *Client
	rc   *regclient.RegClient
	x    *exchanges
	repo ref.Ref
	rows []CheckResult

	pushed      []ref.Ref // manifests, by digest, in push order
	blobs       []ref.Ref // blobs, by digest, with repository
	fallbackTag ref.Ref   // the referrers tag a client keeps, when the registry does not
	noDeletes   bool      // the registry refused a delete: ask no more
}

func (p *prober) row(name, status, format string, args ...any) {
	p.rows = append(p.rows, CheckResult{Name: name, Status: status, Detail: fmt.Sprintf(format, args...)})
}

// because says why a request failed, in a few words.
func (p *prober) because(err error) string {
	return cause(err, p.repo.Registry, p.c.creds[p.repo.Registry])
}

// ping checks the /v2/ API and the auth it asks for; a registry that cannot
// be reached, or refuses the credentials, ends the probe.
func (p *prober) ping(ctx context.Context) error {
	n := p.x.count()
	host, _ := ref.NewHost(p.repo.Registry)
	res, err := p.rc.Ping(ctx, host)
	if err != nil {
		return p.c.opError("probing", host, err)
	}
	if v := res.Header.Get("Docker-Distribution-API-Version"); v != "" {
		p.row(CheckAPI, Supported, "/v2/ answers, API version %s", v)
	} else {
		p.row(CheckAPI, Supported, "/v2/ answers, without a Docker-Distribution-API-Version header")
	}
	challenge := ""
	for _, e := range p.x.since(n) {
		if e.Status == http.StatusUnauthorized && e.Header != nil {
			challenge = e.Header.Get("WWW-Authenticate")
			break
		}
	}
	p.row(CheckAuth, Supported, "%s", describeChallenge(challenge))
	return nil
}

// describeChallenge says what auth a WWW-Authenticate header asks for.
func describeChallenge(h string) string {
	if h == "" {
		return "none: anonymous access to /v2/"
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
	// blobs
	layer := probeLayer()
	layerDesc, uploaded := p.upload(ctx, layer)
	if !uploaded {
		p.skip("no blob could be uploaded", CheckBlobUploadChunked, CheckBlobMount, CheckDockerManifest, CheckOCIManifest,
			CheckDockerList, CheckOCIIndex, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI, CheckTagList)
		p.deleteCheck(ctx, ref.Ref{})
		return
	}
	p.chunked(ctx)
	p.mount(ctx, layerDesc)

	// image manifests, then the lists of them
	dockerImg, dockerOK := p.image(ctx, CheckDockerManifest, true, layer)
	ociImg, ociOK := p.image(ctx, CheckOCIManifest, false, layer)
	amd64 := &platform.Platform{OS: "linux", Architecture: "amd64"}
	if dockerOK {
		d := dockerImg
		d.Platform = amd64
		p.put(ctx, CheckDockerList, "probe-docker-list", schema2.ManifestList{Versioned: schema2.ManifestListSchemaVersion, Manifests: []descriptor.Descriptor{d}})
	} else {
		p.skip("its Docker image manifest could not be pushed", CheckDockerList)
	}
	if !ociOK {
		p.skip("its OCI image manifest could not be pushed", CheckOCIIndex, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI)
	} else {
		d := ociImg
		d.Platform = amd64
		p.put(ctx, CheckOCIIndex, "probe-oci-index", v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: []descriptor.Descriptor{d}})
		p.annotations(ctx, d)
		p.artifact(ctx, ociImg)
	}
	p.tags(ctx)
	last := ref.Ref{}
	if len(p.pushed) > 0 {
		last = p.pushed[len(p.pushed)-1]
	}
	p.deleteCheck(ctx, last)
}

// skip marks checks that could not run.
func (p *prober) skip(why string, names ...string) {
	for _, n := range names {
		p.row(n, Unknown, "not tried: %s", why)
	}
}

// upload checks a monolithic blob upload (one PUT with the whole blob).
func (p *prober) upload(ctx context.Context, data []byte) (descriptor.Descriptor, bool) {
	d := descriptor.Descriptor{MediaType: mediatype.OCI1LayerGzip, Digest: digest.FromBytes(data), Size: int64(len(data))}
	n := p.x.count()
	if _, err := p.rc.BlobPut(ctx, p.repo, d, bytes.NewReader(data)); err != nil {
		p.row(CheckBlobUpload, Unsupported, "uploading a %d-byte blob: %s", len(data), p.because(err))
		return d, false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	patches := p.count(n, "PATCH", "/blobs/uploads/")
	p.row(CheckBlobUpload, Supported, "a %d-byte blob in one PUT (%d PATCH)", len(data), patches)
	return d, true
}

// chunked checks a chunked upload: several PATCH requests, then a PUT.
func (p *prober) chunked(ctx context.Context) {
	data := make([]byte, 3*probeChunk+100)
	_, _ = rand.Read(data)
	n := p.x.count()
	// a descriptor without size and digest makes regclient upload in chunks
	d, err := p.rc.BlobPut(ctx, p.repo, descriptor.Descriptor{}, bytes.NewReader(data))
	if err != nil {
		p.row(CheckBlobUploadChunked, Unsupported, "uploading %d bytes in %d-byte chunks: %s", len(data), probeChunk, p.because(err))
		return
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	patches := p.count(n, "PATCH", "/blobs/uploads/")
	if patches < 2 {
		p.row(CheckBlobUploadChunked, Unknown, "the upload took %d PATCH requests, not several chunks", patches)
		return
	}
	p.row(CheckBlobUploadChunked, Supported, "%d bytes in %d PATCH requests of %d bytes, then a PUT", len(data), patches, probeChunk)
}

// mount checks a cross-repository blob mount into repository-mount.
func (p *prober) mount(ctx context.Context, d descriptor.Descriptor) {
	tgt := p.repo
	tgt.Repository += "-mount"
	err := p.rc.BlobMount(ctx, p.repo, tgt, d)
	switch {
	case err == nil:
		p.blobs = append(p.blobs, tgt.SetDigest(d.Digest.String()))
		p.row(CheckBlobMount, Supported, "mounted a blob from %s into %s (201)", p.repo.Repository, tgt.Repository)
	case errors.Is(err, errs.ErrMountReturnedLocation):
		p.row(CheckBlobMount, Unsupported, "asked to mount, the registry offered an upload instead (202): copies across repositories move the bytes")
	default:
		p.row(CheckBlobMount, Unsupported, "mounting into %s: %s", tgt.Repository, p.because(err))
	}
}

// image pushes an image manifest (Docker v2.2 or OCI) under a tag.
func (p *prober) image(ctx context.Context, check string, docker bool, layer []byte) (descriptor.Descriptor, bool) {
	cfgMT, layerMT, tag := mediatype.OCI1ImageConfig, mediatype.OCI1LayerGzip, "probe-oci"
	if docker {
		cfgMT, layerMT, tag = mediatype.Docker2ImageConfig, mediatype.Docker2LayerGzip, "probe-docker"
	}
	cfg := probeConfig()
	cfgDesc := descriptor.Descriptor{MediaType: cfgMT, Digest: digest.FromBytes(cfg), Size: int64(len(cfg))}
	if _, err := p.rc.BlobPut(ctx, p.repo, cfgDesc, bytes.NewReader(cfg)); err != nil {
		p.row(check, Unknown, "not tried: uploading its config failed: %s", p.because(err))
		return descriptor.Descriptor{}, false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(cfgDesc.Digest.String()))
	layerDesc := descriptor.Descriptor{MediaType: layerMT, Digest: digest.FromBytes(layer), Size: int64(len(layer))}
	var orig any = v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, Config: cfgDesc, Layers: []descriptor.Descriptor{layerDesc}}
	if docker {
		orig = schema2.Manifest{Versioned: schema2.ManifestSchemaVersion, Config: cfgDesc, Layers: []descriptor.Descriptor{layerDesc}}
	}
	return p.put(ctx, check, tag, orig)
}

// put pushes a manifest under a tag and makes the row for it.
func (p *prober) put(ctx context.Context, check, tag string, orig any) (descriptor.Descriptor, bool) {
	m, err := rcmanifest.New(rcmanifest.WithOrig(orig))
	if err != nil {
		p.row(check, Unknown, "building it: %v", err)
		return descriptor.Descriptor{}, false
	}
	d := m.GetDescriptor()
	if err := p.rc.ManifestPut(ctx, p.repo.SetTag(tag), m); err != nil {
		p.row(check, Unsupported, "pushing %s, %s: %s", tag, kind(d.MediaType), p.because(err))
		return d, false
	}
	p.pushed = append(p.pushed, p.repo.SetDigest(d.Digest.String()))
	p.row(check, Supported, "pushed %s, %s", tag, kind(d.MediaType))
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
		p.row(CheckIndexAnnotations, Unknown, "building it: %v", err)
		return
	}
	want, _ := m.RawBody()
	tag := p.repo.SetTag("probe-annotations")
	if err := p.rc.ManifestPut(ctx, tag, m); err != nil {
		p.row(CheckIndexAnnotations, Unsupported, "pushing an annotated OCI index: %s", p.because(err))
		return
	}
	p.pushed = append(p.pushed, p.repo.SetDigest(m.GetDescriptor().Digest.String()))
	got, err := p.rc.ManifestGet(ctx, tag)
	if err != nil {
		p.row(CheckIndexAnnotations, Unknown, "reading the annotated index back: %s", p.because(err))
		return
	}
	raw, _ := got.RawBody()
	if !bytes.Equal(raw, want) {
		p.row(CheckIndexAnnotations, Unsupported, "the registry serves other bytes than it was given (%d bytes, %s, for %d bytes, %s)",
			len(raw), got.GetDescriptor().Digest, len(want), m.GetDescriptor().Digest)
		return
	}
	p.row(CheckIndexAnnotations, Supported, "an index with %d annotations read back byte for byte", len(idx.Annotations))
}

// artifact pushes an OCI artifact whose subject is the probe's image, then
// asks the referrers API for it.
func (p *prober) artifact(ctx context.Context, subject descriptor.Descriptor) {
	empty := descriptor.Descriptor{MediaType: mediatype.OCI1Empty, Digest: descriptor.EmptyDigest, Size: int64(len(descriptor.EmptyData))}
	if _, err := p.rc.BlobPut(ctx, p.repo, empty, bytes.NewReader(descriptor.EmptyData)); err != nil {
		p.row(CheckArtifactSubject, Unknown, "not tried: uploading the empty config failed: %s", p.because(err))
		p.skip("no artifact could be pushed", CheckReferrersAPI)
		return
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(empty.Digest.String()))
	art := v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, ArtifactType: ProbeArtifactType,
		Config: empty, Layers: []descriptor.Descriptor{empty}, Subject: &subject,
		Annotations: map[string]string{"org.opencontainers.image.title": "manifest-tool probe"}}
	m, err := rcmanifest.New(rcmanifest.WithOrig(art))
	if err != nil {
		p.row(CheckArtifactSubject, Unknown, "building it: %v", err)
		return
	}
	d := m.GetDescriptor()
	n := p.x.count()
	if err := p.rc.ManifestPut(ctx, p.repo.SetDigest(d.Digest.String()), m); err != nil {
		p.row(CheckArtifactSubject, Unsupported, "pushing an artifact with artifactType and subject: %s", p.because(err))
		p.skip("no artifact could be pushed", CheckReferrersAPI)
		return
	}
	p.pushed = append(p.pushed, p.repo.SetDigest(d.Digest.String()))
	subjectHeader := false
	for _, e := range p.x.since(n) {
		if e.Method == "PUT" && e.Header.Get("OCI-Subject") == subject.Digest.String() {
			subjectHeader = true
		}
	}
	if subjectHeader {
		p.row(CheckArtifactSubject, Supported, "pushed an artifact with artifactType and subject; the registry answered OCI-Subject")
	} else {
		p.row(CheckArtifactSubject, Supported, "pushed an artifact with artifactType and subject; no OCI-Subject answer: clients keep the sha256-<hex> tag")
		// regclient then keeps that tag: it is ours to remove
		p.fallbackTag = p.repo.SetTag(strings.Replace(subject.Digest.String(), ":", "-", 1))
	}
	p.referrers(ctx, subject.Digest.String(), d.Digest.String())
}

// referrers asks GET /v2/<repo>/referrers/<digest>.
func (p *prober) referrers(ctx context.Context, subject, artifact string) {
	n := p.x.count()
	list, err := p.rc.ReferrerList(ctx, p.repo.SetDigest(subject))
	status := 0
	for _, e := range p.x.since(n) {
		if e.Method == "GET" && strings.Contains(e.URL, "/referrers/") {
			status = e.Status
		}
	}
	found := false
	for _, d := range list.Descriptors {
		found = found || d.Digest.String() == artifact
	}
	switch {
	case status == http.StatusOK && found:
		p.row(CheckReferrersAPI, Supported, "GET /v2/%s/referrers/<digest> lists the artifact", p.repo.Repository)
	case status == http.StatusOK:
		p.row(CheckReferrersAPI, Unknown, "GET /v2/%s/referrers/<digest> answers, without the artifact just pushed", p.repo.Repository)
	case status != 0:
		how := "the sha256-<hex> tag fallback works"
		if err != nil || !found {
			how = "the sha256-<hex> tag fallback did not list the artifact either"
		}
		p.row(CheckReferrersAPI, Unsupported, "GET /v2/%s/referrers/<digest> answers %d %s; %s", p.repo.Repository, status, http.StatusText(status), how)
	default:
		p.row(CheckReferrersAPI, Unknown, "no answer to the referrers request: %v", err)
	}
}

// tags checks the tag list holds the probe's tags.
func (p *prober) tags(ctx context.Context) {
	tl, err := p.rc.TagList(ctx, p.repo)
	if err != nil {
		p.row(CheckTagList, Unsupported, "listing tags: %s", p.because(err))
		return
	}
	tags, _ := tl.GetTags()
	var ours []string
	for _, t := range tags {
		if strings.HasPrefix(t, "probe-") {
			ours = append(ours, t)
		}
	}
	if len(ours) == 0 {
		p.row(CheckTagList, Unknown, "the tag list (%d tags) shows none of the probe's tags", len(tags))
		return
	}
	p.row(CheckTagList, Supported, "the tag list shows %d of the probe's tags", len(ours))
}

// deleteCheck deletes the last manifest pushed, by digest.
func (p *prober) deleteCheck(ctx context.Context, r ref.Ref) {
	if r.Digest == "" {
		p.row(CheckDelete, Unknown, "not tried: nothing was pushed")
		return
	}
	err := p.rc.ManifestDelete(ctx, r)
	if err != nil {
		p.noDeletes = true
		p.row(CheckDelete, Unsupported, "deleting a manifest by digest: %s", p.because(err))
		return
	}
	p.pushed = p.pushed[:len(p.pushed)-1]
	p.row(CheckDelete, Supported, "deleted a manifest by digest")
}

// cleanup deletes what the probe pushed, newest first, and returns what it
// could not remove. Once the registry refuses a delete, it asks no more.
func (p *prober) cleanup(ctx context.Context) []Leftover {
	left := []Leftover{}
	leave := func(kind string, r ref.Ref) {
		left = append(left, Leftover{Kind: kind, Repository: r.Repository, Digest: r.Digest})
	}
	if p.fallbackTag.Tag != "" {
		if m, err := p.rc.ManifestHead(ctx, p.fallbackTag, regclient.WithManifestRequireDigest()); err == nil {
			p.pushed = append(p.pushed, p.repo.SetDigest(m.GetDescriptor().Digest.String()))
		}
	}
	for i := len(p.pushed) - 1; i >= 0; i-- {
		if p.noDeletes {
			leave("manifest", p.pushed[i])
		} else if err := p.rc.ManifestDelete(ctx, p.pushed[i]); err != nil && !errors.Is(err, errs.ErrNotFound) {
			p.noDeletes = true
			leave("manifest", p.pushed[i])
		}
	}
	blobDeletes := !p.noDeletes
	for _, b := range p.blobs {
		if !blobDeletes {
			leave("blob", b)
		} else if err := p.rc.BlobDelete(ctx, b, descriptor.Descriptor{Digest: digest.Digest(b.Digest)}); err != nil && !errors.Is(err, errs.ErrNotFound) {
			blobDeletes = false
			leave("blob", b)
		}
	}
	return left
}

// count is how many requests of method to a URL containing path were
// recorded since the first n.
func (p *prober) count(n int, method, path string) int {
	c := 0
	for _, e := range p.x.since(n) {
		if e.Method == method && strings.Contains(e.URL, path) {
			c++
		}
	}
	return c
}

// noLists names the list types the registry does not hold.
func (p *prober) noLists(res ProbeResult) []string {
	var out []string
	if res.Status(CheckDockerList) != Supported {
		out = append(out, "Docker manifest lists")
	}
	if res.Status(CheckOCIIndex) != Supported {
		out = append(out, "OCI indexes")
	}
	return out
}

// kind names a manifest media type for people.
func kind(mt string) string {
	switch mt {
	case mediatype.Docker2Manifest:
		return "a Docker v2.2 image manifest"
	case mediatype.OCI1Manifest:
		return "an OCI image manifest"
	case mediatype.Docker2ManifestList:
		return "a Docker v2.2 manifest list"
	case mediatype.OCI1ManifestList:
		return "an OCI image index"
	}
	return mt
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

// WriteText writes the result for people, one row per check, the check's
// name first, in 80 columns (details wrap under their column).
func (p ProbeResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Registry:   %s\nRepository: %s\n\n", p.Registry, p.Repository)
	const detailCol = 34
	fmt.Fprintf(&b, "%-21s %-11s %s\n", "CHECK", "STATUS", "DETAIL")
	for _, c := range p.Checks {
		lines := wrapWords(c.Detail, 80-detailCol)
		fmt.Fprintf(&b, "%-21s %-11s %s\n", c.Name, c.Status, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat(" ", detailCol), l)
		}
	}
	last := Leftover{}
	for _, l := range p.Leftovers {
		if l.Repository != last.Repository {
			fmt.Fprintf(&b, "\nCould not remove from %s/%s:\n", p.Registry, l.Repository)
			last.Kind = ""
		}
		if l.Kind != last.Kind {
			fmt.Fprintf(&b, "  %ss:\n", l.Kind)
		}
		fmt.Fprintf(&b, "    %s\n", l.Digest)
		last = l
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrapWords breaks s at spaces into lines of at most width.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}
