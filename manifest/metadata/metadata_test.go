package metadata

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/manifest"
)

func pushed(target, digest string, tags ...manifest.TagResult) manifest.Result {
	return manifest.Result{Target: target, Digest: digest, Size: 512, MediaType: "application/vnd.oci.image.index.v1+json", Tags: tags}
}

func TestOf(t *testing.T) {
	t.Parallel()
	created := manifest.TagResult{Tag: "1.0", Status: manifest.TagCreated}
	md, err := Of([]manifest.Result{
		pushed("reg.b.example/app:1.0", "sha256:1", created),
		pushed("reg.a.example/team/app:1.0", "sha256:1", created),
		pushed("reg.a.example/team/app:latest", "sha256:1", created), // the same repository again
		pushed("ocidir://out/layout:1.0", "sha256:1", created),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := File{
		Descriptor: Descriptor{MediaType: "application/vnd.oci.image.index.v1+json", Digest: "sha256:1", Size: 512},
		Digest:     "sha256:1",
		ImageName:  "ocidir://out/layout,reg.a.example/team/app,reg.b.example/app",
	}
	if md != want {
		t.Errorf("metadata %+v, want %+v", md, want)
	}
	for _, bad := range []struct {
		name    string
		results []manifest.Result
		wantErr error
	}{
		// --append onto two targets whose indexes differed
		{"two indexes", []manifest.Result{pushed("a.example/app:1", "sha256:1"), pushed("b.example/app:1", "sha256:2")}, ErrDigestsDiffer},
		// nothing to describe
		{"none", nil, nil},
	} {
		_, err := Of(bad.results)
		if err == nil || (bad.wantErr != nil && !errors.Is(err, bad.wantErr)) {
			t.Errorf("%s: error %v, want %v", bad.name, err, bad.wantErr)
		}
	}
}

func TestPushedAndStepOutputs(t *testing.T) {
	t.Parallel()
	results := []manifest.Result{
		pushed("a.example/app:1.0", "sha256:1", manifest.TagResult{Tag: "1.0", Status: manifest.TagCreated}, manifest.TagResult{Tag: "latest", Status: manifest.TagUnchanged}),
		pushed("b.example/app:1.0", "sha256:1", manifest.TagResult{Tag: "1.0", Status: manifest.TagUpdated}, manifest.TagResult{Tag: "latest", Status: manifest.TagFailed}),
	}
	digest, refs, err := Pushed(results)
	if err != nil || digest != "sha256:1" || strings.Join(refs, " ") != "a.example/app:1.0 a.example/app:latest b.example/app:1.0" {
		t.Fatalf("Pushed: %q %q %v", digest, refs, err)
	}
	// a delimiter that occurs in a value is not used
	delims := []string{"app", "D1"}
	n := 0
	got := StepOutputs(digest, refs, func() string { n++; return delims[n-1] })
	want := "digest=sha256:1\nrefs<<D1\na.example/app:1.0\na.example/app:latest\nb.example/app:1.0\nD1\n"
	if got != want {
		t.Errorf("step outputs\n%s\nwant\n%s", got, want)
	}
	if got := StepOutputs("", nil, func() string { return "EOF" }); got != "refs<<EOF\nEOF\n" {
		t.Errorf("no refs: %q", got)
	}
	results[1].Digest = "sha256:2"
	if _, _, err := Pushed(results); !errors.Is(err, ErrDigestsDiffer) || !strings.Contains(err.Error(), "b.example/app:1.0 sha256:2") {
		t.Errorf("two digests: %v", fmt.Sprint(err))
	}
}

// Pushed by its digest alone, a target's reference is repository@digest
// (there is no tag); one not pushed is not listed. The metadata names
// the repositories as for tags.
func TestPushedByDigest(t *testing.T) {
	t.Parallel()
	byDigest := func(repo string, st manifest.TagStatus) manifest.Result {
		r := pushed(repo, "sha256:1")
		r.Tags, r.Reference, r.Status = []manifest.TagResult{}, repo+"@sha256:1", st
		return r
	}
	results := []manifest.Result{byDigest("a.example/app", manifest.TagCreated), byDigest("b.example/app", manifest.TagUnchanged), byDigest("c.example/app", manifest.TagFailed)}
	digest, refs, err := Pushed(results)
	if err != nil || digest != "sha256:1" || strings.Join(refs, " ") != "a.example/app@sha256:1 b.example/app@sha256:1" {
		t.Errorf("Pushed: %q %q %v", digest, refs, err)
	}
	md, err := Of(results[:2])
	if err != nil || md.ImageName != "a.example/app,b.example/app" || md.Digest != "sha256:1" {
		t.Errorf("metadata %+v %v", md, err)
	}
}
