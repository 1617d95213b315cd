// Package manifest holds every rule manifest-tool applies to manifests,
// and the result of a push. It is pure: it works on values and bytes
// and never talks to a registry (package registry fetches and writes; this
// package decides).
//
// # Members
//
// A spec entry turns into the members of the index: [ImageMember] for an
// entry naming an image (its platform is the declared one merged with its
// config's, by [spec.MergePlatform]; [ImageConfig] says whether there is a
// config to read it from), [Select] for an entry naming an index (buildx's
// output: every image and its attestation manifests, or with a declared
// platform that image alone, and an error naming the platforms it has when
// it lacks that one). Entries taken from an index are read by digest and
// checked against what the index says of them ([CheckListed]). [Gather]
// puts a spec's members in order and leaves out the missing ones, which
// --ignore-missing skips ([ErrMissing] when none is left). Normalisation
// notes come back as lines to log.
//
// # Building
//
// [Build] (or [BuildSpec], which names the index after its spec for
// messages) takes the members and writes either a Docker v2.2 manifest
// list ([Docker], application/vnd.docker.distribution.manifest.list.v2+json,
// manifest-tool's default) or an OCI image index ([OCI],
// application/vnd.oci.image.index.v1+json). Images come first, in the order
// given; attestation manifests (entries annotated
// vnd.docker.reference.type, as BuildKit writes them) follow all images.
// Entries keep their own media types, digests, sizes, platforms and
// annotations. The result's bytes are compact JSON and its digest is the
// sha256 of exactly those bytes; they are what gets pushed.
//
// # Validating
//
// [Precheck] refuses what the specs alone show to be wrong, before any
// request. [Validate] runs on each built index before anything is written
// and returns every problem at once (a [spec.Errors]), each naming its
// member (file:line or --platforms item) and digest; its doc lists them.
//
// # Pushing
//
// [Plan] describes a push before any write: the tags it writes ([Tags]:
// the target's, then the extra ones), what each points at now, and the
// members. [TagResult.Write] says what writing a tag does (created,
// updated, unchanged); the registry package fills in each [TagStatus] and
// each member's [How] as it writes. A [Result] is what push prints: its
// text ([Result.WriteText], manifest-tool v2's "Digest: sha256:<hex>
// <size>") or its JSON, whose field names and values are fixed (the README
// shows them, under "What is checked, what is written, and when");
// [Result.Done] says in one line what a run cut short wrote.
//
// # Changing an index
//
// For --append and edit, the index a target points at is read as a
// [Current] ([CurrentIndex], or [CurrentImage] for a single image), and
// [Merge] applies a [Change] to it, under the rules its doc lists. The
// [Merged] result says what changed ([Diff]) and what must still hold once
// written ([Effect]); [Verify] reads the index after the write and tells an
// update another writer took back (merge again) from a conflict
// ([ErrConflict]). [Only] is the --platforms selection among --member
// images.
//
// What inspect, platforms and probe show, and its text, is package
// manifest/view's.
package manifest
