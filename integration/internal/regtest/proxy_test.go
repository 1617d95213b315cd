package regtest

import (
	"bytes"
	"net/http"
	"testing"
)

// The proxy counts the bodies it sends on to the registry by kind, and
// the answers it reads back, so a benchmark can say what a client wrote
// to a registry and read from it.
func TestProxyCountsBytes(t *testing.T) {
	t.Parallel()
	r := New(t)
	p := ProxyWith(t, r, ProxyOptions{})
	via := &Registry{Host: p.Host, scheme: "http", client: http.DefaultClient, left: -1}
	blob := bytes.Repeat([]byte("regtest "), 4096)
	if err := via.PushBlob("proxy/app", blob); err != nil {
		t.Fatal(err)
	}
	img := NewImage(Platform{OS: "linux", Architecture: "amd64"}, false)
	if err := via.PushImage("proxy/app", "1", img); err != nil {
		t.Fatal(err)
	}
	wrote := p.Written()
	want := int64(len(blob)) + img.Config.Size + img.Layers[0].Size
	if wrote["PUT upload"] != want || wrote["PUT manifest"] != img.Manifest.Size || wrote["POST upload"] != 0 {
		t.Errorf("written %v; want PUT upload %d, PUT manifest %d, no POST upload", wrote, want, img.Manifest.Size)
	}
	if _, err := via.GetManifest("proxy/app", "1"); err != nil {
		t.Fatal(err)
	}
	if got := p.Read()["GET manifest"]; got != img.Manifest.Size {
		t.Errorf("read %d bytes of GET manifest, want %d", got, img.Manifest.Size)
	}
	if got := p.Written()["GET manifest"]; got != 0 {
		t.Errorf("a GET wrote %d bytes", got)
	}
}
