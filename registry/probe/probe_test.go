package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest/view"
)

// the check names, in the order of the rows
var order = []string{CheckAPI, CheckAuth, CheckBlobUpload, CheckBlobUploadChunked, CheckBlobMount, CheckDockerManifest, CheckOCIManifest,
	CheckDockerList, CheckOCIIndex, CheckMixedList, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI, CheckTagList, CheckDelete, CheckTagDelete}

// failure is the error testOptions.Fail makes.
type failure struct {
	op  string
	ref ref.Ref
	err error
}

func (f *failure) Error() string { return f.op + " " + f.ref.CommonName() + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

var testOptions = Options{
	Cause: func(err error) string { return "cause: " + err.Error() },
	Fail:  func(op string, r ref.Ref, err error) error { return &failure{op: op, ref: r, err: err} },
}

var target = func() ref.Ref {
	r, err := ref.New("reg.example.com/team/probe")
	if err != nil {
		panic(err)
	}
	return r.SetTag("")
}()

// pushing are the checks that push something, after blob-upload.
var pushing = []string{CheckBlobUploadChunked, CheckBlobMount, CheckDockerManifest, CheckOCIManifest, CheckDockerList,
	CheckOCIIndex, CheckMixedList, CheckIndexAnnotations, CheckArtifactSubject, CheckReferrersAPI}

// rows gives each of names the status, and the rows in more theirs.
func rows(status view.CheckStatus, names []string, more map[string]view.CheckStatus) map[string]view.CheckStatus {
	out := map[string]view.CheckStatus{}
	for _, n := range names {
		out[n] = status
	}
	for n, s := range more {
		out[n] = s
	}
	return out
}

// refuse makes the calls that match fail with status.
func refuse(status int, match func(c call) bool) func(*fake) {
	return func(f *fake) {
		f.fail = func(c call) error {
			if match(c) {
				return statusError(status)
			}
			return nil
		}
	}
}

// cutOff makes the calls that match fail as a request whose answer was cut
// off: no status, no whole answer.
func cutOff(match func(c call) bool) func(*fake) {
	return func(f *fake) {
		f.fail = func(c call) error {
			if match(c) {
				return answer{0, fmt.Errorf("request failed: %w", io.ErrUnexpectedEOF)}
			}
			return nil
		}
	}
}

// pushOf matches a push (BlobPut or ManifestPut) of media type mt.
func pushOf(op, mt string) func(c call) bool {
	return func(c call) bool { return c.Op == op && c.MediaType == mt }
}

// taggedPut matches a manifest push under a tag ending in suffix.
func taggedPut(suffix string) func(c call) bool {
	return func(c call) bool {
		return c.Op == "ManifestPut" && c.Ref.Tag != "" && strings.HasSuffix(c.Ref.Tag, suffix)
	}
}

// content is what a fake holds: its blobs and manifests, by repo@digest.
func content(f *fake) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for k := range f.blobs {
		out[k] = "blob"
	}
	for k := range f.manifests {
		out[k] = "manifest"
	}
	return out
}

// Each check against a registry that does it, does not, or leaves it
// unclear. The rows not named in want are those of a Distribution
// registry: everything supported but the referrers API.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*fake)
		want   map[string]view.CheckStatus // rows other than the default
		detail map[string]string           // what a row's detail must hold
		fail   string                      // the Fail op of the error, if any
		noList string                      // the text of an ErrNoLists error, if any
		// the text of an ErrIncomplete error, if any
		incomplete string
		also       func(t *testing.T, f *fake, rep view.ProbeReport)
	}{
		{name: "everything", detail: map[string]string{
			CheckAPI:               "/v2/ answers, API version registry/2.0",
			CheckAuth:              "none: anonymous access",
			CheckBlobUpload:        "-byte blob in one PUT",
			CheckBlobUploadChunked: "3172 bytes in 4 PATCH requests of 1024 bytes, then a PUT",
			CheckBlobMount:         "mounted a blob from team/probe into team/probe-mount (201)",
			CheckDockerManifest:    "pushed probe-", CheckOCIManifest: "-oci, an OCI image manifest",
			CheckDockerList: "-docker-list, a Docker v2.2 manifest list", CheckOCIIndex: "-oci-index, an OCI image index",
			CheckIndexAnnotations: "an index with 3 annotations read back byte for byte",
			CheckArtifactSubject:  "no OCI-Subject answer: clients keep the sha256-<hex> tag",
			CheckReferrersAPI:     "GET /v2/team/probe/referrers/<digest> answers 404 Not Found; the sha256-<hex> tag fallback works",
			CheckTagList:          "the tag list shows 6 of the probe's tags",
			CheckDelete:           "deleted a manifest by digest",
		}},

		// api and auth
		{name: "no API version", setup: func(f *fake) { f.apiVersion = "" },
			detail: map[string]string{CheckAPI: "/v2/ answers, without a Docker-Distribution-API-Version header"}},
		{name: "ping fails", setup: refuse(http.StatusServiceUnavailable, func(c call) bool { return c.Op == "Ping" }), fail: "probing",
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if len(rep.Checks) != 0 || len(f.calls) != 1 {
					t.Errorf("rows %v after %d calls", rep.Checks, len(f.calls))
				}
			}},
		{name: "basic auth", setup: func(f *fake) { f.challenge = `Basic realm="Registry Realm"` },
			detail: map[string]string{CheckAuth: `basic (realm "Registry Realm")`}},
		{name: "bearer auth", setup: func(f *fake) {
			f.challenge = `Bearer realm="https://auth.example.com/token?x=SECRET",service="reg.example.com"`
		}, detail: map[string]string{CheckAuth: "bearer token (realm https://auth.example.com/token, service reg.example.com)"}},

		// blob-upload
		{name: "writes need credentials", setup: func(f *fake) { f.writeChallenge = `Basic realm="writers"` }, fail: "pushing to",
			want: rows(view.Unknown, pushing, map[string]view.CheckStatus{CheckBlobUpload: view.Unsupported, CheckTagList: view.Unknown, CheckDelete: view.Unknown, CheckTagDelete: view.Unknown}),
			detail: map[string]string{CheckAuth: `basic (realm "writers"); /v2/ is open, POST asked for it`,
				CheckBlobUpload: "cause: request failed: unauthorized", CheckOCIIndex: "not tried: the registry refuses to let these credentials push",
				CheckTagList: "the repository has no tags to list (404)", CheckDelete: "not tried: nothing was pushed"},
			also: func(t *testing.T, f *fake, _ view.ProbeReport) {
				for _, c := range f.calls[1:] {
					if c.Op != "BlobPut" && c.Op != "TagList" {
						t.Errorf("%s %s after the refusal", c.Op, c.Ref.CommonName())
					}
				}
			}},
		{name: "upload 401", setup: refuse(http.StatusUnauthorized, pushOf("BlobPut", mediatype.OCI1LayerGzip)), fail: "pushing to",
			want: rows(view.Unknown, pushing, map[string]view.CheckStatus{CheckBlobUpload: view.Unsupported, CheckTagList: view.Unknown, CheckDelete: view.Unknown, CheckTagDelete: view.Unknown})},
		{name: "upload refused", setup: refuse(http.StatusBadRequest, pushOf("BlobPut", mediatype.OCI1LayerGzip)),
			noList: "reg.example.com cannot hold Docker manifest lists or OCI indexes",
			want:   rows(view.Unsupported, pushing, map[string]view.CheckStatus{CheckBlobUpload: view.Unsupported, CheckTagList: view.Unknown, CheckDelete: view.Unknown, CheckTagDelete: view.Unknown}),
			detail: map[string]string{CheckBlobUpload: "-byte blob: cause: request failed: 400 Bad Request",
				CheckDockerList: "nothing can be pushed: the blob upload failed"}},
		{name: "upload only in PATCHes", setup: func(f *fake) { f.putPatches = 2 },
			want:   map[string]view.CheckStatus{CheckBlobUpload: view.Unsupported},
			detail: map[string]string{CheckBlobUpload: "-byte blob could not go in one PUT; it took 2 PATCH requests"}},

		{name: "upload cut off", setup: cutOff(pushOf("BlobPut", mediatype.OCI1LayerGzip)),
			incomplete: "could not tell whether reg.example.com holds Docker manifest lists or OCI indexes: blob-upload: cause: request failed: unexpected EOF",
			want:       rows(view.Unknown, pushing, map[string]view.CheckStatus{CheckBlobUpload: view.Unknown, CheckTagList: view.Unknown, CheckDelete: view.Unknown, CheckTagDelete: view.Unknown}),
			detail: map[string]string{CheckBlobUpload: "-byte blob: cause: request failed: unexpected EOF",
				CheckDockerList: "not tried: the blob upload could not be completed", CheckReferrersAPI: "not tried: the blob upload could not be completed"}},

		// blob-upload-chunked
		{name: "chunks in one PATCH", setup: func(f *fake) { f.onePatch = true },
			want:   map[string]view.CheckStatus{CheckBlobUploadChunked: view.Unknown},
			detail: map[string]string{CheckBlobUploadChunked: "the upload took 1 PATCH requests, not several chunks"}},
		{name: "no chunks", setup: refuse(http.StatusMethodNotAllowed, pushOf("BlobPut", "")),
			want:   map[string]view.CheckStatus{CheckBlobUploadChunked: view.Unsupported},
			detail: map[string]string{CheckBlobUploadChunked: "uploading 3172 bytes in 1024-byte chunks: cause: request failed: 405 Method Not Allowed"}},

		{name: "chunks cut off", setup: cutOff(pushOf("BlobPut", "")),
			want:   map[string]view.CheckStatus{CheckBlobUploadChunked: view.Unknown},
			detail: map[string]string{CheckBlobUploadChunked: "uploading 3172 bytes in 1024-byte chunks: cause: request failed: unexpected EOF"}},

		// blob-mount
		{name: "mount offers an upload", setup: func(f *fake) { f.mountOffer = true },
			want:   map[string]view.CheckStatus{CheckBlobMount: view.Unsupported},
			detail: map[string]string{CheckBlobMount: "the registry offered an upload instead (202)"}},
		{name: "mount refused", setup: refuse(http.StatusForbidden, func(c call) bool { return c.Op == "BlobMount" }),
			want:   map[string]view.CheckStatus{CheckBlobMount: view.Unsupported},
			detail: map[string]string{CheckBlobMount: "mounting into team/probe-mount: cause: request failed: 403 Forbidden"}},

		{name: "mount cut off", setup: cutOff(func(c call) bool { return c.Op == "BlobMount" }),
			want:   map[string]view.CheckStatus{CheckBlobMount: view.Unknown},
			detail: map[string]string{CheckBlobMount: "mounting into team/probe-mount: cause: request failed: unexpected EOF"}},

		// image manifests and lists
		{name: "Docker config refused", setup: refuse(http.StatusBadRequest, pushOf("BlobPut", mediatype.Docker2ImageConfig)),
			noList: "reg.example.com could not be shown to hold Docker manifest lists (see the rows)",
			want:   map[string]view.CheckStatus{CheckDockerManifest: view.Unknown, CheckDockerList: view.Unknown, CheckMixedList: view.Unknown},
			detail: map[string]string{CheckDockerManifest: "not tried: uploading its config failed: cause:",
				CheckDockerList: "not tried: its Docker image manifest could not be pushed"}},
		{name: "no Docker images", setup: refuse(http.StatusBadRequest, pushOf("ManifestPut", mediatype.Docker2Manifest)),
			noList: "reg.example.com could not be shown to hold Docker manifest lists (see the rows)",
			want:   map[string]view.CheckStatus{CheckDockerManifest: view.Unsupported, CheckDockerList: view.Unknown, CheckMixedList: view.Unknown},
			detail: map[string]string{CheckDockerManifest: "-docker, a Docker v2.2 image manifest: cause: request failed: 400 Bad Request"}},
		{name: "no Docker lists", setup: refuse(http.StatusBadRequest, pushOf("ManifestPut", mediatype.Docker2ManifestList)),
			noList: "reg.example.com cannot hold Docker manifest lists",
			want:   map[string]view.CheckStatus{CheckDockerList: view.Unsupported},
			detail: map[string]string{CheckDockerList: "-docker-list, a Docker v2.2 manifest list: cause: request failed: 400 Bad Request"}},
		{name: "no OCI images", setup: refuse(http.StatusBadRequest, taggedPut("-oci")),
			noList: "reg.example.com could not be shown to hold OCI indexes (see the rows)",
			want: map[string]view.CheckStatus{CheckOCIManifest: view.Unsupported, CheckOCIIndex: view.Unknown, CheckMixedList: view.Unknown,
				CheckIndexAnnotations: view.Unknown, CheckArtifactSubject: view.Unknown, CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckArtifactSubject: "not tried: its OCI image manifest could not be pushed"}},
		{name: "no OCI indexes", setup: refuse(http.StatusBadRequest, taggedPut("-oci-index")),
			noList: "reg.example.com cannot hold OCI indexes",
			want:   map[string]view.CheckStatus{CheckOCIIndex: view.Unsupported}},
		{name: "no lists at all", setup: refuse(http.StatusBadRequest, func(c call) bool {
			return c.Op == "ManifestPut" && (c.MediaType == mediatype.Docker2ManifestList || c.MediaType == mediatype.OCI1ManifestList)
		}), noList: "reg.example.com cannot hold Docker manifest lists or OCI indexes",
			want: map[string]view.CheckStatus{CheckDockerList: view.Unsupported, CheckOCIIndex: view.Unsupported, CheckMixedList: view.Unsupported, CheckIndexAnnotations: view.Unsupported},
			detail: map[string]string{CheckArtifactSubject: "the sha256-<hex> tag could not be written",
				CheckReferrersAPI: "the sha256-<hex> tag fallback did not list the artifact either"}},

		{name: "Docker config cut off", setup: cutOff(pushOf("BlobPut", mediatype.Docker2ImageConfig)),
			incomplete: "could not tell whether reg.example.com holds Docker manifest lists: docker-manifest: uploading its config: cause: request failed: unexpected EOF",
			want:       map[string]view.CheckStatus{CheckDockerManifest: view.Unknown, CheckDockerList: view.Unknown, CheckMixedList: view.Unknown},
			detail:     map[string]string{CheckDockerList: "not tried: its Docker image manifest could not be pushed"}},
		{name: "OCI image cut off", setup: cutOff(taggedPut("-oci")),
			incomplete: "could not tell whether reg.example.com holds OCI indexes: oci-manifest: cause: request failed: unexpected EOF",
			want: map[string]view.CheckStatus{CheckOCIManifest: view.Unknown, CheckOCIIndex: view.Unknown, CheckMixedList: view.Unknown,
				CheckIndexAnnotations: view.Unknown, CheckArtifactSubject: view.Unknown, CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckOCIManifest: "-oci, an OCI image manifest: cause: request failed: unexpected EOF"}},
		{name: "lists cut off", setup: cutOff(func(c call) bool {
			return c.Op == "ManifestPut" && (c.MediaType == mediatype.Docker2ManifestList || c.MediaType == mediatype.OCI1ManifestList)
		}), incomplete: "could not tell whether reg.example.com holds Docker manifest lists or OCI indexes: docker-manifest-list: cause: request failed: unexpected EOF",
			want: map[string]view.CheckStatus{CheckDockerList: view.Unknown, CheckOCIIndex: view.Unknown, CheckMixedList: view.Unknown, CheckIndexAnnotations: view.Unknown},
			detail: map[string]string{CheckOCIIndex: "-oci-index, an OCI image index: cause: request failed: unexpected EOF",
				CheckArtifactSubject: "the sha256-<hex> tag could not be written"}},
		{name: "lists refused, indexes cut off", setup: func(f *fake) {
			f.fail = func(c call) error {
				switch {
				case c.Op == "ManifestPut" && c.MediaType == mediatype.Docker2ManifestList:
					return statusError(http.StatusBadRequest)
				case taggedPut("-oci-index")(c):
					return answer{0, fmt.Errorf("request failed: %w", io.ErrUnexpectedEOF)}
				}
				return nil
			}
		}, noList: "reg.example.com cannot hold Docker manifest lists", // what the registry said outweighs what it did not
			want: map[string]view.CheckStatus{CheckDockerList: view.Unsupported, CheckOCIIndex: view.Unknown}},

		// index-annotations
		{name: "index rewritten", setup: func(f *fake) { f.rewrite = true },
			want:   map[string]view.CheckStatus{CheckIndexAnnotations: view.Unsupported},
			detail: map[string]string{CheckIndexAnnotations: "the registry keeps other bytes than the annotated index it was given"}},
		{name: "index digest mismatch", setup: func(f *fake) { f.mismatch = true },
			want:   map[string]view.CheckStatus{CheckIndexAnnotations: view.Unsupported},
			detail: map[string]string{CheckIndexAnnotations: "the registry keeps other bytes than the annotated index it was given"}},
		{name: "annotated index refused", setup: refuse(http.StatusBadRequest, taggedPut("-annotations")),
			want:   map[string]view.CheckStatus{CheckIndexAnnotations: view.Unsupported},
			detail: map[string]string{CheckIndexAnnotations: "pushing an annotated OCI index: cause:"}},

		// artifact-subject and referrers-api
		{name: "OCI-Subject and referrers", setup: func(f *fake) { f.subjectHeader, f.referrers = true, http.StatusOK },
			want: map[string]view.CheckStatus{CheckReferrersAPI: view.Supported},
			detail: map[string]string{CheckArtifactSubject: "pushed an artifact with artifactType and subject; the registry answered OCI-Subject",
				CheckReferrersAPI: "GET /v2/team/probe/referrers/<digest> lists the artifact"}},
		{name: "referrers tag refused", setup: refuse(http.StatusBadRequest, func(c call) bool { return c.Op == "ManifestPut" && strings.HasPrefix(c.Ref.Tag, "sha256-") }),
			detail: map[string]string{CheckArtifactSubject: "stored an artifact with artifactType and subject; no OCI-Subject answer, and the sha256-<hex> tag could not be written: cause:",
				CheckReferrersAPI: "answers 404 Not Found; the sha256-<hex> tag fallback did not list the artifact either"}},
		{name: "artifact refused", setup: refuse(http.StatusBadRequest, func(c call) bool { return c.Op == "ManifestPut" && c.Ref.Digest != "" }),
			want: map[string]view.CheckStatus{CheckArtifactSubject: view.Unsupported, CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckArtifactSubject: "pushing an artifact with artifactType and subject: cause:",
				CheckReferrersAPI: "not tried: no artifact could be pushed"}},
		{name: "empty config refused", setup: refuse(http.StatusBadRequest, pushOf("BlobPut", mediatype.OCI1Empty)),
			want: map[string]view.CheckStatus{CheckArtifactSubject: view.Unknown, CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckArtifactSubject: "not tried: uploading the empty config failed: cause:",
				CheckReferrersAPI: "not tried: no artifact could be pushed"}},
		{name: "referrers lag", setup: func(f *fake) { f.referrers, f.referrersLag = http.StatusOK, true },
			want:   map[string]view.CheckStatus{CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckReferrersAPI: "GET /v2/team/probe/referrers/<digest> answers, without the artifact just pushed"}},
		{name: "referrers 405", setup: func(f *fake) { f.referrers = http.StatusMethodNotAllowed },
			detail: map[string]string{CheckReferrersAPI: "answers 405 Method Not Allowed; the sha256-<hex> tag fallback works"}},
		{name: "referrers 500", setup: func(f *fake) { f.referrers = http.StatusInternalServerError },
			want:   map[string]view.CheckStatus{CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckReferrersAPI: "GET /v2/team/probe/referrers/<digest> answers 500 Internal Server Error"}},
		{name: "referrers unanswered", setup: func(f *fake) { f.referrers = 0 },
			want:   map[string]view.CheckStatus{CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckReferrersAPI: "no answer to the referrers request: GET /v2/team/probe/referrers/sha256:"}},

		{name: "artifact cut off", setup: cutOff(func(c call) bool { return c.Op == "ManifestPut" && c.Ref.Digest != "" }),
			want: map[string]view.CheckStatus{CheckArtifactSubject: view.Unknown, CheckReferrersAPI: view.Unknown},
			detail: map[string]string{CheckArtifactSubject: "pushing an artifact with artifactType and subject: cause: request failed: unexpected EOF",
				CheckReferrersAPI: "not tried: no artifact could be pushed"}},

		// tag-list
		{name: "tag list refused", setup: refuse(http.StatusForbidden, func(c call) bool { return c.Op == "TagList" }),
			want:   map[string]view.CheckStatus{CheckTagList: view.Unsupported},
			detail: map[string]string{CheckTagList: "listing tags: cause: request failed: 403 Forbidden"}},
		{name: "tag list stale", setup: func(f *fake) { f.staleTags = true },
			want:   map[string]view.CheckStatus{CheckTagList: view.Unknown},
			detail: map[string]string{CheckTagList: "the tag list (1 tags) shows none of the probe's tags"}},
		{name: "tag list, nothing pushed", setup: func(f *fake) {
			f.writeChallenge = `Basic realm="writers"`
			f.tags["team/probe:latest"] = "sha256:0"
		}, fail: "pushing to",
			want:   rows(view.Unknown, pushing, map[string]view.CheckStatus{CheckBlobUpload: view.Unsupported, CheckDelete: view.Unknown, CheckTagDelete: view.Unknown}),
			detail: map[string]string{CheckTagList: "the tag list answers (1 tags)"}},

		{name: "tag list cut off", setup: cutOff(func(c call) bool { return c.Op == "TagList" }),
			want:   map[string]view.CheckStatus{CheckTagList: view.Unknown},
			detail: map[string]string{CheckTagList: "listing tags: cause: request failed: unexpected EOF"}},

		// delete, and the cleanup after it
		{name: "delete refused", setup: refuse(http.StatusMethodNotAllowed, func(c call) bool { return c.Op == "ManifestDelete" }),
			want:   map[string]view.CheckStatus{CheckDelete: view.Unsupported},
			detail: map[string]string{CheckDelete: "deleting a manifest by digest: cause: request failed: 405 Method Not Allowed"},
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n := count(f, "ManifestDelete"); n != 1 {
					t.Errorf("%d manifest deletes, want 1: none after the refusal", n)
				}
				if n := count(f, "BlobDelete"); n != 0 {
					t.Errorf("%d blob deletes after the refusal", n)
				}
				if kinds := leftKinds(rep); kinds["manifest"] != 9 || kinds["blob"] != 7 {
					t.Errorf("leftovers %v, want 9 manifests and 7 blobs", kinds)
				}
			}},
		{name: "delete cut off", setup: cutOff(func(c call) bool { return c.Op == "ManifestDelete" }),
			want:   map[string]view.CheckStatus{CheckDelete: view.Unknown},
			detail: map[string]string{CheckDelete: "deleting a manifest by digest: cause: request failed: unexpected EOF"},
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n := count(f, "ManifestDelete"); n != 1 {
					t.Errorf("%d manifest deletes, want 1: none after it", n)
				}
			}},
		{name: "deleted but served", setup: func(f *fake) { f.keepDeleted = true },
			want: map[string]view.CheckStatus{CheckDelete: view.Unsupported, CheckTagDelete: view.Unsupported},
			detail: map[string]string{CheckDelete: "a manifest deleted by digest (202) is still served",
				CheckTagDelete: "the tag probe-" /* …-tag-delete, deleted (2xx), is still served */},
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n := count(f, "ManifestDelete"); n != 1 {
					t.Errorf("%d manifest deletes, want 1", n)
				}
				if kinds := leftKinds(rep); kinds["manifest"] != 9 {
					t.Errorf("leftovers %v, want 9 manifests", kinds)
				}
			}},
		// tag-delete: the tag alone, by its own DELETE
		{name: "tag delete refused", setup: refuse(http.StatusMethodNotAllowed, func(c call) bool { return c.Op == "TagDelete" }),
			want:   map[string]view.CheckStatus{CheckTagDelete: view.Unsupported},
			detail: map[string]string{CheckTagDelete: "-tag-delete: cause: request failed: 405 Method Not Allowed"},
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n := count(f, "TagDelete"); n != 1 {
					t.Errorf("%d tag deletes, want 1", n)
				}
				if len(rep.Leftovers) != 0 { // its image is deleted by digest, as the others
					t.Errorf("leftovers %v", rep.Leftovers)
				}
			}},
		{name: "tag delete cut off", setup: cutOff(func(c call) bool { return c.Op == "TagDelete" }),
			want:   map[string]view.CheckStatus{CheckTagDelete: view.Unknown},
			detail: map[string]string{CheckTagDelete: "cause: request failed: unexpected EOF"}},
		{name: "tag delete takes the image", setup: func(f *fake) {
			// a registry whose tag DELETE deletes the manifest it points at
			f.fail = func(c call) error {
				if c.Op == "TagDelete" {
					delete(f.manifests, c.Ref.Repository+"@"+f.tags[c.Ref.Repository+":"+c.Ref.Tag])
				}
				return nil
			}
		}, want: map[string]view.CheckStatus{CheckTagDelete: view.Unsupported},
			detail: map[string]string{CheckTagDelete: "deleted its image too"}},
		{name: "tag delete never asked by digest", also: func(t *testing.T, f *fake, rep view.ProbeReport) {
			for _, c := range f.calls {
				if c.Op == "TagDelete" && (c.Ref.Digest != "" || !strings.HasSuffix(c.Ref.Tag, "-tag-delete")) {
					t.Errorf("TagDelete of %s", c.Ref.CommonName())
				}
			}
			if count(f, "TagDelete") != 1 {
				t.Errorf("%d tag deletes, want 1", count(f, "TagDelete"))
			}
		}},
		{name: "blob delete refused", setup: refuse(http.StatusMethodNotAllowed, func(c call) bool { return c.Op == "BlobDelete" }),
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n := count(f, "BlobDelete"); n != 1 {
					t.Errorf("%d blob deletes, want 1: none after the refusal", n)
				}
				if kinds := leftKinds(rep); kinds["manifest"] != 0 || kinds["blob"] != 7 {
					t.Errorf("leftovers %v, want 7 blobs", kinds)
				}
			}},
		{name: "blob delete a no-op", setup: func(f *fake) {
			// answers 404 and deletes nothing: the next blob is tried, and
			// what is still there is listed
			f.fail = func(c call) error {
				if c.Op == "BlobDelete" {
					return statusError(http.StatusNotFound)
				}
				return nil
			}
		}, also: func(t *testing.T, f *fake, rep view.ProbeReport) {
			if kinds := leftKinds(rep); count(f, "BlobDelete") != 7 || kinds["blob"] != 7 {
				t.Errorf("%d blob deletes, leftovers %v", count(f, "BlobDelete"), kinds)
			}
		}},
		{name: "manifest PUT answered 202", setup: func(f *fake) { f.answered = "202 Accepted" },
			detail: map[string]string{CheckDockerList: "-docker-list, a Docker v2.2 manifest list; works, answers 202 Accepted where the spec says 201 Created",
				CheckOCIIndex: "; works, answers 202 Accepted where the spec says 201 Created"}},
		{name: "mixed lists refused", setup: refuse(http.StatusBadRequest, taggedPut("-mixed")),
			want:   map[string]view.CheckStatus{CheckMixedList: view.Unsupported},
			detail: map[string]string{CheckMixedList: "refused an OCI index holding a Docker v2.2 and an OCI image manifest: cause: request failed: 400 Bad Request"}},
		{name: "HEAD fails", setup: refuse(http.StatusBadRequest, func(c call) bool { return c.Op == "ManifestHead" }),
			// not "nothing was pushed"; no blob deleted under manifests
			// that stay; each tag listed
			want: map[string]view.CheckStatus{CheckDelete: view.Unknown, CheckTagDelete: view.Unknown},
			detail: map[string]string{CheckDelete: "not tried: what the probe pushed could not be read back: cause: request failed: 400 Bad Request",
				CheckTagDelete: "(2xx), but reading back the tag and its image failed: cause: request failed: 400 Bad Request"},
			also: func(t *testing.T, f *fake, rep view.ProbeReport) {
				if n, m := count(f, "BlobDelete"), count(f, "ManifestDelete"); n != 0 || m != 0 {
					t.Errorf("%d blob deletes, %d manifest deletes, want none", n, m)
				}
				tags := 0
				for _, l := range rep.Leftovers {
					if l.Kind == "manifest" && l.Tag != "" {
						tags++
					}
				}
				if kinds := leftKinds(rep); tags != 7 || kinds["blob"] != 7 {
					t.Errorf("leftovers %+v: want the 7 tags and 7 blobs", rep.Leftovers)
				}
			}},
		{name: "lists deleted before their images", also: func(t *testing.T, f *fake, _ view.ProbeReport) {
			var deleted []string
			for _, c := range f.calls {
				if c.Op == "ManifestDelete" {
					deleted = append(deleted, c.Ref.Digest)
				}
			}
			if len(deleted) != 9 {
				t.Fatalf("%d manifests deleted, want 9", len(deleted))
			}
			deleted = deleted[1:] // the delete check's own, the artifact
			for i, d := range deleted {
				var idx v1.Index
				if err := json.Unmarshal(f.pushed[d], &idx); err != nil {
					t.Fatal(err)
				}
				for _, e := range idx.Manifests {
					if j := slices.Index(deleted, e.Digest.String()); j >= 0 && j < i {
						t.Errorf("%s deleted before the list %s that holds it", e.Digest, d)
					}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			if tc.setup != nil {
				tc.setup(f)
			}
			before := content(f)
			rep, err := Run(context.Background(), f, target, testOptions)
			checkRows(t, rep, tc.want, tc.detail, tc.fail != "")
			var fl *failure
			switch {
			case tc.fail != "":
				if !errors.As(err, &fl) || fl.op != tc.fail || errors.Is(err, ErrNoLists) {
					t.Errorf("error %v, want a failure %q", err, tc.fail)
				}
			case tc.noList != "":
				if !errors.Is(err, ErrNoLists) || !errors.Is(err, view.ErrCheck) || err.Error() != tc.noList {
					t.Errorf("error %v, want %q matching ErrNoLists and view.ErrCheck", err, tc.noList)
				}
			case tc.incomplete != "":
				if !errors.Is(err, ErrIncomplete) || errors.Is(err, view.ErrCheck) || err.Error() != tc.incomplete {
					t.Errorf("error %v, want %q matching ErrIncomplete and not view.ErrCheck", err, tc.incomplete)
				}
			case err != nil:
				t.Errorf("error %v", err)
			}
			checkLeftovers(t, f, before, rep)
			if tc.also != nil {
				tc.also(t, f, rep)
			}
		})
	}
}

// checkRows checks that every row is there, in order, with a detail, and
// has the status and detail wanted.
func checkRows(t *testing.T, rep view.ProbeReport, want map[string]view.CheckStatus, detail map[string]string, failed bool) {
	t.Helper()
	if rep.Registry != "reg.example.com" || rep.Repository != "team/probe" {
		t.Errorf("report of %s/%s", rep.Registry, rep.Repository)
	}
	if failed && len(rep.Checks) == 0 {
		return
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
		if c.Detail == "" {
			t.Errorf("%s has no detail", c.Name)
		}
		status := view.Supported
		if c.Name == CheckReferrersAPI {
			status = view.Unsupported
		}
		if s, ok := want[c.Name]; ok {
			status = s
		}
		if c.Status != status {
			t.Errorf("%s: %s (%s), want %s", c.Name, c.Status, c.Detail, status)
		}
		if d, ok := detail[c.Name]; ok && !strings.Contains(c.Detail, d) {
			t.Errorf("%s: detail %q, want it to hold %q", c.Name, c.Detail, d)
		}
	}
	if !slices.Equal(names, order) {
		t.Errorf("rows %q, want %q", names, order)
	}
}

// checkLeftovers checks that the probe left the registry as it found it
// but for its leftovers, and that those are what it added and left.
func checkLeftovers(t *testing.T, f *fake, before map[string]string, rep view.ProbeReport) {
	t.Helper()
	added := map[string]string{}
	for k, kind := range content(f) {
		if _, ok := before[k]; !ok {
			added[k] = kind
		}
	}
	for k := range before {
		if _, ok := content(f)[k]; !ok {
			t.Errorf("%s was there before the probe, and is gone", k)
		}
	}
	listed := map[string]string{}
	for _, l := range rep.Leftovers {
		d := l.Digest
		if d == "" { // listed by its tag: its HEAD failed
			d = f.tags[l.Repository+":"+l.Tag]
		}
		listed[l.Repository+"@"+d] = l.Kind
	}
	for k, kind := range added {
		if listed[k] != kind {
			t.Errorf("%s %s left and not listed", kind, k)
		}
	}
	for k, kind := range listed {
		if added[k] != kind {
			t.Errorf("%s %s listed and not left", kind, k)
		}
	}
}

func count(f *fake, op string) int {
	n := 0
	for _, c := range f.calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

func leftKinds(rep view.ProbeReport) map[string]int {
	n := map[string]int{}
	for _, l := range rep.Leftovers {
		n[l.Kind]++
	}
	return n
}

// The probe works in a repository that holds other things and leaves them
// as they were: their tags, their manifests, and the blobs it shares with
// them (the empty blob of artifacts).
func TestRunSharedRepository(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.blobs["team/probe@"+emptyBlob.Digest.String()] = true
	user, err := rcmanifest.New(rcmanifest.WithOrig(imageManifest(false, emptyBlob, emptyBlob)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ManifestPut(context.Background(), target.SetTag("probe-oci"), user); err != nil {
		t.Fatal(err)
	}
	before, tags := content(f), f.tagsOf("team/probe")
	rep, err := Run(context.Background(), f, target, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rep, nil, nil, false)
	checkLeftovers(t, f, before, rep)
	if len(rep.Leftovers) != 0 {
		t.Errorf("leftovers %v", rep.Leftovers)
	}
	if got := f.tagsOf("team/probe"); !slices.Equal(got, tags) {
		t.Errorf("tags %v after the probe, want %v", got, tags)
	}
	for _, c := range f.calls {
		if c.Op == "BlobDelete" && c.Ref.Digest == emptyBlob.Digest.String() {
			t.Error("the probe deleted the empty blob it did not bring")
		}
	}
}

// No repository named: the default one, and the mount next to it.
func TestRunDefaultRepository(t *testing.T) {
	t.Parallel()
	f := newFake()
	host, _ := ref.NewHost("reg.example.com")
	rep, err := Run(context.Background(), f, host, testOptions)
	if err != nil || rep.Repository != DefaultRepository {
		t.Fatalf("%v, repository %q", err, rep.Repository)
	}
	repos := map[string]bool{}
	for _, c := range f.calls {
		repos[c.Ref.Repository] = true
	}
	if len(repos) != 3 || !repos[DefaultRepository] || !repos[DefaultRepository+"-mount"] || !repos[""] { // "": the ping
		t.Errorf("repositories %v", repos)
	}
}

// Interrupted: the probe stops pushing, still cleans up, and says it was
// interrupted.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFake()
	f.fail = func(c call) error {
		if c.Op == "TagList" {
			cancel()
		}
		return nil
	}
	before := content(f)
	rep, err := Run(ctx, f, target, testOptions)
	var fl *failure
	if !errors.As(err, &fl) || fl.op != "probing" || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want probing: context canceled", err)
	}
	checkLeftovers(t, f, before, rep)
	if n := count(f, "ManifestDelete"); n == 0 {
		t.Error("no cleanup after the interruption")
	}
}

// Without hooks the errors and rows still read.
func TestRunDefaultOptions(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.challenge = `Bearer realm="https://auth.example.com/token?x=SECRET",service="reg"`
	f.fail = func(c call) error {
		if c.Op == "BlobPut" {
			return statusError(http.StatusUnauthorized)
		}
		return nil
	}
	rep, err := Run(context.Background(), f, target, Options{})
	if err == nil || err.Error() != "pushing to reg.example.com/team/probe: request failed: unauthorized" {
		t.Errorf("error %v", err)
	}
	if d := rep.Checks[1].Detail; strings.Contains(d, "SECRET") || d != "bearer token (realm https://auth.example.com/token, service reg)" {
		t.Errorf("auth row %q", d)
	}
	if d := rep.Checks[2].Detail; !strings.HasSuffix(d, "-byte blob: request failed: unauthorized") {
		t.Errorf("blob-upload row %q", d)
	}
}

func TestErrNoLists(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("reg cannot hold OCI indexes%.0w", ErrNoLists)
	if !errors.Is(err, ErrNoLists) || !errors.Is(err, view.ErrCheck) || err.Error() != "reg cannot hold OCI indexes" {
		t.Errorf("%v", err)
	}
}
