package regtest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// PushBigImage makes an OCI image for platform p of n layers, each a tar
// holding one random file of size bytes, and uploads it to repo under
// tag. Each layer is made as it is uploaded (gzip without compression, as
// random bytes do not compress) and never held in memory, so that images
// of gigabytes can be made; the layers of the Image returned have no
// Data. Every call makes different layers.
func (r *Registry) PushBigImage(repo, tag string, p Platform, n int, size int64) (Image, error) {
	var layers []Blob
	var diffIDs []string
	for range n {
		l, diffID, err := r.pushStreamedLayer(repo, size)
		if err != nil {
			return Image{}, err
		}
		layers, diffIDs = append(layers, l), append(diffIDs, diffID)
	}
	img := assemble(p, false, layers, diffIDs)
	if err := r.PushBlob(repo, img.Config.Data); err != nil {
		return Image{}, err
	}
	return img, r.PutManifest(repo, tag, img.Manifest.MediaType, img.Manifest.Data)
}

// pushStreamedLayer uploads a layer of one random file of size bytes as
// it makes it, in one PATCH of unknown length, then completes the upload
// with the digest it computed on the way.
func (r *Registry) pushStreamedLayer(repo string, size int64) (Blob, string, error) {
	long := &http.Client{Transport: r.client.Transport} // no timeout: the body is large
	req, _ := http.NewRequest("POST", r.URL()+"/v2/"+repo+"/blobs/uploads/", nil)
	resp, err := r.do(req)
	if err != nil {
		return Blob{}, "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return Blob{}, "", httpErr(resp, "starting upload to "+repo)
	}
	loc := resp.Header.Get("Location")

	var seed [32]byte
	_, _ = rand.Read(seed[:])
	content := mrand.NewChaCha8(seed)
	pr, pw := io.Pipe()
	defer pr.Close() // unblocks the writer if the upload stops early
	diff, sum := sha256.New(), sha256.New()
	gz := &hashCounter{w: pw, h: sum}
	go func() {
		zw, _ := gzip.NewWriterLevel(gz, gzip.NoCompression)
		tw := tar.NewWriter(io.MultiWriter(zw, diff))
		err := tw.WriteHeader(&tar.Header{Name: "layer.bin", Mode: 0o644, Size: size, ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err == nil {
			_, err = io.CopyN(tw, content, size)
		}
		if err == nil {
			err = tw.Close()
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	u, err := r.uploadURL(loc, nil)
	if err != nil {
		return Blob{}, "", err
	}
	req, _ = http.NewRequest("PATCH", u, pr)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = r.doOn(long, req)
	if err != nil {
		return Blob{}, "", fmt.Errorf("uploading a layer to %s: %w", repo, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return Blob{}, "", httpErr(resp, "uploading a layer to "+repo)
	}
	digest := "sha256:" + hex.EncodeToString(sum.Sum(nil))
	u, err = r.uploadURL(resp.Header.Get("Location"), url.Values{"digest": {digest}})
	if err != nil {
		return Blob{}, "", err
	}
	req, _ = http.NewRequest("PUT", u, nil)
	resp, err = r.do(req)
	if err != nil {
		return Blob{}, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return Blob{}, "", httpErr(resp, "completing a layer upload to "+repo)
	}
	d := Descriptor{MediaType: OCILayer, Digest: digest, Size: gz.n}
	return Blob{Descriptor: d}, "sha256:" + hex.EncodeToString(diff.Sum(nil)), nil
}

// uploadURL resolves an upload's Location against the registry and adds
// query to it.
func (r *Registry) uploadURL(loc string, query url.Values) (string, error) {
	l, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("upload location %q: %w", loc, err)
	}
	u := (&url.URL{Scheme: "x", Host: "x"}).ResolveReference(l)
	q := u.Query()
	for k, v := range query {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return r.URL() + u.RequestURI(), nil
}

// hashCounter writes to w, hashing and counting what it writes.
type hashCounter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.h.Write(b[:n])
	c.n += int64(n)
	return n, err
}
