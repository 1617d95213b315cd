package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/ref"
)

// padded is an OCI image manifest of about size bytes (an annotation
// pads it).
func padded(size int) []byte {
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
			"digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		"layers":      []any{},
		"annotations": map[string]string{"pad": strings.Repeat("x", size)},
	}
	b, _ := json.Marshal(m)
	return b
}

// The manifest limit speaks for the Client: over it, one line naming the
// request, the limit and the flag; raised, it holds in regclient too,
// whose own limit (8 MiB) would otherwise refuse a manifest of 9 MiB.
func TestManifestSizeLimit(t *testing.T) {
	t.Parallel()
	body := padded(9 << 20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/manifests/") {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	r, _ := ref.New(host + "/app:1")
	fetch := func(opts ...Option) error {
		c, err := New(context.Background(), append([]Option{WithPlainHTTP(host), WithDockerConfig(t.TempDir())}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Fetch(context.Background(), r, FetchTop)
		return err
	}
	err := fetch()
	want := "reading " + host + "/app:1: GET " + host + "/v2/app/manifests/1: the manifest is " +
		strconv.Itoa(len(body)) + " bytes, over the limit of 4MiB (raise it with --max-manifest-size)"
	var op *OpError
	if !errors.As(err, &op) || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if err := fetch(WithMaxManifestSize(10 << 20)); err != nil {
		t.Errorf("with the limit raised to 10 MiB: %v", err)
	}
	if err := fetch(WithMaxManifestSize(8 << 20)); err == nil || !strings.Contains(err.Error(), "over the limit of 8MiB") {
		t.Errorf("with the limit at 8 MiB: %v, want it refused", err)
	}
}
