package regtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// WriteLayout writes an OCI image layout in dir holding the blobs and
// manifests given, with index.json naming top under tag.
func WriteLayout(dir, tag string, top Blob, blobs ...Blob) error {
	for _, b := range append(blobs, top) {
		p := filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(b.Digest, "sha256:"))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Data, 0o644); err != nil {
			return err
		}
	}
	d := top.Descriptor
	d.Annotations = map[string]string{"org.opencontainers.image.ref.name": tag}
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIIndex, "manifests": []Descriptor{d}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// Blobs lists an image's manifest, config and layers.
func (img Image) Blobs() []Blob {
	return append([]Blob{img.Manifest, img.Config}, img.Layers...)
}
