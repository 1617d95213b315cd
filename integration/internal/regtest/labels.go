package regtest

import "encoding/json"

// WithLabels is img with labels in its config (config.Labels, as `docker
// build --label` and docker/metadata-action write them), and so a new
// config digest and manifest.
func WithLabels(img Image, labels map[string]string) Image {
	var cfg map[string]any
	_ = json.Unmarshal(img.Config.Data, &cfg)
	inner, _ := cfg["config"].(map[string]any)
	if inner == nil {
		inner = map[string]any{}
	}
	inner["Labels"] = labels
	cfg["config"] = inner
	b, _ := json.Marshal(cfg)
	img.Config = newBlob(img.Config.MediaType, b)
	var m map[string]any
	_ = json.Unmarshal(img.Manifest.Data, &m)
	m["config"] = img.Config.Descriptor
	mb, _ := json.Marshal(m)
	img.Manifest = newBlob(img.Manifest.MediaType, mb)
	return img
}

// BuildxIndexOf is [NewBuildxIndex] for an image of the caller's.
func BuildxIndexOf(img Image) BuildxIndex { return buildxIndex(img) }
