package regtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Media types used by the images made here.
const (
	DockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	DockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig   = "application/vnd.docker.container.image.v1+json"
	DockerLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	OCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	OCIIndex       = "application/vnd.oci.image.index.v1+json"
	OCIConfig      = "application/vnd.oci.image.config.v1+json"
	OCILayer       = "application/vnd.oci.image.layer.v1.tar+gzip"
	InTotoLayer    = "application/vnd.in-toto+json"
)

// Platform is what an image's config declares.
type Platform struct {
	OS           string   `json:"os"`
	Architecture string   `json:"architecture"`
	Variant      string   `json:"variant,omitempty"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
}

// String writes os/arch[/variant].
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Descriptor is an entry of a manifest or an index.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

// Blob is content with its descriptor.
type Blob struct {
	Descriptor
	Data []byte
}

func newBlob(mediaType string, data []byte) Blob {
	return Blob{Descriptor: Descriptor{MediaType: mediaType, Digest: Digest(data), Size: int64(len(data))}, Data: data}
}

// Digest is the sha256 digest of b, "sha256:<hex>".
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Image is a single-platform image: a manifest, its config and layers.
type Image struct {
	Manifest Blob
	Config   Blob
	Layers   []Blob
	Platform Platform
}

// NewImage makes a small image for platform p, in Docker media types when
// docker is true, else OCI. Its one layer is a real gzipped tar holding a
// random file, so every image is distinct.
func NewImage(p Platform, docker bool) Image {
	content := make([]byte, 64)
	_, _ = rand.Read(content)
	return newImage(p, docker, content)
}

// NewFixedImage is NewImage with its file's content made from seed, so the
// same seed gives the same image, digests included (for golden files).
func NewFixedImage(p Platform, docker bool, seed string) Image {
	sum := sha256.Sum256([]byte(seed))
	return newImage(p, docker, sum[:])
}

// NewLargeImage is NewImage with a layer of about size bytes (a random,
// incompressible file), for the transfers that do not fit in one buffer.
func NewLargeImage(p Platform, docker bool, size int) Image {
	content := make([]byte, size)
	_, _ = rand.Read(content)
	return newImage(p, docker, content)
}

// NewLayeredImage is NewImage (OCI) with n layers, each a random file of
// its own, as an image built in several steps.
func NewLayeredImage(p Platform, n int) Image {
	contents := make([][]byte, n)
	for i := range contents {
		contents[i] = make([]byte, 64)
		_, _ = rand.Read(contents[i])
	}
	return newImage(p, false, contents...)
}

func newImage(p Platform, docker bool, contents ...[]byte) Image {
	mtLayer := OCILayer
	if docker {
		mtLayer = DockerLayer
	}
	var layers []Blob
	var diffIDs []string
	for _, content := range contents {
		tarball, diffID := layer(p, content)
		layers, diffIDs = append(layers, newBlob(mtLayer, tarball)), append(diffIDs, diffID)
	}
	return assemble(p, docker, layers, diffIDs)
}

// assemble makes the config and the manifest of an image of layers, whose
// uncompressed digests are diffIDs.
func assemble(p Platform, docker bool, layers []Blob, diffIDs []string) Image {
	mtManifest, mtConfig := OCIManifest, OCIConfig
	if docker {
		mtManifest, mtConfig = DockerManifest, DockerConfig
	}
	var descs []Descriptor
	for _, l := range layers {
		descs = append(descs, l.Descriptor)
	}
	cfg := map[string]any{
		"architecture": p.Architecture,
		"os":           p.OS,
		"created":      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
		"config":       map[string]any{"Cmd": []string{"/hello"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	if p.Variant != "" {
		cfg["variant"] = p.Variant
	}
	if p.OSVersion != "" {
		cfg["os.version"] = p.OSVersion
	}
	if len(p.OSFeatures) > 0 {
		cfg["os.features"] = p.OSFeatures
	}
	cfgBytes, _ := json.Marshal(cfg)
	config := newBlob(mtConfig, cfgBytes)
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     mtManifest,
		"config":        config.Descriptor,
		"layers":        descs,
	}
	mb, _ := json.Marshal(m)
	return Image{Manifest: newBlob(mtManifest, mb), Config: config, Layers: layers, Platform: p}
}

func layer(p Platform, content []byte) (gz []byte, diffID string) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	body := []byte(fmt.Sprintf("built for %s\n%x\n", p, content))
	if len(content) > 1024 { // large: the bytes themselves
		body = content
	}
	_ = tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body)), ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	_, _ = tw.Write(body)
	_ = tw.Close()
	var gb bytes.Buffer
	zw := gzip.NewWriter(&gb)
	_, _ = zw.Write(tb.Bytes())
	_ = zw.Close()
	return gb.Bytes(), Digest(tb.Bytes())
}

// Attestation makes a BuildKit-style attestation manifest for img: an OCI
// manifest with an unknown/unknown config and an in-toto layer.
func Attestation(img Image) Image {
	stmt, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"predicateType": "https://slsa.dev/provenance/v0.2",
		"subject":       []map[string]any{{"digest": map[string]string{"sha256": strings.TrimPrefix(img.Manifest.Digest, "sha256:")}}},
	})
	layer := newBlob(InTotoLayer, stmt)
	layer.Annotations = map[string]string{"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}
	cfgBytes, _ := json.Marshal(map[string]any{"architecture": "unknown", "os": "unknown", "config": map[string]any{}, "rootfs": map[string]any{"type": "layers", "diff_ids": []string{layer.Digest}}})
	config := newBlob(OCIConfig, cfgBytes)
	mb, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIManifest, "config": config.Descriptor, "layers": []Descriptor{layer.Descriptor}})
	return Image{Manifest: newBlob(OCIManifest, mb), Config: config, Layers: []Blob{layer}, Platform: Platform{OS: "unknown", Architecture: "unknown"}}
}

// BuildxIndex is what `docker buildx build --provenance` pushes for one
// platform: an OCI index holding the image and its attestation manifest.
type BuildxIndex struct {
	Index       Blob
	Image       Image
	Attestation Image
}

// NewBuildxIndex makes a buildx-style single-platform index.
func NewBuildxIndex(p Platform) BuildxIndex {
	return buildxIndex(NewImage(p, false))
}

// NewFixedBuildxIndex is NewBuildxIndex for NewFixedImage(p, false, seed).
func NewFixedBuildxIndex(p Platform, seed string) BuildxIndex {
	return buildxIndex(NewFixedImage(p, false, seed))
}

func buildxIndex(img Image) BuildxIndex {
	att := Attestation(img)
	imgDesc := img.Manifest.Descriptor
	imgDesc.Platform = &img.Platform
	attDesc := att.Manifest.Descriptor
	attDesc.Platform = &Platform{OS: "unknown", Architecture: "unknown"}
	attDesc.Annotations = map[string]string{
		"vnd.docker.reference.type":   "attestation-manifest",
		"vnd.docker.reference.digest": img.Manifest.Digest,
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIIndex, "manifests": []Descriptor{imgDesc, attDesc}})
	return BuildxIndex{Index: newBlob(OCIIndex, b), Image: img, Attestation: att}
}

// PushImage uploads img's blobs and its manifest under tag in repo.
func (r *Registry) PushImage(repo, tag string, img Image) error {
	for _, b := range append([]Blob{img.Config}, img.Layers...) {
		if err := r.PushBlob(repo, b.Data); err != nil {
			return err
		}
	}
	return r.PutManifest(repo, tag, img.Manifest.MediaType, img.Manifest.Data)
}

// PushBuildx uploads a buildx-style index, its image and attestation.
func (r *Registry) PushBuildx(repo, tag string, bx BuildxIndex) error {
	for _, img := range []Image{bx.Image, bx.Attestation} {
		if err := r.PushImage(repo, img.Manifest.Digest, img); err != nil {
			return err
		}
	}
	return r.PutManifest(repo, tag, OCIIndex, bx.Index.Data)
}

// PushBlob uploads one blob in a single monolithic request.
func (r *Registry) PushBlob(repo string, data []byte) error {
	req, _ := http.NewRequest("POST", r.URL()+"/v2/"+repo+"/blobs/uploads/", nil)
	resp, err := r.do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return httpErr(resp, "starting upload to "+repo)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return err
	}
	u := (&url.URL{Scheme: "x", Host: "x"}).ResolveReference(loc)
	q := u.Query()
	q.Set("digest", Digest(data))
	u.RawQuery = q.Encode()
	req, _ = http.NewRequest("PUT", r.URL()+u.RequestURI(), bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = r.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return httpErr(resp, "uploading blob to "+repo)
	}
	return nil
}

// PutManifest stores a manifest under a tag or digest.
func (r *Registry) PutManifest(repo, ref, mediaType string, body []byte) error {
	req, _ := http.NewRequest("PUT", r.URL()+"/v2/"+repo+"/manifests/"+ref, bytes.NewReader(body))
	req.Header.Set("Content-Type", mediaType)
	resp, err := r.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return httpErr(resp, "putting manifest "+repo+":"+ref)
	}
	return nil
}

// Manifest is a manifest as the registry serves it.
type Manifest struct {
	MediaType string
	Digest    string // Docker-Content-Digest
	Body      []byte
}

// Index is the JSON of a manifest list or image index.
type Index struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Manifests     []Descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations"`
}

// GetManifest fetches repo:ref (tag or digest) accepting every manifest type.
func (r *Registry) GetManifest(repo, ref string) (Manifest, error) {
	req, _ := http.NewRequest("GET", r.URL()+"/v2/"+repo+"/manifests/"+ref, nil)
	req.Header.Set("Accept", strings.Join([]string{OCIIndex, OCIManifest, DockerList, DockerManifest}, ", "))
	resp, err := r.do(req)
	if err != nil {
		return Manifest{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Manifest{}, httpErr(resp, "getting manifest "+repo+":"+ref)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Manifest{}, err
	}
	return Manifest{MediaType: resp.Header.Get("Content-Type"), Digest: resp.Header.Get("Docker-Content-Digest"), Body: body}, nil
}

// GetIndex fetches and decodes an index or list.
func (r *Registry) GetIndex(repo, ref string) (Manifest, Index, error) {
	m, err := r.GetManifest(repo, ref)
	if err != nil {
		return m, Index{}, err
	}
	var idx Index
	if err := json.Unmarshal(m.Body, &idx); err != nil {
		return m, Index{}, fmt.Errorf("decoding %s:%s: %w", repo, ref, err)
	}
	return m, idx, nil
}

// HasBlob reports whether repo holds a blob.
func (r *Registry) HasBlob(repo, digest string) (bool, error) {
	req, _ := http.NewRequest("HEAD", r.URL()+"/v2/"+repo+"/blobs/"+digest, nil)
	resp, err := r.do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// NewIndex makes an index (OCI) or manifest list (Docker) of entries.
func NewIndex(docker bool, entries ...Descriptor) Blob {
	mt := OCIIndex
	if docker {
		mt = DockerList
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mt, "manifests": entries})
	return newBlob(mt, b)
}

// DeleteManifest deletes a manifest by digest.
func (r *Registry) DeleteManifest(repo, digest string) error {
	req, _ := http.NewRequest("DELETE", r.URL()+"/v2/"+repo+"/manifests/"+digest, nil)
	resp, err := r.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return httpErr(resp, "deleting "+repo+"@"+digest)
	}
	return nil
}

// NewArtifact makes an OCI artifact manifest (an empty config, one layer)
// of artifactType whose subject is the given manifest.
func NewArtifact(artifactType string, subject Descriptor, payload []byte) (manifest Blob, blobs []Blob) {
	empty := newBlob("application/vnd.oci.empty.v1+json", []byte("{}"))
	layer := newBlob("application/vnd.example.payload", payload)
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIManifest, "artifactType": artifactType,
		"config": empty.Descriptor, "layers": []Descriptor{layer.Descriptor}, "subject": subject})
	return newBlob(OCIManifest, b), []Blob{empty, layer}
}
