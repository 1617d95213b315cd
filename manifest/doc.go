// Package manifest holds every rule manifest-tool applies to manifests,
// and the result of a push. It is pure: it works on values and bytes and
// never talks to a registry (package registry fetches and writes; this
// package decides).
//
// # Members
//
// A spec entry turns into the members of the index: [ImageMember] for an
// entry naming an image (its platform merged with its config's by
// [spec.MergePlatform]), [Select] for an entry naming an index (buildx's
// output: every image and its attestations, or the declared platform
// alone). Entries taken from an index are checked against it
// ([CheckListed]). [Gather] puts a spec's members in order and leaves out
// the missing ones, which --ignore-missing skips ([ErrMissing] when none
// is left).
//
// # Building
//
// [Build] (or [BuildSpec]) writes a Docker v2.2 manifest list ([Docker],
// the default) or an OCI image index ([OCI]): images first, in the order
// given, then attestation manifests. Entries keep their own descriptors.
// The bytes are compact JSON, and what gets pushed.
//
// # Validating
//
// [Precheck] refuses what the specs alone show to be wrong, before any
// request. [Validate] checks each built index before anything is written
// and returns every problem at once (a [spec.Errors]).
//
// # Pushing
//
// [Plan] describes a push before any write: the tags ([Tags]), what each
// points at now, and the members; the registry package fills in each
// [TagStatus] and [How] as it writes. A [Result] is what push prints, as
// text or as JSON whose field names and values are fixed (see the README);
// [Result.Done] says what a run cut short wrote.
//
// # Changing an index
//
// For --append and edit, the target is read as a [Current] ([CurrentIndex]
// or [CurrentImage]) and [Merge] applies a [Change] to it. The [Merged]
// result says what changed ([Diff]) and what must still hold once written
// ([Effect]); [Verify] tells an update another writer took back from a
// conflict ([ErrConflict]). [Only] is the --platforms selection among
// --member images.
//
// What inspect, platforms and probe show is package manifest/view's.
package manifest
