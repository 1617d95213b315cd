package integration

import (
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// --by-digest pushes the index by its digest alone: no tag is written
// (not even "latest"), the output names repository@digest, and a second
// run finds it there and writes nothing.
func TestByDigest(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64, linuxS390x)
	args := []string{"--plain-http", "push", "--by-digest", "from-args", "--platforms", "linux/amd64,linux/s390x",
		"--template", r.Host + "/builds:1-OS-ARCHVARIANT", "--target", r.Host + "/app"}
	res := mt(t, args...)
	digest, _ := res.ok(t)
	ref := r.Host + "/app@" + digest
	if !strings.HasSuffix(res.stdout, "\nReference: "+ref+"\n") {
		t.Errorf("stdout %q does not end with the reference %s", res.stdout, ref)
	}
	if _, err := r.GetManifest("app", digest); err != nil {
		t.Errorf("the index is not in the repository by its digest: %v", err)
	}
	if tags := tagsOf(t, r, "app"); len(tags) > 0 {
		t.Errorf("tags were written: %q", tags)
	}
	r.Requests()
	out := decodePush(t, mt(t, append(args, "-o", "json")...).out(t))
	if out.Reference != ref || out.Status != "unchanged" || len(out.Tags) != 0 || out.Digest != digest {
		t.Errorf("second run: reference %s status %s tags %v", out.Reference, out.Status, out.Tags)
	}
	for _, m := range out.Manifests {
		if m.How != "present" {
			t.Errorf("member %s: %s, want present", m.Digest, m.How)
		}
	}
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("the second run wrote %q", w)
	}
	// a dry run says the reference it would push
	dry := mt(t, append(slices.Clone(args), "--dry-run")...)
	if d, _ := dry.ok(t); !strings.HasSuffix(dry.stdout, "Reference: "+r.Host+"/app@"+d+"\n") {
		t.Errorf("dry run: %q", dry.stdout)
	}
}

// --by-digest in a layout: the index goes into index.json untagged.
func TestByDigestLayout(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	dir := t.TempDir()
	res := mt(t, "--plain-http", "push", "--by-digest", "-o", "json", "from-args", "--member", r.Host+"/builds:1-linux-amd64", "--target", "ocidir://"+dir)
	out := decodePush(t, res.out(t))
	if out.Reference != "ocidir://"+dir+"@"+out.Digest || out.Status != "created" {
		t.Errorf("reference %s status %s", out.Reference, out.Status)
	}
	got := mt(t, "inspect", "--raw", out.Reference).out(t)
	if !strings.Contains(got, "application/vnd.docker.distribution.manifest.list.v2+json") {
		t.Errorf("inspect %s: %s", out.Reference, got)
	}
}

// A tag with --by-digest is exit 2 naming it: on the target, in --tags,
// in a spec's image: or tags:; and --append, which reads a tag, is
// refused with it.
func TestByDigestRefused(t *testing.T) {
	t.Parallel()
	base := []string{"push", "--by-digest", "from-args", "--member", "reg.invalid/b:1"}
	mt(t, append(slices.Clone(base), "--target", "reg.invalid/app:1.0")...).fails(t, 2,
		`error: --target: "reg.invalid/app:1.0" carries the tag "1.0"; --by-digest pushes the index by its digest alone: drop the tag`)
	mt(t, append(slices.Clone(base), "--target", "reg.invalid/app", "--tags", "latest")...).fails(t, 2,
		`error: --tags "latest": --by-digest pushes no tag: drop the tags, or push without --by-digest`)
	mt(t, append(slices.Clone(base), "--target", "reg.invalid/app", "--append")...).fails(t, 2,
		`error: --by-digest with --append: --append merges onto the index a tag points at; drop one of them`)
	file := writeFile(t, "release.yaml", "image: reg.invalid/app:1.0\nmanifests:\n  - image: reg.invalid/b:1\n---\nimage: reg.invalid/other\ntags: [x]\nmanifests:\n  - image: reg.invalid/b:1\n")
	mt(t, "push", "--by-digest", "from-spec", file).fails(t, 2,
		`error: `+file+`:1: image: "reg.invalid/app:1.0" carries the tag "1.0"; --by-digest pushes the index by its digest alone: drop the tag`,
		`error: `+file+`:6: tags[0]: --by-digest pushes no tag: drop the tags, or push without --by-digest`)
}
