package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/blob"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/ping"
	"github.com/regclient/regclient/types/ref"
	"github.com/regclient/regclient/types/referrer"
	"github.com/regclient/regclient/types/tag"

	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// fake is an in-memory registry behind the Registry interface. It keeps
// blobs, manifests and tags per repository, as the Distribution registry
// does, and records the HTTP exchanges a regclient client would have had
// with it. By default it supports everything but the referrers API; its
// fields make it behave otherwise.
type fake struct {
	apiVersion     string // Docker-Distribution-API-Version of /v2/ ("" for none)
	challenge      string // a 401 with this WWW-Authenticate comes before /v2/ answers
	writeChallenge string // every write is refused: 401 with this WWW-Authenticate
	putPatches     int    // PATCH requests a blob upload with a digest takes (0: one PUT)
	onePatch       bool   // a chunked upload goes in one PATCH
	mountOffer     bool   // a mount is answered with an upload offer (202)
	rewrite        bool   // annotated indexes are stored re-indented
	mismatch       bool   // a manifest read by tag fails the digest check
	subjectHeader  bool   // OCI-Subject is answered to an artifact's PUT
	referrers      int    // the referrers API's status: 200 answers; 0 no answer; others fall back to the tag
	keepDeleted    bool   // a manifest DELETE answers 202 and keeps the manifest
	referrersLag   bool   // the referrers API answers 200 without the artifact
	staleTags      bool   // the tag list answers without the probe's tags
	answered       string // the status a manifest PUT was answered, when the transport took it for 201
	// fail, when it returns an error, makes the operation fail with it
	// (the exchange answers 400, or the status of a statusError)
	fail func(c call) error

	mu        sync.Mutex
	blobs     map[string]bool   // repo@digest
	manifests map[string][]byte // repo@digest -> body
	types     map[string]string // repo@digest -> media type
	tags      map[string]string // repo:tag -> digest
	pushed    map[string][]byte // digest -> body of every manifest ever stored
	log       []Exchange
	calls     []call // every operation, in order
}

// call is one operation on the fake: its name (the method's), the
// reference, and the media type of what it pushes.
type call struct {
	Op        string
	Ref       ref.Ref
	MediaType string
}

func newFake() *fake {
	return &fake{apiVersion: "registry/2.0", referrers: http.StatusNotFound,
		blobs: map[string]bool{}, manifests: map[string][]byte{}, types: map[string]string{}, tags: map[string]string{}, pushed: map[string][]byte{}}
}

// answer is a failed request as regclient reports it, with its status.
type answer struct {
	status int
	err    error
}

func (a answer) Error() string { return a.err.Error() }
func (a answer) Unwrap() error { return a.err }

// statusError is the error of a request answered with status.
func statusError(status int) error {
	switch status {
	case http.StatusUnauthorized:
		return answer{status, fmt.Errorf("request failed: %w", errs.ErrHTTPUnauthorized)}
	case http.StatusNotFound:
		return answer{status, fmt.Errorf("request failed: %w", errs.ErrNotFound)}
	}
	return answer{status, fmt.Errorf("request failed: %d %s: %w", status, http.StatusText(status), errs.ErrHTTPStatus)}
}

func (f *fake) record(method, path string, status int, header http.Header) {
	f.log = append(f.log, Exchange{Method: method, Path: path, Status: status, Header: header})
}

// begin records the call and says whether it is refused, and how: a write
// to a registry with a writeChallenge, or what fail returns.
func (f *fake) begin(c call, method, path string) error {
	f.calls = append(f.calls, c)
	if f.writeChallenge != "" && method != http.MethodGet && method != http.MethodHead {
		f.record(method, path, http.StatusUnauthorized, http.Header{"Www-Authenticate": {f.writeChallenge}})
		return statusError(http.StatusUnauthorized)
	}
	if f.fail == nil {
		return nil
	}
	err := f.fail(c)
	if err != nil {
		status := http.StatusBadRequest
		if a := (answer{}); errors.As(err, &a) {
			status = a.status
		}
		f.record(method, path, status, nil)
	}
	return err
}

func (f *fake) Exchanges() []Exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Exchange(nil), f.log...)
}

func (f *fake) Ping(_ context.Context, host ref.Ref) (ping.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(call{Op: "Ping", Ref: host}, http.MethodGet, "/v2/"); err != nil {
		return ping.Result{}, err
	}
	if f.challenge != "" {
		f.record(http.MethodGet, "/v2/", http.StatusUnauthorized, http.Header{"Www-Authenticate": {f.challenge}})
	}
	h := http.Header{}
	if f.apiVersion != "" {
		h.Set("Docker-Distribution-API-Version", f.apiVersion)
	}
	f.record(http.MethodGet, "/v2/", http.StatusOK, h)
	return ping.Result{Header: h}, nil
}

func (f *fake) BlobPut(_ context.Context, r ref.Ref, d descriptor.Descriptor, rdr io.Reader) (descriptor.Descriptor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	uploads := "/v2/" + r.Repository + "/blobs/uploads/"
	if err := f.begin(call{Op: "BlobPut", Ref: r, MediaType: d.MediaType}, http.MethodPost, uploads); err != nil {
		return descriptor.Descriptor{}, err
	}
	data, _ := io.ReadAll(rdr)
	f.record(http.MethodPost, uploads, http.StatusAccepted, nil)
	patches := f.putPatches
	if d.Digest == "" { // in chunks
		patches = (len(data) + ChunkSize - 1) / ChunkSize
		if f.onePatch {
			patches = 1
		}
		d = descriptor.Descriptor{MediaType: mediatype.OCI1Layer, Digest: digest.FromBytes(data), Size: int64(len(data))}
	}
	for range patches {
		f.record(http.MethodPatch, uploads+"u1", http.StatusAccepted, nil)
	}
	f.record(http.MethodPut, uploads+"u1", http.StatusCreated, nil)
	f.blobs[r.Repository+"@"+d.Digest.String()] = true
	return d, nil
}

func (f *fake) BlobMount(_ context.Context, from, to ref.Ref, d descriptor.Descriptor) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	uploads := "/v2/" + to.Repository + "/blobs/uploads/"
	if err := f.begin(call{Op: "BlobMount", Ref: to}, http.MethodPost, uploads); err != nil {
		return err
	}
	if f.mountOffer || !f.blobs[from.Repository+"@"+d.Digest.String()] {
		f.record(http.MethodPost, uploads, http.StatusAccepted, nil)
		return fmt.Errorf("mounting: %w", errs.ErrMountReturnedLocation)
	}
	f.record(http.MethodPost, uploads, http.StatusCreated, nil)
	f.blobs[to.Repository+"@"+d.Digest.String()] = true
	return nil
}

func (f *fake) BlobHead(_ context.Context, r ref.Ref, d descriptor.Descriptor) (blob.Reader, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := "/v2/" + r.Repository + "/blobs/" + d.Digest.String()
	if err := f.begin(call{Op: "BlobHead", Ref: r.SetDigest(d.Digest.String())}, http.MethodHead, path); err != nil {
		return nil, err
	}
	if !f.blobs[r.Repository+"@"+d.Digest.String()] {
		f.record(http.MethodHead, path, http.StatusNotFound, nil)
		return nil, statusError(http.StatusNotFound)
	}
	f.record(http.MethodHead, path, http.StatusOK, nil)
	return blob.NewReader(blob.WithDesc(d)), nil
}

func (f *fake) BlobDelete(_ context.Context, r ref.Ref, d descriptor.Descriptor) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := "/v2/" + r.Repository + "/blobs/" + d.Digest.String()
	if err := f.begin(call{Op: "BlobDelete", Ref: r.SetDigest(d.Digest.String())}, http.MethodDelete, path); err != nil {
		return err
	}
	if !f.blobs[r.Repository+"@"+d.Digest.String()] {
		f.record(http.MethodDelete, path, http.StatusNotFound, nil)
		return statusError(http.StatusNotFound)
	}
	f.record(http.MethodDelete, path, http.StatusAccepted, nil)
	delete(f.blobs, r.Repository+"@"+d.Digest.String())
	return nil
}

// manifestPath is the path of r's manifest: by digest, else by tag.
func manifestPath(r ref.Ref) string {
	if r.Digest != "" {
		return "/v2/" + r.Repository + "/manifests/" + r.Digest
	}
	return "/v2/" + r.Repository + "/manifests/" + r.Tag
}

func (f *fake) ManifestPut(_ context.Context, r ref.Ref, m rcmanifest.Manifest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(call{Op: "ManifestPut", Ref: r, MediaType: m.GetDescriptor().MediaType}, http.MethodPut, manifestPath(r)); err != nil {
		return err
	}
	body, _ := m.RawBody()
	if f.rewrite && strings.HasSuffix(r.Tag, "-annotations") {
		var buf bytes.Buffer
		_ = json.Indent(&buf, body, "", "  ")
		body = buf.Bytes()
	}
	d := f.store(r, m.GetDescriptor().MediaType, body)
	var subject *descriptor.Descriptor
	if s, ok := m.(rcmanifest.Subjecter); ok {
		subject, _ = s.GetSubject()
	}
	h := http.Header{"Docker-Content-Digest": {d.String()}}
	if f.answered != "" {
		h.Set(transport.AnsweredHeader, f.answered)
	}
	if subject != nil && f.subjectHeader {
		h.Set("OCI-Subject", subject.Digest.String())
	}
	f.record(http.MethodPut, manifestPath(r), http.StatusCreated, h)
	if subject == nil || f.subjectHeader {
		return nil
	}
	// no OCI-Subject: the client keeps the subject's sha256-<hex> tag, an
	// index of its referrers
	fallback := r.SetTag(strings.Replace(subject.Digest.String(), ":", "-", 1))
	if err := f.begin(call{Op: "ManifestPut", Ref: fallback, MediaType: mediatype.OCI1ManifestList}, http.MethodPut, manifestPath(fallback)); err != nil {
		return fmt.Errorf("updating the referrers tag: %w", err)
	}
	idx := v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList}
	if old, ok := f.tags[fallback.Repository+":"+fallback.Tag]; ok {
		_ = json.Unmarshal(f.manifests[fallback.Repository+"@"+old], &idx)
	}
	art := m.GetDescriptor()
	idx.Manifests = append(idx.Manifests, descriptor.Descriptor{MediaType: art.MediaType, Digest: art.Digest, Size: art.Size, ArtifactType: ArtifactType})
	b, _ := json.Marshal(idx)
	f.store(fallback, mediatype.OCI1ManifestList, b)
	f.record(http.MethodPut, manifestPath(fallback), http.StatusCreated, nil)
	return nil
}

// store keeps a manifest, under r's tag too when it has one.
func (f *fake) store(r ref.Ref, mt string, body []byte) digest.Digest {
	d := digest.FromBytes(body)
	f.manifests[r.Repository+"@"+d.String()] = body
	f.pushed[d.String()] = body
	f.types[r.Repository+"@"+d.String()] = mt
	if r.Digest == "" {
		f.tags[r.Repository+":"+r.Tag] = d.String()
	}
	return d
}

// lookup finds the manifest r names.
func (f *fake) lookup(r ref.Ref) (rcmanifest.Manifest, bool) {
	dig := r.Digest
	if dig == "" {
		dig = f.tags[r.Repository+":"+r.Tag]
	}
	body, ok := f.manifests[r.Repository+"@"+dig]
	if !ok {
		return nil, false
	}
	m, err := rcmanifest.New(rcmanifest.WithRaw(body), rcmanifest.WithDesc(descriptor.Descriptor{
		MediaType: f.types[r.Repository+"@"+dig], Digest: digest.Digest(dig), Size: int64(len(body))}))
	return m, err == nil
}

func (f *fake) ManifestGet(_ context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(call{Op: "ManifestGet", Ref: r}, http.MethodGet)
}

func (f *fake) get(c call, method string) (rcmanifest.Manifest, error) {
	if err := f.begin(c, method, manifestPath(c.Ref)); err != nil {
		return nil, err
	}
	m, ok := f.lookup(c.Ref)
	if !ok {
		f.record(method, manifestPath(c.Ref), http.StatusNotFound, nil)
		return nil, statusError(http.StatusNotFound)
	}
	f.record(method, manifestPath(c.Ref), http.StatusOK, nil)
	if f.mismatch && method == http.MethodGet && c.Ref.Digest == "" {
		return nil, fmt.Errorf("reading %s: %w", c.Ref.Tag, errs.ErrDigestMismatch)
	}
	return m, nil
}

func (f *fake) ManifestHead(_ context.Context, r ref.Ref) (rcmanifest.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(call{Op: "ManifestHead", Ref: r}, http.MethodHead)
}

func (f *fake) ManifestDelete(_ context.Context, r ref.Ref) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(call{Op: "ManifestDelete", Ref: r}, http.MethodDelete, manifestPath(r)); err != nil {
		return err
	}
	key := r.Repository + "@" + r.Digest
	if _, ok := f.manifests[key]; !ok {
		f.record(http.MethodDelete, manifestPath(r), http.StatusNotFound, nil)
		return statusError(http.StatusNotFound)
	}
	f.record(http.MethodDelete, manifestPath(r), http.StatusAccepted, nil)
	if f.keepDeleted {
		return nil
	}
	delete(f.manifests, key)
	for t, d := range f.tags { // as Distribution does: its tags go too
		if d == r.Digest && strings.HasPrefix(t, r.Repository+":") {
			delete(f.tags, t)
		}
	}
	return nil
}

// TagDelete deletes a tag as Distribution 3 does: the tag goes, its
// manifest stays; keepDeleted answers 202 and keeps the tag.
func (f *fake) TagDelete(_ context.Context, r ref.Ref) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(call{Op: "TagDelete", Ref: r}, http.MethodDelete, manifestPath(r)); err != nil {
		return err
	}
	key := r.Repository + ":" + r.Tag
	if _, ok := f.tags[key]; !ok {
		f.record(http.MethodDelete, manifestPath(r), http.StatusNotFound, nil)
		return statusError(http.StatusNotFound)
	}
	f.record(http.MethodDelete, manifestPath(r), http.StatusAccepted, nil)
	if !f.keepDeleted {
		delete(f.tags, key)
	}
	return nil
}

func (f *fake) ReferrerList(_ context.Context, subject ref.Ref) (referrer.ReferrerList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := "/v2/" + subject.Repository + "/referrers/" + subject.Digest
	rl := referrer.ReferrerList{Subject: subject}
	if err := f.begin(call{Op: "ReferrerList", Ref: subject}, http.MethodGet, path); err != nil {
		return rl, err
	}
	if f.referrers == 0 {
		f.record(http.MethodGet, path, 0, nil)
		return rl, fmt.Errorf("GET %s: %w", path, io.ErrUnexpectedEOF)
	}
	f.record(http.MethodGet, path, f.referrers, nil)
	if f.referrers == http.StatusOK {
		if f.referrersLag {
			return rl, nil
		}
		for key, body := range f.manifests {
			var m v1.Manifest
			if strings.HasPrefix(key, subject.Repository+"@") && json.Unmarshal(body, &m) == nil && m.Subject != nil && m.Subject.Digest.String() == subject.Digest {
				rl.Descriptors = append(rl.Descriptors, descriptor.Descriptor{MediaType: m.MediaType, Digest: digest.FromBytes(body), Size: int64(len(body)), ArtifactType: m.ArtifactType})
			}
		}
		return rl, nil
	}
	// as regclient does: any other answer, and it reads the tag
	fallback := subject.SetTag(strings.Replace(subject.Digest, ":", "-", 1))
	m, ok := f.lookup(fallback)
	if !ok {
		f.record(http.MethodGet, manifestPath(fallback), http.StatusNotFound, nil)
		return rl, nil // no tag: no referrers
	}
	f.record(http.MethodGet, manifestPath(fallback), http.StatusOK, nil)
	rl.Descriptors, _ = m.(rcmanifest.Indexer).GetManifestList()
	return rl, nil
}

func (f *fake) TagList(_ context.Context, repo ref.Ref) (*tag.List, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := "/v2/" + repo.Repository + "/tags/list"
	if err := f.begin(call{Op: "TagList", Ref: repo}, http.MethodGet, path); err != nil {
		return nil, err
	}
	tags := f.tagsOf(repo.Repository)
	if f.staleTags {
		tags = []string{"latest"}
	}
	if len(tags) == 0 {
		f.record(http.MethodGet, path, http.StatusNotFound, nil)
		return nil, statusError(http.StatusNotFound)
	}
	f.record(http.MethodGet, path, http.StatusOK, nil)
	return tag.New(tag.WithRef(repo), tag.WithTags(tags))
}

// tagsOf lists a repository's tags, sorted.
func (f *fake) tagsOf(repo string) []string {
	var tags []string
	for t := range f.tags {
		if name, ok := strings.CutPrefix(t, repo+":"); ok {
			tags = append(tags, name)
		}
	}
	sort.Strings(tags)
	return tags
}
