package view

import (
	"io"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/internal/text"
)

func TestTextHelpers(t *testing.T) {
	t.Parallel()
	kinds := map[string]Entry{
		"attestation": {AttestationFor: "sha256:x", MediaType: mediatype.OCI1Manifest},
		"index":       {MediaType: mediatype.Docker2ManifestList},
		"artifact":    {MediaType: mediatype.OCI1Manifest, ArtifactType: "application/x"},
		"image":       {MediaType: mediatype.OCI1Manifest},
	}
	for want, e := range kinds {
		t.Run(want, func(t *testing.T) {
			if got := e.kind(); got != want {
				t.Errorf("kind %q, want %q", got, want)
			}
		})
	}
	var b strings.Builder
	p := &printer{w: &b}
	p.name("reg.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	p.name("reg/app:1")
	want := "Image:  reg.example.com/team/app\n        @sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nImage:  reg/app:1\n"
	if b.String() != want {
		t.Errorf("name:\n%s", b.String())
	}
}

func TestProbeText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70)
	tests := []struct {
		name, golden string
		report       ProbeReport
	}{
		{"rows and leftovers", "probe.txt", refusedDeletes},
		// names too long for their line wrap; an empty detail is no error
		{"long names", "probe-long.txt", ProbeReport{Registry: "reg.example.com", Repository: "team/" + long, Checks: []Check{
			{Name: "api", Status: Supported, Detail: "/v2/ answers, API version registry/2.0"},
			{Name: "blob-mount", Status: Unsupported, Detail: "mounting into team/" + long + "-mount: 403 Forbidden"},
			{Name: "delete", Status: Unknown},
		}, Leftovers: []Leftover{
			{Kind: "manifest", Repository: "team/" + long, Digest: "sha256:" + strings.Repeat("a", 64)},
			{Kind: "blob", Repository: "team/" + long, Digest: "sha256:" + strings.Repeat("b", 64)},
			{Kind: "blob", Repository: "team/" + long + "-mount", Digest: "sha256:" + strings.Repeat("b", 64)},
		}}},
		// a tag whose HEAD failed is listed by its tag
		{"tags left", "probe-tags.txt", ProbeReport{Registry: "reg.example.com", Repository: "manifest-tool-probe", Checks: []Check{
			{Name: "delete", Status: Unknown, Detail: "not tried: what the probe pushed could not be read back: 400 Bad Request"},
		}, Leftovers: []Leftover{
			{Kind: "manifest", Repository: "manifest-tool-probe", Tag: "probe-0123abcd-docker"},
			{Kind: "manifest", Repository: "manifest-tool-probe", Digest: "sha256:" + strings.Repeat("a", 64)},
			{Kind: "blob", Repository: "manifest-tool-probe", Digest: "sha256:" + strings.Repeat("b", 64)},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.report.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(b.String(), "\n") {
				if len(line) > 80 {
					t.Errorf("%d columns: %q", len(line), line)
				}
			}
			golden(t, tc.golden, []byte(b.String()))
		})
	}
}

// What a registry sends is written escaped, by every renderer: no control
// character reaches the writer, no line starts with what the registry
// chose, and the 80 columns hold where the escaped text wraps.
func TestTextEscaped(t *testing.T) {
	t.Parallel()
	forged := "Digest: sha256:" + strings.Repeat("ab", 32) + " 1"
	bad := "a\x1b[2J\x07\r\n" + forged + " \u009b\u2028\u202e \xff"
	pl := &platform.Platform{OS: "linux\n" + forged, Architecture: "amd64\r", Variant: "v8\x07", OSFeatures: []string{"f\n"}}
	view := View{
		Summary:     Summary{Image: "reg/app:1", Digest: "sha256:" + strings.Repeat("0", 64), MediaType: mediatype.OCI1ManifestList, Index: true},
		Annotations: map[string]string{"k\x1b]0;t\x07": bad, "long": strings.Repeat(bad+" ", 4)},
		Manifests: []Entry{{Digest: "sha256:" + strings.Repeat("1", 64), MediaType: mediatype.OCI1Manifest, Platform: pl,
			Annotations: map[string]string{"a": bad}, Layers: []Blob{{MediaType: "application/\x1b[31m", Digest: "sha256:" + strings.Repeat("2", 64), Size: 1}}}},
	}
	collect(&view.Summary, view.Manifests)
	report := ProbeReport{Registry: "reg", Repository: "r\x1b", Checks: []Check{{Name: "api", Status: Unknown, Detail: bad}},
		Leftovers: []Leftover{{Kind: "blob", Repository: "r\n" + forged, Digest: "sha256:" + strings.Repeat("3", 64)}}}
	for name, w := range map[string]interface{ WriteText(io.Writer) error }{"view": view, "summary": view.Summary, "probe report": report} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			if err := w.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			out := strings.TrimSuffix(b.String(), "\n")
			for _, line := range strings.Split(out, "\n") {
				if got := text.Escape(line); got != line {
					t.Errorf("control characters written: %q", line)
				}
				if strings.HasPrefix(line, "Digest: sha256:abab") {
					t.Errorf("a forged line: %q", line)
				}
				if len(line) > 80 && strings.Contains(line, " ") && !strings.Contains(line, forged) && !strings.Contains(line, "/amd64") {
					t.Errorf("%d columns: %q", len(line), line)
				}
			}
			if !strings.Contains(out, `\nDigest:`) {
				t.Errorf("the forged line is not shown escaped:\n%s", out)
			}
		})
	}
}
