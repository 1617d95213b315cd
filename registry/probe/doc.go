// Package probe tells what a registry can do for multi-platform images,
// before a pipeline relies on it: whether it holds Docker manifest lists
// and OCI indexes, and the things around them (uploads, mounts,
// annotations, artifacts, referrers, tags, deletes).
//
//	report, err := probe.Run(ctx, reg, r, probe.Options{})
//
// [Run] talks to the registry only through a [Registry]; package registry
// provides one made of a regclient client, whose exchanges a [Recorder]
// keeps. The report has one row per check, in the order below: supported,
// unsupported or unknown, with a detail in a few words.
//
// A refusal (an HTTP error status) makes a check unsupported. A write the
// registry answered with another success status than the spec's (a
// manifest PUT answered 200 or 202, a blob PUT or mount 200), which the
// transport confirmed and took, is supported, its row saying so ("works,
// answers 202 Accepted where the spec says 201 Created"). A request
// that got no whole answer ([Options].Unanswered) leaves its check, and
// every check that depends on it, unknown, with the cause.
//
// # Checks
//
//   - api: GET /v2/ answers. A registry that cannot be reached, or refuses
//     the credentials, ends the probe with an error and no rows.
//   - auth: the WWW-Authenticate challenge of the first 401 anywhere in the
//     probe (some registries challenge only writes; the row says which
//     method asked).
//   - blob-upload: a small gzipped layer in one PUT. When it fails, every
//     pushing check is unsupported, or unknown when the credentials were
//     refused (which makes Run fail) or the upload was not completed.
//   - blob-upload-chunked: a blob of several [ChunkSize] chunks, in PATCH
//     requests, then a PUT; unknown when it took fewer than two PATCHes.
//   - blob-mount: the layer mounted from REPO into REPO-mount (201);
//     unsupported when the registry offers an upload instead (202).
//   - docker-manifest, oci-manifest: a Docker v2.2 and an OCI image
//     manifest, each under a tag.
//   - docker-manifest-list, oci-index: a list and an index of that image.
//   - mixed-list: an OCI index holding the Docker and the OCI image;
//     unsupported, with the registry's words, where it is refused (Quay
//     before quay/quay#6070, Nexus, Google Artifact Registry).
//   - index-annotations: an OCI index with annotations that rewritten JSON
//     would change, read back: it must be the same bytes.
//   - artifact-subject: an OCI artifact ([ArtifactType]) whose subject is
//     the OCI image; the row says whether the registry answered OCI-Subject.
//   - referrers-api: GET /v2/<repo>/referrers/<digest> lists the artifact;
//     unsupported on 404, 405 or 400, unknown on any other answer.
//   - tag-list: GET /v2/<repo>/tags/list shows the probe's tags.
//   - delete: one of the probe's manifests deleted by digest, and no longer
//     served; after a refusal no more deletes are asked.
//   - tag-delete: an OCI image pushed under a probe tag, then the tag alone
//     deleted (DELETE /v2/<repo>/manifests/<tag>, what push --untag-members
//     sends): the tag is gone and the image still served by digest.
//     Unsupported on a refusal (405, 400 UNSUPPORTED or DIGEST_INVALID,
//     401, 403), a tag still served, or an image deleted with its tag. The
//     image is deleted by digest with the rest at the end.
//
// # What it pushes, and what it deletes
//
// Everything the probe pushes it makes itself, random each run, under
// tags that start with probe-<random>-, in the repository named
// (DefaultRepository when none is) and that name plus "-mount".
//
// At the end, even after the context is cancelled (within a minute), it
// deletes what it pushed and nothing else, lists before their images.
// What is still served afterwards is in the report's Leftovers, and so is
// a tag whose HEAD failed (other than with a 404), by its tag: that says
// nothing of what the registry holds, so the delete check is then unknown,
// not "nothing was pushed", and while a manifest stays, or may, no blob is
// deleted.
//
// # Errors and exit codes
//
// Run returns the report with an error when:
//   - the registry cannot be reached, refuses the credentials or the push,
//     or the context was cancelled: the error Options.Fail makes (exit 1);
//   - lists or indexes are unsupported, or were refused something they
//     need: an error matching [ErrNoLists] and view.ErrCheck (exit 3);
//   - otherwise, whether they work is unknown because a check they need
//     was not completed: an error matching [ErrIncomplete], naming that
//     check and its cause, not view.ErrCheck (exit 1).
//
// Every other finding is a row, and Run returns no error (exit 0).
package probe
