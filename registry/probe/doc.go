// Package probe tells what a registry can do for multi-platform images,
// before a pipeline relies on it: whether it holds Docker manifest lists
// and OCI indexes, and the things around them (uploads, mounts,
// annotations, artifacts, referrers, tags, deletes).
//
//	report, err := probe.Run(ctx, reg, r, probe.Options{})
//
// [Run] talks to the registry only through a [Registry], the few
// operations it needs; package registry provides the one made of a
// regclient client (registry.Client.Probe), whose HTTP exchanges a
// [Recorder] keeps. The report is a view.ProbeReport: one row
// (view.Check) per check, in the order below, each supported,
// unsupported or unknown (could not tell), with a detail in a few words.
//
// A registry that answers a request with a refusal (an HTTP error status)
// makes its check unsupported. A request that got no whole answer (a
// connection refused, reset or cut off mid-answer, bytes that are no HTTP
// answer, retries given up on: [Options].Unanswered) leaves its check
// unknown, with the cause, and every check that depends on it unknown
// too ("not tried: the blob upload could not be completed"): the probe
// could not tell.
//
// # Checks
//
//   - api: GET /v2/ answers (and with which Docker-Distribution-API-Version).
//     A registry that cannot be reached, or refuses the credentials, ends
//     the probe: an error, and a report without rows.
//   - auth: the WWW-Authenticate challenge of the first 401 anywhere in the
//     probe: none (anonymous), basic (its realm), bearer token (realm
//     without its query, and service), or other. Some registries leave
//     /v2/ open and challenge only writes; the row says which method asked.
//   - blob-upload: a small gzipped layer in one PUT. When the registry
//     needs PATCH requests for it, the row is unsupported and the probe
//     goes on. When the upload fails, nothing else can be pushed: every
//     pushing check is unsupported, or unknown (not tried) when the
//     registry refused the credentials (401), which makes Run fail, or
//     when the upload could not be completed.
//   - blob-upload-chunked: a blob of several [ChunkSize] chunks, in PATCH
//     requests, then a PUT; unknown when it took fewer than two PATCHes.
//   - blob-mount: the layer mounted from REPO into REPO-mount (201);
//     unsupported when the registry offers an upload instead (202).
//   - docker-manifest, oci-manifest: a Docker v2.2 and an OCI image
//     manifest (linux/amd64, the layer and a config of their own), each
//     under a tag. Unknown when the config could not be uploaded.
//   - docker-manifest-list, oci-index: a Docker manifest list and an OCI
//     index holding that image. Unknown when its image could not be
//     pushed.
//   - index-annotations: an OCI index with annotations that rewritten JSON
//     would change (quotes, non-ASCII, HTML characters), read back: it
//     must be the same bytes.
//   - artifact-subject: an OCI artifact (artifactType [ArtifactType], the
//     empty config) whose subject is the OCI image, pushed by digest; the
//     row says whether the registry answered OCI-Subject, or clients keep
//     the sha256-<hex> tag.
//   - referrers-api: GET /v2/<repo>/referrers/<digest> lists the
//     artifact. Unsupported when the registry answers 404, 405 or 400 (the
//     row says whether the sha256-<hex> tag fallback listed it); unknown
//     for any other answer.
//   - tag-list: GET /v2/<repo>/tags/list shows the probe's tags.
//   - delete: one of the probe's manifests deleted by digest, and no longer
//     served. A refusal makes it unsupported, and no more deletes are
//     asked.
//
// # What it pushes, and what it deletes
//
// Everything the probe pushes it makes itself, random each run: a layer,
// a chunked blob, two configs, two images, a list, two indexes, an
// artifact. Its tags start with probe-<random>- (no one else's tags look
// like that); they go into the repository named, DefaultRepository when
// none is, and the mount into that name plus "-mount".
//
// At the end, even after the context is cancelled (within a minute), it
// deletes what it pushed and nothing else: the manifests its tags point
// at, the artifact, the artifact's sha256-<hex> tag, and the blobs it
// brought (the empty blob {} only when the repository did not hold it
// before). Lists go before their images. Once the registry refuses a
// delete, it asks for no more. What is still served afterwards is in the
// report's Leftovers.
//
// # Errors and exit codes
//
// Run returns the report with an error when:
//   - the registry cannot be reached or refuses the credentials (the ping),
//     or refuses to let them push (a 401 to the upload), or the context was
//     cancelled: the error Options.Fail makes (exit 1 for the command);
//   - manifest lists or OCI indexes are unsupported, or could not be shown
//     to work because the registry refused something they need (their
//     image manifest, say): an error matching [ErrNoLists] and
//     view.ErrCheck (exit 3);
//   - otherwise, whether manifest lists or OCI indexes work is unknown
//     because a check they need could not be completed: an error matching
//     [ErrIncomplete], naming that check and its cause ("could not tell
//     whether reg:5000 holds Docker manifest lists or OCI indexes:
//     blob-upload: POST reg:5000/v2/…: connection closed before a whole
//     answer (10 attempts)"), and not view.ErrCheck: a failure of the
//     registry (exit 1), since nothing was found out about lists.
//
// Every other finding is a row, and Run returns no error (exit 0).
package probe
