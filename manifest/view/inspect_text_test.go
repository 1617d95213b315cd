package view

import (
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
)

// TestViewText holds inspect's text to the golden file, which was written
// by the renderer before its word-wrap was shared with the probe: a long
// annotation value wraps at its spaces, and a URL or digest longer than the
// line stays whole, so it can be copied.
func TestViewText(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	long := "https://github.com/example-organisation/example-application-with-a-long-name/tree/0123456789abcdef0123456789abcdef01234567"
	v := View{
		Summary: Summary{Image: "reg.example.com/team/app:1.0", Digest: d("0"), MediaType: mediatype.OCI1ManifestList, Index: true},
		Size:    1234,
		Annotations: map[string]string{
			"org.opencontainers.image.source":      long,
			"org.opencontainers.image.description": "An application that is described in more words than fit on one line of eighty columns, so that they wrap",
			"short":                                "v",
		},
		Manifests: []Entry{
			{Digest: d("a"), MediaType: mediatype.OCI1Manifest, Size: 480,
				Platform:    &platform.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
				Annotations: map[string]string{"org.opencontainers.image.url": long},
				Config:      &Blob{MediaType: mediatype.OCI1ImageConfig, Digest: d("c"), Size: 700},
				Layers:      []Blob{{MediaType: mediatype.OCI1LayerGzip, Digest: d("e"), Size: 1534478899}}},
			{Digest: d("b"), MediaType: mediatype.OCI1Manifest, Size: 560, AttestationFor: d("a"),
				Annotations: map[string]string{"vnd.docker.reference.digest": d("a"), "vnd.docker.reference.type": "attestation-manifest"}},
		},
	}
	var b strings.Builder
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "inspect.txt", []byte(b.String()))
	if !strings.Contains(b.String(), long) {
		t.Errorf("the URL was cut:\n%s", b.String())
	}
}
