package view

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

func TestMissing(t *testing.T) {
	t.Parallel()
	idx := v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList}
	for i, p := range []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64:10.0.20348.2227"} {
		pl, err := spec.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		idx.Manifests = append(idx.Manifests, descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, Digest: digest.FromString(p), Size: int64(i + 1), Platform: &pl})
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(idx))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New("r/a:1", Fetched{Manifest: m})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64:10.0.20348.2227"}
	if !reflect.DeepEqual(v.Platforms, want) || !v.Index {
		t.Fatalf("summary %+v", v.Summary)
	}
	tests := []struct {
		require []string
		missing []string
	}{
		{[]string{"linux/amd64", "linux/arm64"}, nil},                // arm64 is arm64/v8
		{[]string{"linux/arm64/v8", "linux/arm"}, nil},               // no variant: any variant
		{[]string{"windows/amd64", "windows/amd64:10.0.20348"}, nil}, // a version prefix at a dot
		{[]string{"linux/arm/v6", "linux/s390x"}, []string{"linux/arm/v6", "linux/s390x"}},
		{[]string{"windows/amd64:10.0.2034"}, []string{"windows/amd64:10.0.2034"}}, // not at a dot
		{[]string{"windows/amd64:10.0.17763"}, []string{"windows/amd64:10.0.17763"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.require, ","), func(t *testing.T) {
			req, err := spec.ParsePlatforms("--require", tc.require)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Missing(req); !reflect.DeepEqual(got, tc.missing) {
				t.Errorf("require %v: missing %v, want %v", tc.require, got, tc.missing)
			}
			if err := v.Require(req); (err == nil) != (tc.missing == nil) || err != nil && !errors.Is(err, ErrCheck) {
				t.Errorf("Require: %v", err)
			}
		})
	}
}

// graphIndex is an OCI index of entries, each naming what a Fetched of
// children holds, with those children below it.
func graphIndex(t *testing.T, children ...Fetched) Fetched {
	t.Helper()
	idx := v1.Index{Versioned: v1.IndexSchemaVersion, MediaType: mediatype.OCI1ManifestList}
	f := Fetched{Children: map[string]Fetched{}, Missing: map[string]string{}}
	for _, c := range children {
		idx.Manifests = append(idx.Manifests, c.Manifest.GetDescriptor())
		f.Children[c.Manifest.GetDescriptor().Digest.String()] = c
	}
	m, err := rcmanifest.New(rcmanifest.WithOrig(idx))
	if err != nil {
		t.Fatal(err)
	}
	f.Manifest = m
	return f
}

func graphImage(t *testing.T) Fetched {
	t.Helper()
	img := v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest,
		Config: descriptor.Descriptor{MediaType: mediatype.OCI1ImageConfig, Digest: digest.FromString("config"), Size: 6},
		Layers: []descriptor.Descriptor{{MediaType: mediatype.OCI1LayerGzip, Digest: digest.FromString("layer"), Size: 5}}}
	m, err := rcmanifest.New(rcmanifest.WithOrig(img))
	if err != nil {
		t.Fatal(err)
	}
	return Fetched{Manifest: m}
}

// A manifest that several entries name is shown in full once, at its
// first entry at the least depth it has below the top, and every other
// entry naming it says where, before or after it.
func TestViewGraph(t *testing.T) {
	t.Parallel()
	img := graphImage(t)
	c := graphIndex(t, img, img)
	b := graphIndex(t, c, c, img)
	v, err := New("r/a:1", graphIndex(t, b, c))
	if err != nil {
		t.Fatal(err)
	}
	shown := func(e Entry) string {
		return fmt.Sprintf("%s entries=%d layers=%d", e.ShownAt, len(e.Manifests), len(e.Layers))
	}
	at := map[string]Entry{"1": v.Manifests[0], "2": v.Manifests[1]}
	for i, e := range v.Manifests[0].Manifests {
		at[fmt.Sprintf("1.%d", i+1)] = e
	}
	for i, e := range v.Manifests[1].Manifests {
		at[fmt.Sprintf("2.%d", i+1)] = e
	}
	for label, want := range map[string]string{
		"1":   " entries=3 layers=0",  // b, only there
		"1.1": "2 entries=0 layers=0", // c, least deep at [2]
		"1.2": "2 entries=0 layers=0",
		"1.3": " entries=0 layers=1", // the image, least deep here first
		"2":   " entries=2 layers=0",
		"2.1": "1.3 entries=0 layers=0",
		"2.2": "1.3 entries=0 layers=0",
	} {
		if got := shown(at[label]); got != want {
			t.Errorf("[%s]: %s, want %s", label, got, want)
		}
	}
	if len(at) != 7 {
		t.Errorf("%d entries in all, want 7", len(at))
	}
	var text strings.Builder
	if err := v.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text.String(), "Same manifest as [2], shown there\n"); n != 2 {
		t.Errorf("the text refers to [2] %d times, want 2:\n%s", n, text.String())
	}
}

// A view holds each distinct index's entries once however many paths
// lead to it, and is nested no deeper than the shortest paths: forty
// indexes whose two entries both name the next (2^39 paths), and a top
// naming each of forty indexes that also name one another in a chain.
func TestViewGraphBounded(t *testing.T) {
	t.Parallel()
	count := func(entries []Entry) (n, depth int) {
		var walk func([]Entry, int)
		walk = func(es []Entry, d int) {
			if len(es) > 0 {
				depth = max(depth, d)
			}
			for _, e := range es {
				n++
				walk(e.Manifests, d+1)
			}
		}
		walk(entries, 1)
		return n, depth
	}
	f := graphImage(t)
	for range 40 {
		f = graphIndex(t, f, f)
	}
	v, err := New("r/a:1", f)
	if err != nil {
		t.Fatal(err)
	}
	if n, depth := count(v.Manifests); n != 80 || depth != 40 {
		t.Errorf("doubling graph: %d entries, %d deep; want 80, 40", n, depth)
	}
	var chain []Fetched
	next := graphImage(t)
	for range 40 {
		next = graphIndex(t, next)
		chain = append(chain, next)
	}
	v, err = New("r/a:1", graphIndex(t, chain...))
	if err != nil {
		t.Fatal(err)
	}
	if n, depth := count(v.Manifests); n != 40+40 || depth != 2 {
		t.Errorf("chain named from the top: %d entries, %d deep; want 80, 2", n, depth)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./manifest/view -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs\n got: %s\nwant: %s", name, got, want)
	}
}

// An index's own referrers go at the top of its view, each entry's under
// it; its digest is asked about first, each distinct entry's once.
func TestSetReferrersIndex(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	v := View{Summary: Summary{Digest: d("0"), Index: true}, Manifests: []Entry{{Digest: d("a")}, {Digest: d("a")}, {Digest: d("b")}}}
	if got, want := v.Digests(), []string{d("0"), d("a"), d("b")}; !reflect.DeepEqual(got, want) {
		t.Errorf("Digests = %q, want %q", got, want)
	}
	sig := descriptor.Descriptor{MediaType: mediatype.OCI1ManifestList, ArtifactType: "application/x", Digest: digest.Digest(d("s")), Size: 9}
	v.SetReferrers(map[string][]descriptor.Descriptor{d("0"): {sig}, d("a"): {sig}})
	if len(v.Referrers) != 1 || v.Referrers[0].ArtifactType != "application/x" || len(v.Manifests[0].Referrers) != 1 || len(v.Manifests[1].Referrers) != 0 {
		t.Errorf("%+v", v)
	}
	img := View{Summary: Summary{Digest: d("a")}, Manifests: []Entry{{Digest: d("a")}}}
	if got := img.Digests(); !reflect.DeepEqual(got, []string{d("a")}) {
		t.Errorf("an image's Digests = %q", got)
	}
	img.SetReferrers(map[string][]descriptor.Descriptor{d("a"): {sig}})
	if len(img.Referrers) != 0 || len(img.Manifests[0].Referrers) != 1 {
		t.Errorf("an image's referrers go under it: %+v", img)
	}
	var b strings.Builder
	if err := v.WriteText(&b); err != nil || !strings.Contains(b.String(), "\nReferrers: 1\n  application/x, 9 bytes\n    "+d("s")+"\n") {
		t.Errorf("text %q, %v", b.String(), err)
	}
}

// The attestations among an image's referrers are counted, under the
// entry and per platform in the summary: BuildKit's artifactType, or the
// reference annotation; a signature is not one.
func TestSetReferrersAttestations(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	amd := &platform.Platform{OS: "linux", Architecture: "amd64"}
	v := View{Summary: Summary{Digest: d("0"), Index: true}, Manifests: []Entry{{Digest: d("a"), Platform: amd}, {Digest: d("b"), Platform: &platform.Platform{OS: "linux", Architecture: "arm64"}}}}
	buildkit := descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, ArtifactType: AttestationArtifactType, Digest: digest.Digest(d("1")), Size: 9}
	converted := descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, ArtifactType: mediatype.OCI1ImageConfig, Digest: digest.Digest(d("2")), Size: 9,
		Annotations: map[string]string{manifest.AnnotationReferenceType: manifest.AttestationManifest}}
	sig := descriptor.Descriptor{MediaType: mediatype.OCI1Manifest, ArtifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", Digest: digest.Digest(d("3")), Size: 9}
	v.SetReferrers(map[string][]descriptor.Descriptor{d("a"): {buildkit, converted, sig}, d("b"): {sig}})
	want := []AttestationReferrers{{For: d("a"), Platform: "linux/amd64", Count: 2}, {For: d("b"), Platform: "linux/arm64", Count: 0}}
	if !reflect.DeepEqual(v.Summary.AttestationReferrers, want) || v.Manifests[0].AttestationReferrers != 2 || v.Manifests[1].AttestationReferrers != 0 {
		t.Errorf("%+v %+v", v.Summary.AttestationReferrers, v.Manifests)
	}
	var b strings.Builder
	if err := v.Summary.WriteText(&b); err != nil || !strings.Contains(b.String(), "Attestations as referrers:\n  linux/amd64: 2\n  linux/arm64: 0\n") {
		t.Errorf("summary text %q, %v", b.String(), err)
	}
	b.Reset()
	if err := v.WriteText(&b); err != nil || !strings.Contains(b.String(), "Referrers: 3 (2 attestations)") || !strings.Contains(b.String(), "Referrers: 1\n") {
		t.Errorf("text %q, %v", b.String(), err)
	}
}
