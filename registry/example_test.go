package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Publishing: load a spec, then one call resolves the members, builds and
// validates the index, and writes it with its tags. Here the members and
// the target are OCI layouts on disk (ocidir://), so the example needs no
// registry; with registry references the calls are the same.
func Example() {
	dir, err := os.MkdirTemp("", "manifest-tool-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	// what two build jobs left behind
	for _, arch := range []string{"amd64", "arm64"} {
		if err := writeImage(filepath.Join(dir, arch), "1.0", "linux", arch); err != nil {
			fmt.Println(err)
			return
		}
	}

	specs, err := spec.Load(context.Background(), "release.yaml", strings.NewReader(fmt.Sprintf(`
image: ocidir://%[1]s/release:1.0
type: oci
tags: [latest]
manifests:
  - image: ocidir://%[1]s/amd64:1.0
  - image: ocidir://%[1]s/arm64:1.0
`, dir)))
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := registry.New(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := client.Publish(context.Background(), specs, registry.PublishOptions{Type: manifest.Docker})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Println(r.MediaType)
		for _, t := range r.Tags {
			fmt.Println("tag", t.Tag, t.Status)
		}
		for _, m := range r.Manifests {
			fmt.Println("member", m.Platform, m.How)
		}
	}
	// Output:
	// application/vnd.oci.image.index.v1+json
	// tag 1.0 created
	// tag latest created
	// member linux/amd64 copied
	// member linux/arm64 copied
}

// writeImage writes a one-layer image for os/arch into an OCI layout at
// dir, under tag.
func writeImage(dir, tag, osName, arch string) error {
	blob := func(b []byte) (map[string]any, error) {
		d := digest.FromBytes(b)
		path := filepath.Join(dir, "blobs", "sha256", d.Encoded())
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		return map[string]any{"digest": d.String(), "size": len(b)}, os.WriteFile(path, b, 0o644)
	}
	write := func(v any) ([]byte, error) { return json.Marshal(v) }
	layer, err := blob([]byte("a layer for " + arch))
	if err != nil {
		return err
	}
	layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
	cfgBytes, _ := write(map[string]any{"os": osName, "architecture": arch,
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layer["digest"].(string)}}})
	cfg, err := blob(cfgBytes)
	if err != nil {
		return err
	}
	cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
	manBytes, _ := write(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": cfg, "layers": []any{layer}})
	man, err := blob(manBytes)
	if err != nil {
		return err
	}
	man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
	man["annotations"] = map[string]string{"org.opencontainers.image.ref.name": tag}
	index, _ := write(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []any{man}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}
