package probe

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/manifest/view"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// Check names, in the order the probe runs them.
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
	CheckTagDelete         = "tag-delete"
)

type prober struct {
	reg       Registry
	opts      Options
	repo      ref.Ref // without tag or digest
	tagPrefix string  // tags no one else uses start with it
	rows      []view.Check
	refused   error // the registry refused the credentials a push needs, or has no repository to push to
	// incomplete holds the checks that could not be completed, each with
	// why: a request of its own, or of a check it depends on, got no whole
	// answer ("blob-upload: POST host/v2/…: connection closed …")
	incomplete map[string]string

	tags      []ref.Ref // tags written (or tried): what they point at is ours
	digests   []ref.Ref // manifests pushed by digest
	blobs     []ref.Ref // blobs uploaded that were not there before
	subject   string    // the artifact's subject: its sha256-<hex> tag is ours too
	noDeletes bool      // the registry refused a delete: ask no more
}

func (p *prober) row(name string, status view.CheckStatus, format string, args ...any) {
	p.rows = append(p.rows, view.Check{Name: name, Status: status, Detail: fmt.Sprintf(format, args...)})
}

// skip marks checks that could not run because of the check after (""
// for none): unknown, and not completed when after was not.
func (p *prober) skip(after, why string, names ...string) {
	for _, n := range names {
		p.row(n, view.Unknown, "not tried: %s", why)
		if w, ok := p.incomplete[after]; ok {
			p.incomplete[n] = w
		}
	}
}

// failed makes the row of a check whose request failed with err, its
// detail what was tried and the cause. A request that got no whole answer
// (Options.Unanswered) leaves the check unknown and not completed; any
// other failure is the registry's answer: unsupported.
func (p *prober) failed(check string, err error, format string, args ...any) {
	detail := fmt.Sprintf(format, args...) + ": " + p.because(err)
	if p.opts.Unanswered(err) {
		p.rows = append(p.rows, view.Check{Name: check, Status: view.Unknown, Detail: detail})
		p.incomplete[check] = check + ": " + p.because(err)
		return
	}
	p.rows = append(p.rows, view.Check{Name: check, Status: view.Unsupported, Detail: detail})
}

// because says why a request failed, in a few words.
func (p *prober) because(err error) string { return p.opts.Cause(err) }

// mark is where the exchanges of the next request will start.
func (p *prober) mark() int { return len(p.reg.Exchanges()) }

// seen returns the exchanges since the first n whose method is method and
// whose path has part in it.
func (p *prober) seen(n int, method, part string) []Exchange {
	var out []Exchange
	all := p.reg.Exchanges()
	for _, e := range all[min(n, len(all)):] {
		if e.Method == method && strings.Contains(e.Path, part) {
			out = append(out, e)
		}
	}
	return out
}

// run makes every row between api and auth, and the ones after.
func (p *prober) run(ctx context.Context) {
	layer := newLayer()
	if !p.upload(ctx, layer) {
		rest := []string{CheckBlobUploadChunked, CheckBlobMount, CheckDockerManifest, CheckOCIManifest, CheckDockerList,
			CheckOCIIndex, CheckMixedList, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI}
		switch {
		case p.refused != nil && errors.Is(p.refused, errs.ErrNotFound):
			p.skip("", "the registry has no repository "+p.repo.Repository+" to push to", rest...)
		case p.refused != nil:
			p.skip("", "the registry refuses to let these credentials push", rest...)
		case p.incomplete[CheckBlobUpload] != "":
			p.skip(CheckBlobUpload, "the blob upload could not be completed", rest...)
		default:
			// a registry that takes no blob holds no image, list or index
			for _, n := range rest {
				p.row(n, view.Unsupported, "nothing can be pushed: the blob upload failed")
			}
		}
		p.tagList(ctx)
		p.skip("", "nothing was pushed", CheckDelete, CheckTagDelete)
		return
	}
	p.chunked(ctx)
	p.mount(ctx, blobOf(mediatype.OCI1LayerGzip, layer))

	// image manifests, then the lists of them
	dockerImg, dockerOK := p.image(ctx, CheckDockerManifest, true, layer)
	ociImg, ociOK := p.image(ctx, CheckOCIManifest, false, layer)
	if dockerOK {
		p.put(ctx, CheckDockerList, "docker-list", listOf(true, dockerImg))
	} else {
		p.skip(CheckDockerManifest, "its Docker image manifest could not be pushed", CheckDockerList)
	}
	if ociOK {
		p.put(ctx, CheckOCIIndex, "oci-index", listOf(false, ociImg))
	} else {
		p.skip(CheckOCIManifest, "its OCI image manifest could not be pushed", CheckOCIIndex)
	}
	switch {
	case dockerOK && ociOK:
		p.mixed(ctx, dockerImg, ociImg)
	case !dockerOK:
		p.skip(CheckDockerManifest, "its Docker image manifest could not be pushed", CheckMixedList)
	default:
		p.skip(CheckOCIManifest, "its OCI image manifest could not be pushed", CheckMixedList)
	}
	if ociOK {
		p.annotations(ctx, ociImg)
		p.artifact(ctx, ociImg)
	} else {
		p.skip(CheckOCIManifest, "its OCI image manifest could not be pushed", CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI)
	}
	p.tagList(ctx)
	p.deleteCheck(ctx)
	p.tagDelete(ctx, layer)
}

// ping checks the /v2/ API; a registry that cannot be reached, or refuses
// the credentials, ends the probe.
func (p *prober) ping(ctx context.Context) error {
	host, _ := ref.NewHost(p.repo.Registry)
	res, err := p.reg.Ping(ctx, host)
	if err != nil {
		return p.opts.Fail("probing", host, err)
	}
	if v := res.Header.Get("Docker-Distribution-API-Version"); v != "" {
		p.row(CheckAPI, view.Supported, "/v2/ answers, API version %s", v)
	} else {
		p.row(CheckAPI, view.Supported, "/v2/ answers, without a Docker-Distribution-API-Version header")
	}
	p.row(CheckAuth, view.Supported, "") // filled by authRow, from every exchange
	return nil
}

// authRow says what auth the registry asked for, anywhere in the probe
// (some registries let /v2/ be read anonymously and ask only for writes).
func (p *prober) authRow() {
	var challenge, method, path string
	for _, e := range p.reg.Exchanges() {
		if e.Status == http.StatusUnauthorized && e.Header.Get("WWW-Authenticate") != "" {
			challenge, method, path = e.Header.Get("WWW-Authenticate"), e.Method, e.Path
			break
		}
	}
	detail := describeChallenge(challenge)
	if challenge != "" && !strings.HasSuffix(path, "/v2/") {
		detail += "; /v2/ is open, " + method + " asked for it"
	}
	for i := range p.rows {
		if p.rows[i].Name == CheckAuth {
			p.rows[i].Detail = detail
		}
	}
}

// describeChallenge says what auth a WWW-Authenticate header asks for,
// with the token realm fit to show.
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
		return fmt.Sprintf("bearer token (realm %s, service %s)", transport.RedactURL(kv["realm"]), kv["service"])
	}
	return "other: " + scheme
}

// upload checks a monolithic blob upload: the whole blob in one PUT. A
// refusal of the credentials ends the pushing part of the probe.
func (p *prober) upload(ctx context.Context, data []byte) bool {
	d := blobOf(mediatype.OCI1LayerGzip, data)
	n := p.mark()
	if _, err := p.reg.BlobPut(ctx, p.repo, d, bytes.NewReader(data)); err != nil {
		if errors.Is(err, errs.ErrHTTPUnauthorized) || errors.Is(err, errs.ErrNotFound) && transport.Says(err, "NAME_UNKNOWN") {
			// refused, or no such repository (Amazon ECR does not create
			// one on push): nothing tells of what the registry can hold;
			// a 404 without that code is of a server with no upload at all
			p.refused = p.opts.Fail("pushing to", p.repo, err)
		}
		p.failed(CheckBlobUpload, err, "uploading a %d-byte blob", len(data))
		return false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	if patches := len(p.seen(n, http.MethodPatch, "/blobs/uploads/")); patches > 0 {
		p.row(CheckBlobUpload, view.Unsupported, "a %d-byte blob could not go in one PUT; it took %d PATCH requests", len(data), patches)
		return true
	}
	p.row(CheckBlobUpload, view.Supported, "a %d-byte blob in one PUT%s", len(data), p.deviation(n, http.MethodPut, "/blobs/uploads/"))
	return true
}

// chunked checks a chunked upload: several PATCH requests, then a PUT.
func (p *prober) chunked(ctx context.Context) {
	data := newChunkedBlob()
	n := p.mark()
	// a descriptor without size and digest asks for an upload in chunks
	d, err := p.reg.BlobPut(ctx, p.repo, descriptor.Descriptor{}, bytes.NewReader(data))
	if err != nil {
		p.failed(CheckBlobUploadChunked, err, "uploading %d bytes in %d-byte chunks", len(data), ChunkSize)
		return
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(d.Digest.String()))
	patches := len(p.seen(n, http.MethodPatch, "/blobs/uploads/"))
	if patches < 2 {
		p.row(CheckBlobUploadChunked, view.Unknown, "the upload took %d PATCH requests, not several chunks", patches)
		return
	}
	p.row(CheckBlobUploadChunked, view.Supported, "%d bytes in %d PATCH requests of %d bytes, then a PUT", len(data), patches, ChunkSize)
}

// mount checks a cross-repository blob mount into repository-mount.
func (p *prober) mount(ctx context.Context, d descriptor.Descriptor) {
	tgt := p.repo
	tgt.Repository += "-mount"
	n := p.mark()
	err := p.reg.BlobMount(ctx, p.repo, tgt, d)
	switch {
	case err == nil:
		p.blobs = append(p.blobs, tgt.SetDigest(d.Digest.String()))
		if dev := p.deviation(n, http.MethodPost, "/blobs/uploads/"); dev != "" {
			p.row(CheckBlobMount, view.Supported, "mounted a blob from %s into %s%s", p.repo.Repository, tgt.Repository, dev)
			break
		}
		p.row(CheckBlobMount, view.Supported, "mounted a blob from %s into %s (201)", p.repo.Repository, tgt.Repository)
	case errors.Is(err, errs.ErrMountReturnedLocation):
		p.row(CheckBlobMount, view.Unsupported, "asked to mount, the registry offered an upload instead (202): copies across repositories move the bytes")
	case (errors.Is(err, errs.ErrHTTPUnauthorized) || errors.Is(err, errs.ErrRetryLimitExceeded)) && p.opts.Narrowed != nil && p.opts.Narrowed() != "":
		p.row(CheckBlobMount, view.Unsupported, "mounting into %s: refused, the token service left out a scope it was asked for (%s): "+
			"its tokens cover one repository (as GitLab's), so copies across repositories move the bytes", tgt.Repository, p.opts.Narrowed())
	default:
		p.failed(CheckBlobMount, err, "mounting into %s", tgt.Repository)
	}
}

// image pushes an image manifest (Docker v2.2 or OCI) under a tag.
func (p *prober) image(ctx context.Context, check string, docker bool, layer []byte) (descriptor.Descriptor, bool) {
	cfgMT, layerMT, name := mediatype.OCI1ImageConfig, mediatype.OCI1LayerGzip, "oci"
	if docker {
		cfgMT, layerMT, name = mediatype.Docker2ImageConfig, mediatype.Docker2LayerGzip, "docker"
	}
	cfg := newConfig()
	cfgDesc := blobOf(cfgMT, cfg)
	if _, err := p.reg.BlobPut(ctx, p.repo, cfgDesc, bytes.NewReader(cfg)); err != nil {
		if p.opts.Unanswered(err) {
			p.incomplete[check] = check + ": uploading its config: " + p.because(err)
		}
		p.row(check, view.Unknown, "not tried: uploading its config failed: %s", p.because(err))
		return descriptor.Descriptor{}, false
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(cfgDesc.Digest.String()))
	return p.put(ctx, check, name, imageManifest(docker, cfgDesc, blobOf(layerMT, layer)))
}

// put pushes a manifest under one of the probe's tags and makes the row.
func (p *prober) put(ctx context.Context, check, name string, orig any) (descriptor.Descriptor, bool) {
	m, err := rcmanifest.New(rcmanifest.WithOrig(orig))
	if err != nil {
		p.row(check, view.Unknown, "building it: %v", err)
		return descriptor.Descriptor{}, false
	}
	d := m.GetDescriptor()
	tag := p.repo.SetTag(p.tagPrefix + name)
	p.tags = append(p.tags, tag)
	n := p.mark()
	if err := p.reg.ManifestPut(ctx, tag, m); err != nil {
		p.failed(check, err, "pushing %s, %s", tag.Tag, kind(d.MediaType))
		return d, false
	}
	p.row(check, view.Supported, "pushed %s, %s%s", tag.Tag, kind(d.MediaType), p.deviation(n, http.MethodPut, "/manifests/"))
	return descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, true
}

// annotations pushes an annotated OCI index and reads it back: supported
// when the registry serves the very bytes it was given.
func (p *prober) annotations(ctx context.Context, image descriptor.Descriptor) {
	idx := annotatedIndex(image)
	m, err := rcmanifest.New(rcmanifest.WithOrig(idx))
	if err != nil {
		p.row(CheckIndexAnnotations, view.Unknown, "building it: %v", err)
		return
	}
	want, _ := m.RawBody()
	tag := p.repo.SetTag(p.tagPrefix + "annotations")
	p.tags = append(p.tags, tag)
	err = p.reg.ManifestPut(ctx, tag, m)
	var got rcmanifest.Manifest
	if err == nil {
		got, err = p.reg.ManifestGet(ctx, tag)
	}
	var raw []byte
	if got != nil {
		raw, _ = got.RawBody()
	}
	switch {
	case errors.Is(err, errs.ErrDigestMismatch) || err == nil && !bytes.Equal(raw, want):
		p.row(CheckIndexAnnotations, view.Unsupported, "the registry keeps other bytes than the annotated index it was given")
	case err != nil:
		p.failed(CheckIndexAnnotations, err, "pushing an annotated OCI index")
	default:
		p.row(CheckIndexAnnotations, view.Supported, "an index with %d annotations read back byte for byte", len(idx.Annotations))
	}
}

// artifact pushes an OCI artifact whose subject is the probe's image, then
// asks the referrers API for it.
func (p *prober) artifact(ctx context.Context, subject descriptor.Descriptor) {
	// the empty blob is everybody's: delete it only if the probe brought it
	brought := !p.blobExists(ctx, p.repo, emptyBlob)
	if _, err := p.reg.BlobPut(ctx, p.repo, emptyBlob, bytes.NewReader(descriptor.EmptyData)); err != nil {
		if p.opts.Unanswered(err) {
			p.incomplete[CheckArtifactSubject] = CheckArtifactSubject + ": uploading the empty config: " + p.because(err)
		}
		p.row(CheckArtifactSubject, view.Unknown, "not tried: uploading the empty config failed: %s", p.because(err))
		p.skip(CheckArtifactSubject, "no artifact could be pushed", CheckReferrersAPI)
		return
	}
	if brought {
		p.blobs = append(p.blobs, p.repo.SetDigest(emptyBlob.Digest.String()))
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(artifactOf(subject)))
	if err != nil {
		p.row(CheckArtifactSubject, view.Unknown, "building it: %v", err)
		return
	}
	d := m.GetDescriptor()
	byDigest := p.repo.SetDigest(d.Digest.String())
	p.digests = append(p.digests, byDigest)
	p.subject = subject.Digest.String()
	n := p.mark()
	err = p.reg.ManifestPut(ctx, byDigest, m)
	subjectHeader := false
	for _, e := range p.seen(n, http.MethodPut, "/manifests/"+d.Digest.String()) {
		subjectHeader = subjectHeader || e.Header.Get("OCI-Subject") == subject.Digest.String()
	}
	switch {
	case err != nil && !p.exists(ctx, byDigest):
		p.failed(CheckArtifactSubject, err, "pushing an artifact with artifactType and subject")
		p.skip(CheckArtifactSubject, "no artifact could be pushed", CheckReferrersAPI)
		return
	case err != nil: // stored, but the sha256-<hex> tag a client keeps could not be
		p.row(CheckArtifactSubject, view.Supported, "stored an artifact with artifactType and subject; no OCI-Subject answer, and the sha256-<hex> tag could not be written: %s", p.because(err))
	case subjectHeader:
		p.row(CheckArtifactSubject, view.Supported, "pushed an artifact with artifactType and subject; the registry answered OCI-Subject")
	default:
		p.row(CheckArtifactSubject, view.Supported, "pushed an artifact with artifactType and subject; no OCI-Subject answer: clients keep the sha256-<hex> tag")
	}
	p.referrers(ctx, subject.Digest.String(), d.Digest.String())
}

// referrers asks GET /v2/<repo>/referrers/<digest>.
func (p *prober) referrers(ctx context.Context, subject, artifact string) {
	n := p.mark()
	list, err := p.reg.ReferrerList(ctx, p.repo.SetDigest(subject))
	status := 0
	var hops []Exchange // the redirects followed
	for _, e := range p.seen(n, http.MethodGet, "/referrers/") {
		if e.Redirect != nil {
			hops = append(hops, e)
		} else {
			status = e.Status
		}
	}
	found := false
	for _, d := range list.Descriptors {
		found = found || d.Digest.String() == artifact
	}
	api := fmt.Sprintf("GET /v2/%s/referrers/<digest>", p.repo.Repository)
	how := "the sha256-<hex> tag fallback works"
	if err != nil || !found {
		how = "the sha256-<hex> tag fallback did not list the artifact either"
	}
	switch {
	case status == http.StatusOK && found:
		p.row(CheckReferrersAPI, view.Supported, "%s lists the artifact", api)
	case status == http.StatusOK:
		p.row(CheckReferrersAPI, view.Unknown, "%s answers, without the artifact just pushed", api)
	case len(hops) > 0:
		p.row(CheckReferrersAPI, view.Unknown, "%s %s; %s", api, redirectWords(hops), how)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusBadRequest:
		p.row(CheckReferrersAPI, view.Unsupported, "%s answers %d %s; %s", api, status, http.StatusText(status), how)
	case status != 0:
		p.row(CheckReferrersAPI, view.Unknown, "%s answers %d %s", api, status, http.StatusText(status))
	default:
		p.row(CheckReferrersAPI, view.Unknown, "no answer to the referrers request: %v", err)
		p.incomplete[CheckReferrersAPI] = fmt.Sprintf("%s: %v", CheckReferrersAPI, err)
	}
}

// redirectWords says where the redirects of a referrers request led, and
// what was answered there: "answers 303 See Other to http://api/x, which
// answers 429 Too Many Requests (its words)".
func redirectWords(hops []Exchange) string {
	first, last := hops[0], hops[len(hops)-1].Redirect
	said := ""
	if last.Said != "" {
		said = " (" + last.Said + ")"
	}
	answer := fmt.Sprintf("which answers %d %s%s", last.Status, http.StatusText(last.Status), said)
	switch {
	case last.Status >= 300 && last.Status < 400:
		answer = "which redirects again: no answer after " + strconv.Itoa(len(hops)+1) + " redirects (a loop?)"
	case last.Status == 0:
		answer = "which could not be asked"
	}
	return fmt.Sprintf("answers %d %s to %s, %s", first.Status, http.StatusText(first.Status), last.URL, answer)
}

// tagList checks the tag list.
func (p *prober) tagList(ctx context.Context) {
	tl, err := p.reg.TagList(ctx, p.repo)
	switch {
	case err != nil && len(p.tags) == 0 && errors.Is(err, errs.ErrNotFound):
		p.row(CheckTagList, view.Unknown, "the repository has no tags to list (404)")
		return
	case err != nil:
		p.failed(CheckTagList, err, "listing tags")
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
		p.row(CheckTagList, view.Supported, "the tag list answers (%d tags)", len(tags))
	case ours == 0:
		p.row(CheckTagList, view.Unknown, "the tag list (%d tags) shows none of the probe's tags", len(tags))
	default:
		p.row(CheckTagList, view.Supported, "the tag list shows %d of the probe's tags", ours)
	}
}

// deleteCheck deletes one manifest the probe pushed, by digest. A HEAD
// that failed, other than with a 404, says nothing of what the registry
// holds: the row is then unknown, with the cause, and not "nothing was
// pushed" nor "deleted".
func (p *prober) deleteCheck(ctx context.Context) {
	var victim ref.Ref
	var unread error
	for _, t := range append(append([]ref.Ref{}, p.tags...), p.digests...) {
		d, err := p.digestOf(ctx, t)
		switch {
		case err != nil:
			unread = cmp.Or(unread, err)
		case d != "":
			victim = p.repo.SetDigest(d)
		}
	}
	switch {
	case victim.Digest == "" && unread != nil:
		p.row(CheckDelete, view.Unknown, "not tried: what the probe pushed could not be read back: %s", p.because(unread))
		return
	case victim.Digest == "":
		p.skip("", "nothing was pushed", CheckDelete)
		return
	}
	n := p.mark()
	if err := p.reg.ManifestDelete(ctx, victim); err != nil {
		p.noDeletes = true
		p.failed(CheckDelete, err, "deleting a manifest by digest")
		return
	}
	switch d, err := p.digestOf(ctx, victim); {
	case err != nil:
		p.row(CheckDelete, view.Unknown, "a manifest deleted by digest (202) could not be read back: %s", p.because(err))
	case d != "":
		p.noDeletes = true
		p.row(CheckDelete, view.Unsupported, "a manifest deleted by digest (202) is still served")
	default:
		p.row(CheckDelete, view.Supported, "deleted a manifest by digest%s", p.deviation(n, http.MethodDelete, "/manifests/"))
	}
}

// tagDelete pushes an OCI image of its own under a probe tag, deletes
// the tag alone (DELETE of /v2/<repository>/manifests/<tag>, what push
// --untag-members sends), and checks that the tag is gone and the image
// still served by its digest. The image is listed by its digest too, so
// that cleanup finds it once its tag is gone.
func (p *prober) tagDelete(ctx context.Context, layer []byte) {
	cfg := newConfig()
	cfgDesc := blobOf(mediatype.OCI1ImageConfig, cfg)
	if _, err := p.reg.BlobPut(ctx, p.repo, cfgDesc, bytes.NewReader(cfg)); err != nil {
		if p.opts.Unanswered(err) {
			p.incomplete[CheckTagDelete] = CheckTagDelete + ": uploading its config: " + p.because(err)
		}
		p.row(CheckTagDelete, view.Unknown, "not tried: uploading the config of its image failed: %s", p.because(err))
		return
	}
	p.blobs = append(p.blobs, p.repo.SetDigest(cfgDesc.Digest.String()))
	m, err := rcmanifest.New(rcmanifest.WithOrig(imageManifest(false, cfgDesc, blobOf(mediatype.OCI1LayerGzip, layer))))
	if err != nil {
		p.row(CheckTagDelete, view.Unknown, "building its image: %v", err)
		return
	}
	tag := p.repo.SetTag(p.tagPrefix + "tag-delete")
	image := p.repo.SetDigest(m.GetDescriptor().Digest.String())
	p.tags, p.digests = append(p.tags, tag), append(p.digests, image)
	if err := p.reg.ManifestPut(ctx, tag, m); err != nil {
		if p.opts.Unanswered(err) {
			p.incomplete[CheckTagDelete] = CheckTagDelete + ": pushing its image: " + p.because(err)
		}
		p.row(CheckTagDelete, view.Unknown, "not tried: pushing an image under %s failed: %s", tag.Tag, p.because(err))
		return
	}
	n := p.mark()
	if err := p.reg.TagDelete(ctx, tag); err != nil {
		p.failed(CheckTagDelete, err, "deleting the tag %s", tag.Tag)
		return
	}
	// the registry says the tag is gone: cleanup looks for the image by
	// its digest, and for the tag only if it is seen still served
	p.tags = slices.DeleteFunc(p.tags, func(t ref.Ref) bool { return t == tag })
	byTag, errTag := p.digestOf(ctx, tag)
	byDigest, errDigest := p.digestOf(ctx, image)
	switch {
	case errTag != nil || errDigest != nil:
		p.row(CheckTagDelete, view.Unknown, "deleted the tag %s (2xx), but reading back the tag and its image failed: %s", tag.Tag, p.because(cmp.Or(errTag, errDigest)))
	case byTag != "":
		p.tags = append(p.tags, tag)
		p.row(CheckTagDelete, view.Unsupported, "the tag %s, deleted (2xx), is still served", tag.Tag)
	case byDigest == "":
		p.row(CheckTagDelete, view.Unsupported, "deleting the tag %s deleted its image too: it is not served by digest", tag.Tag)
	default:
		p.row(CheckTagDelete, view.Supported, "deleted the tag %s; its image is still served by digest%s", tag.Tag, p.deviation(n, http.MethodDelete, "/manifests/"))
	}
}

// cleanup deletes what the probe pushed, and only that: what its tags
// point at, what it pushed by digest, the sha256-<hex> tag of its artifact,
// and the blobs it brought. It returns what it could not remove: anything
// still served after the attempt, or whose HEAD failed (a tag whose
// digest could not be read is listed by its tag). Once the registry
// refuses a delete, it asks no more; while a manifest stays, or may, no
// blob is deleted, as it may be one of that manifest's.
func (p *prober) cleanup(ctx context.Context) []view.Leftover {
	var manifests []ref.Ref
	seen := map[string]bool{}
	refs := append(append([]ref.Ref{}, p.tags...), p.digests...)
	if p.subject != "" {
		refs = append(refs, p.repo.SetTag(strings.Replace(p.subject, ":", "-", 1)))
	}
	left := []view.Leftover{}
	leave := func(kind string, r ref.Ref) {
		left = append(left, view.Leftover{Kind: kind, Repository: r.Repository, Digest: r.Digest})
	}
	for _, r := range refs {
		switch d, err := p.digestOf(ctx, r); {
		case err != nil:
			left = append(left, view.Leftover{Kind: "manifest", Repository: r.Repository, Digest: r.Digest, Tag: r.Tag})
		case d != "" && !seen[d]:
			seen[d] = true
			manifests = append(manifests, p.repo.SetDigest(d))
		}
	}
	for i := len(manifests) - 1; i >= 0; i-- { // lists before their images
		r := manifests[i]
		if !p.noDeletes {
			if err := p.reg.ManifestDelete(ctx, r); err != nil && !errors.Is(err, errs.ErrNotFound) {
				p.noDeletes = true
			}
		}
		if d, err := p.digestOf(ctx, r); err != nil || d != "" {
			leave("manifest", r)
		}
	}
	blobDeletes := !p.noDeletes && len(left) == 0
	for _, b := range p.blobs {
		d := descriptor.Descriptor{Digest: digest.Digest(b.Digest)}
		if blobDeletes {
			if err := p.reg.BlobDelete(ctx, b, d); err != nil && !errors.Is(err, errs.ErrNotFound) {
				blobDeletes = false
			}
		}
		if p.blobExists(ctx, b, d) {
			leave("blob", b)
		}
	}
	sort.SliceStable(left, func(i, j int) bool { return left[i].Repository < left[j].Repository })
	return left
}

// digestOf returns the digest of the manifest r names: "" when the
// registry answers that it holds none (404); "" and the error when the
// HEAD failed otherwise, which tells nothing of what it holds.
func (p *prober) digestOf(ctx context.Context, r ref.Ref) (string, error) {
	m, err := p.reg.ManifestHead(ctx, r)
	switch {
	case err == nil:
		return m.GetDescriptor().Digest.String(), nil
	case errors.Is(err, errs.ErrNotFound):
		return "", nil
	}
	return "", err
}

// exists reports whether the registry is seen to hold the manifest r names.
func (p *prober) exists(ctx context.Context, r ref.Ref) bool {
	d, _ := p.digestOf(ctx, r)
	return d != ""
}

// blobExists reports whether the registry serves the blob d in the
// repository r names, or may: a HEAD that failed other than with a 404
// does not show it absent.
func (p *prober) blobExists(ctx context.Context, r ref.Ref, d descriptor.Descriptor) bool {
	rdr, err := p.reg.BlobHead(ctx, r, d)
	if err != nil {
		return !errors.Is(err, errs.ErrNotFound)
	}
	rdr.Close()
	return true
}

// kind names a manifest media type for people, with its article. The
// probe says which Docker schema it pushed (v2.2), which inspect's shorter
// names leave out.
func kind(mt string) string {
	switch mt {
	case mediatype.Docker2Manifest:
		return "a Docker v2.2 image manifest"
	case mediatype.Docker2ManifestList:
		return "a Docker v2.2 manifest list"
	}
	return text.Article(text.MediaTypeName(mt))
}
