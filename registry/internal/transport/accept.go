package transport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
)

// AnsweredHeader is set, by [acceptedWrites], on the answer to a write the
// registry answered with another success status than the distribution
// spec's, once the write was confirmed: its value is the status the
// registry answered ("202 Accepted"); the answer's status is then the
// spec's. The registry's own header of that name is dropped.
const AnsweredHeader = "Manifest-Tool-Answered"

// UnconfirmedError is returned for a write the registry answered with
// another success status than the spec's, when what the registry holds
// afterwards does not show that it stored what was sent.
type UnconfirmedError struct {
	Method, Host, Path string // the write, its path without the query
	Status             string // what the registry answered: "202 Accepted"
	Check              string // the request that looked: "HEAD /v2/app/manifests/1.0"
	Found              string // what it found, in a few words
	// Unsure is true when Check could not tell (it answered an error
	// other than 404), false when it showed what was sent is not there.
	Unsure bool
}

func (e *UnconfirmedError) Error() string {
	end := "the registry did not store what was sent"
	if e.Unsure {
		end = "the write could not be confirmed"
	}
	return fmt.Sprintf("%s %s%s: %s answered %s, but %s %s: %s", e.Method, e.Host, e.Path, e.Host, e.Status, e.Check, e.Found, end)
}

// acceptedWrites takes any 2xx answer to a manifest PUT, a blob upload's
// last PUT or a blob mount for the success it is, once confirmed.
//
// It is here because regclient v0.11.7 takes only the spec's statuses
// (scheme/reg/manifest.go ManifestPut: 201; blob.go blobPutUploadFull:
// 201 or 204; blobMount: 201, or 202 for an upload offered) and calls any
// other a failure, while registries answer 200 or 202 to a manifest PUT
// and 200 to a blob PUT or a mount (distribution/distribution#142,
// moby/moby#10403), having stored it; Docker takes any 2xx. Such an answer
// is confirmed by the digest: the answer's Docker-Content-Digest, else a
// HEAD of what was written (a manifest's digest from the HEAD, or from a
// GET when the HEAD does not say it), and then handed on with the spec's
// status and [AnsweredHeader]. A write not confirmed (another digest,
// another size, nothing there) is an [UnconfirmedError].
type acceptedWrites struct{ next http.RoundTripper }

// writeRE parses a write's path: the part up to /v2/, the repository, and
// what follows it.
var writeRE = regexp.MustCompile(`^(.*/v2/)(.+)/(manifests/[^/]+|blobs/uploads/[^/]*)$`)

func (a acceptedWrites) RoundTrip(req *http.Request) (*http.Response, error) {
	m := writeRE.FindStringSubmatch(req.URL.Path)
	var sent []byte // a manifest's, kept to confirm its write
	if m != nil && req.Method == http.MethodPut && strings.HasPrefix(m[3], "manifests/") {
		var err error
		if req, sent, err = keepBody(req); err != nil {
			return nil, err
		}
	}
	resp, err := a.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Header.Del(AnsweredHeader)
	if req.Method == http.MethodDelete {
		return a.deleted(req, resp), nil
	}
	if m == nil || resp.StatusCode/100 != 2 {
		return resp, nil
	}
	base, rest := m[1]+m[2], m[3]
	q := req.URL.Query()
	var spec string
	var check func() error
	switch {
	case req.Method == http.MethodPut && strings.HasPrefix(rest, "manifests/"):
		spec = "201 Created"
		check = func() error { return a.confirmManifest(req, resp, base+"/"+rest, sent) }
	case req.Method == http.MethodPut && q.Get("digest") != "":
		if resp.StatusCode == http.StatusNoContent {
			return resp, nil // Docker's registry spec lists 204, and regclient takes it
		}
		spec = "201 Created"
		check = func() error { return a.confirmBlob(req, resp, base, q.Get("digest"), req.ContentLength) }
	case req.Method == http.MethodPost && q.Get("mount") != "":
		if resp.StatusCode == http.StatusAccepted {
			return resp, nil // an upload offered instead
		}
		spec = "201 Created"
		check = func() error { return a.confirmBlob(req, resp, base, q.Get("mount"), -1) }
	default:
		return resp, nil
	}
	if resp.StatusCode == http.StatusCreated {
		return resp, nil
	}
	if err := check(); err != nil {
		resp.Body.Close()
		return nil, err
	}
	resp.Header.Set(AnsweredHeader, resp.Status)
	resp.StatusCode, resp.Status = http.StatusCreated, spec
	return resp, nil
}

// deleteRE matches the path of a manifest's or a blob's DELETE.
var deleteRE = regexp.MustCompile(`^.*/v2/.+/(manifests|blobs)/[^/]+$`)

// manifestTypes is the Accept of the HEAD that confirms a manifest's
// DELETE: every manifest type, so that a registry that serves by Accept
// does not answer 404 for a manifest that is there.
const manifestTypes = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

// deleted takes a manifest or blob DELETE answered 200 OK or 204 No
// Content for the 202 Accepted the distribution spec says, once a HEAD of
// what was deleted answers 404: resp is then handed on as 202 with
// [AnsweredHeader]. Any other answer is handed on as it is.
//
// It is here because regclient v0.11.7 takes only 202 for a delete
// (scheme/reg/manifest.go ManifestDelete, blob.go BlobDelete) and calls
// any other a failure, while the distribution spec's "Deleting manifests"
// says 202 and registries in practice answer another 2xx, having deleted
// it (HTTP's 200 and 204 both say a DELETE was done).
func (a acceptedWrites) deleted(req *http.Request, resp *http.Response) *http.Response {
	if (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent) || !deleteRE.MatchString(req.URL.Path) {
		return resp
	}
	accept := ""
	if strings.Contains(req.URL.Path, "/manifests/") {
		accept = manifestTypes
	}
	head, err := a.look(req, http.MethodHead, req.URL.Path, accept)
	if err != nil {
		return resp
	}
	head.Body.Close()
	if head.StatusCode != http.StatusNotFound {
		return resp
	}
	resp.Header.Set(AnsweredHeader, resp.Status)
	resp.StatusCode, resp.Status = http.StatusAccepted, "202 Accepted"
	return resp
}

// unconfirmed is the UnconfirmedError of req's answer resp, found by the
// request check.
func unconfirmed(req *http.Request, resp *http.Response, check, found string) error {
	return &UnconfirmedError{Method: req.Method, Host: req.URL.Host, Path: req.URL.Path, Status: resp.Status, Check: check, Found: found}
}

// unanswered is the UnconfirmedError of req's answer resp when the request
// check, answered look, is no success: not there on a 404, unsure else.
func unanswered(req *http.Request, resp *http.Response, check string, look *http.Response) error {
	return &UnconfirmedError{Method: req.Method, Host: req.URL.Host, Path: req.URL.Path, Status: resp.Status, Check: check,
		Found: "answers " + look.Status, Unsure: look.StatusCode != http.StatusNotFound}
}

// confirmManifest confirms a manifest PUT to path: what the registry holds
// there has the digest of the manifest sent (its size too, when said).
func (a acceptedWrites) confirmManifest(req *http.Request, resp *http.Response, path string, body []byte) error {
	var want digest.Digest // "" when not known: the write is confirmed by what is there
	if body != nil {
		want = digest.Canonical.FromBytes(body)
	}
	if d, err := digest.Parse(path[strings.LastIndex(path, "/")+1:]); err == nil {
		want = d // by digest: regclient checked it is the body's
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != "" {
		if want != "" && got != want.String() {
			return unconfirmed(req, resp, "its answer", "says "+got+", not "+want.String()+" that was sent")
		}
		return nil
	}
	head, check, err := a.head(req, resp, path, req.Header.Get("Content-Type"))
	switch {
	case err != nil:
		return err
	case body != nil && head.Header.Get("Content-Length") != "" && head.ContentLength != int64(len(body)):
		return unconfirmed(req, resp, check, "says "+strconv.FormatInt(head.ContentLength, 10)+" bytes, not the "+strconv.Itoa(len(body))+" sent")
	}
	got := head.Header.Get("Docker-Content-Digest")
	if want == "" {
		return nil
	}
	if got == "" { // the HEAD does not say: the bytes do
		check = "GET " + path
		get, err := a.look(req, http.MethodGet, path, req.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		defer get.Body.Close()
		if get.StatusCode != http.StatusOK {
			return unanswered(req, resp, check, get)
		}
		held, err := io.ReadAll(get.Body)
		if err != nil {
			return err
		}
		got = digest.Canonical.FromBytes(held).String()
	}
	if got != want.String() {
		return unconfirmed(req, resp, check, "shows "+got+", not "+want.String()+" that was sent")
	}
	return nil
}

// confirmBlob confirms a blob upload or mount into the repository at base
// (".../v2/<repo>"): the registry serves the blob dig there, of size bytes
// when size is known (-1 otherwise).
func (a acceptedWrites) confirmBlob(req *http.Request, resp *http.Response, base, dig string, size int64) error {
	if got := resp.Header.Get("Docker-Content-Digest"); got != "" && got != dig {
		return unconfirmed(req, resp, "its answer", "says "+got+", not "+dig)
	}
	path := base + "/blobs/" + dig
	head, check, err := a.head(req, resp, path, "")
	switch {
	case err != nil:
		return err
	case size > 0 && req.Header.Get("Content-Range") == "" && head.Header.Get("Content-Length") != "" && head.ContentLength != size:
		return unconfirmed(req, resp, check, "says "+strconv.FormatInt(head.ContentLength, 10)+" bytes, not the "+strconv.FormatInt(size, 10)+" sent")
	}
	return nil
}

// look sends method to path on req's host, with req's credentials and
// accept as its Accept when not "", and returns the answer.
func (a acceptedWrites) look(req *http.Request, method, path, accept string) (*http.Response, error) {
	u := &url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: path}
	out, err := http.NewRequestWithContext(req.Context(), method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"Authorization", "User-Agent"} {
		if v := req.Header.Get(h); v != "" {
			out.Header.Set(h, v)
		}
	}
	if accept != "" {
		out.Header.Set("Accept", accept)
	}
	return a.next.RoundTrip(out)
}

// keptBodyMax bounds the body of a manifest PUT kept to confirm it: four
// times the largest manifest a registry takes by default.
const keptBodyMax = 4 * DefaultMaxManifestSize

// keepBody reads req's body, when of a known length up to keptBodyMax,
// and returns a copy of req that sends those bytes, with them; req as it
// is, and no bytes, otherwise. (regclient's GetBody hands back the reader
// it already sent, so the body cannot be read again afterwards.)
func keepBody(req *http.Request) (*http.Request, []byte, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 || req.ContentLength > keptBodyMax {
		return req, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, req.ContentLength))
	req.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	out.ContentLength = int64(len(body))
	return out, body, nil
}

// head asks for path with a HEAD, as req's confirmation, accepting
// mediaType: its answer when it is a 200, with the check it names for an
// error ("HEAD <path>"), else the error that names what it answered.
func (a acceptedWrites) head(req *http.Request, resp *http.Response, path, mediaType string) (*http.Response, string, error) {
	check := "HEAD " + path
	head, err := a.look(req, http.MethodHead, path, mediaType)
	if err != nil {
		return nil, check, err
	}
	head.Body.Close()
	if head.StatusCode != http.StatusOK {
		return nil, check, unanswered(req, resp, check, head)
	}
	return head, check, nil
}
