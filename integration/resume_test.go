package integration

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// A 50 MB layer whose download is cut halfway is continued with a Range
// request from where it stopped, not read again from its first byte: the
// source sends about 1.5 times the blob, not 2 times, and the copy in the
// other registry is whole (its digest checked end to end).
func TestResumeCutDownload(t *testing.T) {
	t.Parallel()
	// on disk: the in-memory store copies a large blob over and over
	src, dst := regtest.New(t, regtest.Options{Dir: t.TempDir()}), regtest.New(t, regtest.Options{Dir: t.TempDir()})
	const size = 50 << 20
	img := regtest.NewLargeImage(linuxAMD64, false, size)
	if err := src.PushImage("big/app", "1", img); err != nil {
		t.Fatal(err)
	}
	layer := img.Layers[0].Digest
	var cut, ranged atomic.Int32
	proxy := regtest.ProxyWith(t, src, regtest.ProxyOptions{
		Faults: func(n int, r *http.Request) regtest.Fault {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+layer) {
				return regtest.NoFault
			}
			if r.Header.Get("Range") != "" {
				ranged.Add(1)
				return regtest.NoFault
			}
			if cut.Add(1) == 1 {
				return regtest.Cut
			}
			return regtest.NoFault
		},
	})
	res := mt(t, "--plain-http", "--debug", "push", "from-args", "--platforms", "linux/amd64", "--template", proxy.Host+"/big/app:1",
		"--target", dst.Host+"/big/app:2")
	res.ok(t)
	if cut.Load() != 1 || ranged.Load() != 1 {
		t.Errorf("%d whole GETs (the first cut) and %d ranged ones, want 1 and 1", cut.Load(), ranged.Load())
	}
	read := proxy.Read()["GET blob"]
	if ratio := float64(read) / size; ratio < 1.4 || ratio > 1.6 {
		t.Errorf("the source sent %.2f times the blob (%d bytes), want about 1.5 (2 would be a restart)", ratio, read)
	}
	if ok, err := dst.HasBlob("big/app", layer); err != nil || !ok {
		t.Errorf("the layer is not in the target: %v", err)
	}
}
