// Package manifest builds and checks the index manifest-tool pushes. It is
// pure: it works on values and bytes and never talks to a registry.
//
// # Building
//
// [Build] takes the resolved members (each a descriptor plus where it came
// from) and writes either a Docker v2.2 manifest list ([Docker],
// application/vnd.docker.distribution.manifest.list.v2+json, manifest-tool's
// default) or an OCI image index ([OCI],
// application/vnd.oci.image.index.v1+json). Images come first, in the order
// given; attestation manifests (entries annotated
// vnd.docker.reference.type, as BuildKit writes them) follow all images.
// Entries keep their own media types, digests, sizes, platforms and
// annotations. The result's bytes are compact JSON and its digest is the
// sha256 of exactly those bytes; they are what gets pushed.
//
// # Validating
//
// [Validate] runs before anything is written and returns every problem at
// once (a [spec.Errors]), each naming its member (file:line or --platforms item)
// and digest: an index without members, a malformed digest or a size of 0,
// an image without os and architecture, two images with the same platform
// (compared after normalisation, so arm64 and arm64/v8 are one; Windows
// entries also compare os.version), and annotations on a Docker list
// (BuildKit's vnd.docker.reference.* entry annotations excepted).
package manifest
