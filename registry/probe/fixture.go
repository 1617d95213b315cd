package probe

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/docker/schema2"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"
)

// ArtifactType is the artifactType of the artifact the probe pushes.
const ArtifactType = "application/vnd.manifest-tool.probe.v1+json"

// tagPrefix is "probe-<random>-": the start of tags no one else uses.
func tagPrefix() string {
	nonce := make([]byte, 4)
	_, _ = rand.Read(nonce)
	return "probe-" + hex.EncodeToString(nonce) + "-"
}

// newLayer is a tiny gzipped tar holding one random file.
func newLayer() []byte {
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

// newChunkedBlob is random bytes, several ChunkSize chunks long.
func newChunkedBlob() []byte {
	data := make([]byte, 3*ChunkSize+100)
	_, _ = rand.Read(data)
	return data
}

// newConfig is an image config for linux/amd64, distinct each run.
func newConfig() []byte {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	b, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Labels": map[string]string{"org.opencontainers.image.title": "manifest-tool probe " + hex.EncodeToString(nonce)}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{}},
	})
	return b
}

// blobOf describes data as a blob of media type mt.
func blobOf(mt string, data []byte) descriptor.Descriptor {
	return descriptor.Descriptor{MediaType: mt, Digest: digest.FromBytes(data), Size: int64(len(data))}
}

// imageManifest is a Docker v2.2 or OCI image manifest of one layer.
func imageManifest(docker bool, config, layer descriptor.Descriptor) any {
	if docker {
		return schema2.Manifest{Versioned: schema2.ManifestSchemaVersion, Config: config, Layers: []descriptor.Descriptor{layer}}
	}
	return v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, Config: config, Layers: []descriptor.Descriptor{layer}}
}

// listOf is a Docker manifest list or OCI index holding image, as
// linux/amd64.
func listOf(docker bool, image descriptor.Descriptor) any {
	image.Platform = &platform.Platform{OS: "linux", Architecture: "amd64"}
	if docker {
		return schema2.ManifestList{Versioned: schema2.ManifestListSchemaVersion, Manifests: []descriptor.Descriptor{image}}
	}
	return v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList, Manifests: []descriptor.Descriptor{image}}
}

// annotatedIndex is an OCI index holding image as linux/amd64, with
// annotations that a registry rewriting JSON would change: quotes,
// non-ASCII, HTML.
func annotatedIndex(image descriptor.Descriptor) v1.Index {
	idx := listOf(false, image).(v1.Index)
	idx.Annotations = map[string]string{
		"org.opencontainers.image.description": "manifest-tool probe: \"quotes\", ünïcödé, <html> & = signs",
		"org.opencontainers.image.source":      "https://example.com/manifest-tool-probe",
		"org.opencontainers.image.version":     "1.0",
	}
	return idx
}

// emptyBlob is the OCI empty descriptor ({}), the artifact's config and
// layer.
var emptyBlob = descriptor.Descriptor{MediaType: mediatype.OCI1Empty, Digest: descriptor.EmptyDigest, Size: int64(len(descriptor.EmptyData))}

// artifactOf is an OCI artifact (ArtifactType, no content beyond {})
// whose subject is the image.
func artifactOf(subject descriptor.Descriptor) v1.Manifest {
	return v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest, ArtifactType: ArtifactType,
		Config: emptyBlob, Layers: []descriptor.Descriptor{emptyBlob}, Subject: &subject,
		Annotations: map[string]string{"org.opencontainers.image.title": "manifest-tool probe"}}
}
