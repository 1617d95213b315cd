package regtest

import "testing"

// A streamed image lands whole: its layers are the size said, and the
// registry checked their digests.
func TestPushBigImage(t *testing.T) {
	t.Parallel()
	r := New(t, Options{Dir: t.TempDir()})
	const size = 3 << 20
	img, err := r.PushBigImage("big/app", "1", Platform{OS: "linux", Architecture: "arm64"}, 2, size)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Layers) != 2 || img.Layers[0].Digest == img.Layers[1].Digest {
		t.Fatalf("layers %+v, want 2 distinct", img.Layers)
	}
	for _, l := range img.Layers {
		if l.Size < size || l.Size > size+size/100 {
			t.Errorf("layer %s is %d bytes, want about %d", l.Digest, l.Size, size)
		}
		if ok, err := r.HasBlob("big/app", l.Digest); err != nil || !ok {
			t.Errorf("layer %s missing: %v", l.Digest, err)
		}
	}
	if m, err := r.GetManifest("big/app", "1"); err != nil || m.Digest != img.Manifest.Digest {
		t.Errorf("manifest %q, %v; want %s", m.Digest, err, img.Manifest.Digest)
	}
}
