package attest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/manifest"
)

func desc(mt, content string) descriptor.Descriptor {
	return descriptor.Descriptor{MediaType: mt, Digest: digest.FromString(content), Size: int64(len(content))}
}

// attestation is an attestation manifest as BuildKit writes it, with the
// subject given or none.
func attestation(t *testing.T, subject *descriptor.Descriptor) (rcmanifest.Manifest, descriptor.Descriptor, descriptor.Descriptor) {
	t.Helper()
	cfg, layer := desc(mediatype.OCI1ImageConfig, "config"), desc("application/vnd.in-toto+json", "statement")
	m := map[string]any{"schemaVersion": 2, "mediaType": mediatype.OCI1Manifest, "config": cfg, "layers": []descriptor.Descriptor{layer}}
	if subject != nil {
		m["subject"] = subject
	}
	raw, _ := json.Marshal(m)
	man, err := rcmanifest.New(rcmanifest.WithRaw(raw))
	if err != nil {
		t.Fatal(err)
	}
	return man, cfg, layer
}

func TestAsReferrer(t *testing.T) {
	img := desc(mediatype.OCI1Manifest, "image")
	img.Platform = &platform.Platform{OS: "linux", Architecture: "amd64"}
	t.Run("rewritten", func(t *testing.T) {
		att, cfg, layer := attestation(t, nil)
		got, changed, err := AsReferrer(att, img)
		if err != nil || !changed {
			t.Fatalf("changed %v, err %v", changed, err)
		}
		raw, _ := got.RawBody()
		var m struct {
			MediaType   string
			Config      descriptor.Descriptor
			Layers      []descriptor.Descriptor
			Subject     *descriptor.Descriptor
			Annotations map[string]string
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.Subject == nil || m.Subject.Digest != img.Digest || m.Subject.Size != img.Size || m.Subject.MediaType != img.MediaType || m.Subject.Platform != nil {
			t.Errorf("subject %+v, want %s without its platform", m.Subject, img.Digest)
		}
		if m.Config.Digest != cfg.Digest || len(m.Layers) != 1 || m.Layers[0].Digest != layer.Digest || m.MediaType != mediatype.OCI1Manifest {
			t.Errorf("config %s, layers %v, media type %s", m.Config.Digest, m.Layers, m.MediaType)
		}
		if m.Annotations[manifest.AnnotationReferenceType] != manifest.AttestationManifest {
			t.Errorf("annotations %v", m.Annotations)
		}
		if got.GetDescriptor().Digest != digest.FromBytes(raw) || got.GetDescriptor().Digest == att.GetDescriptor().Digest {
			t.Errorf("descriptor %v", got.GetDescriptor())
		}
	})
	t.Run("byte for byte", func(t *testing.T) {
		s := descriptor.Descriptor{MediaType: img.MediaType, Digest: img.Digest, Size: img.Size}
		att, _, _ := attestation(t, &s)
		got, changed, err := AsReferrer(att, img)
		a, _ := att.RawBody()
		b, _ := got.RawBody()
		if err != nil || changed || string(a) != string(b) {
			t.Errorf("changed %v, err %v", changed, err)
		}
	})
	t.Run("another subject", func(t *testing.T) {
		other := desc(mediatype.OCI1Manifest, "other")
		att, _, _ := attestation(t, &other)
		got, changed, err := AsReferrer(att, img)
		if err != nil || !changed {
			t.Fatalf("changed %v, err %v", changed, err)
		}
		if s, _ := got.(rcmanifest.Subjecter).GetSubject(); s == nil || s.Digest != img.Digest {
			t.Errorf("subject %v", s)
		}
	})
	t.Run("docker manifest", func(t *testing.T) {
		raw, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediatype.Docker2Manifest, "config": desc(mediatype.Docker2ImageConfig, "c"), "layers": []any{}})
		m, err := rcmanifest.New(rcmanifest.WithRaw(raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := AsReferrer(m, img); err == nil || !strings.Contains(err.Error(), "cannot carry a subject") {
			t.Errorf("err %v", err)
		}
	})
}

func member(content string, of string) manifest.Member {
	d := desc(mediatype.OCI1Manifest, content)
	if of != "" {
		d.Annotations = map[string]string{manifest.AnnotationReferenceType: manifest.AttestationManifest, manifest.AnnotationReferenceDigest: of}
	} else {
		d.Platform = &platform.Platform{OS: "linux", Architecture: "amd64"}
	}
	return manifest.Member{Descriptor: d}
}

func TestPlan(t *testing.T) {
	img := member("img", "")
	att := member("att", img.Descriptor.Digest.String())
	orphan := member("orphan", digest.FromString("nothing").String())
	all := []manifest.Member{img, att, orphan, att}
	for _, tc := range []struct {
		mode                   string
		kept, pending, warning int
	}{{Keep, 4, 0, 0}, {"", 4, 0, 0}, {Drop, 1, 0, 0}, {Referrers, 1, 1, 1}} {
		kept, pending, warnings := Plan(tc.mode, all, all)
		if len(kept) != tc.kept || len(pending) != tc.pending || len(warnings) != tc.warning {
			t.Errorf("%q: kept %d, pending %d, warnings %q", tc.mode, len(kept), len(pending), warnings)
		}
		if tc.pending > 0 && (pending[0].Subject.Descriptor.Digest != img.Descriptor.Digest || pending[0].Attestation.Descriptor.Digest != att.Descriptor.Digest) {
			t.Errorf("pending %+v", pending[0])
		}
		if tc.warning > 0 && !strings.Contains(warnings[0], orphan.Descriptor.Digest.String()) {
			t.Errorf("warning %q", warnings[0])
		}
	}
	if got := Images(all); len(got) != 1 || got[0].Descriptor.Digest != img.Descriptor.Digest {
		t.Errorf("Images %v", got)
	}
}
