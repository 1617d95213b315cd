package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Several targets with the other features of a push: --by-digest,
// --metadata-file and step outputs, --quiet, --members-from, --subject.

// stepOutputsRE reads what a push appended to GITHUB_OUTPUT.
var stepOutputsRE = regexp.MustCompile(`^digest=(sha256:[0-9a-f]{64})\nrefs<<(\S+)\n((?s).*)\n(\S+)\n$`)

// TestByDigestSeveralTargets: --by-digest to two registries and a layout
// writes the index by its digest in each, no tag anywhere; each target
// prints its Digest: and Reference: lines (--quiet keeps both), has its
// reference and status in its targets entry, and is listed by its
// repository@digest in the step outputs; the metadata file names both
// repositories. A second run writes nothing. A tagged target among them
// is exit 2 naming it.
func TestByDigestSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := regtest.New(t), regtest.New(t)
	seed(t, a, "builds", "1", false, linuxAMD64, linuxS390x)
	layout := filepath.Join(t.TempDir(), "layout")
	targets := []string{a.Host + "/app", b.Host + "/app", "ocidir://" + layout}
	args := []string{"--plain-http", "push", "--type", "oci", "--by-digest", "from-args", "--platforms", "linux/amd64,linux/s390x",
		"--template", a.Host + "/builds:1-OS-ARCHVARIANT", "--target", strings.Join(targets[:2], ","), "--target", targets[2]}
	md := filepath.Join(t.TempDir(), "md.json")
	ghOut := writeFile(t, "github_output", "")
	res := mtEnv(t, []string{"GITHUB_OUTPUT=" + ghOut}, "", append(slices.Clone(args), "--metadata-file", md)...)
	res.ok0(t)
	digests := regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64}) (\d+) (\S+)$`).FindAllStringSubmatch(res.stdout, -1)
	if len(digests) != 3 {
		t.Fatalf("stdout %q: want a Digest: line per target", res.stdout)
	}
	digest, size := digests[0][1], digests[0][2]
	var want []string
	for _, target := range targets {
		want = append(want, "Digest: "+digest+" "+size+" "+target, "Reference: "+target+"@"+digest+" created")
	}
	if got := strings.Split(strings.TrimSpace(res.stdout), "\n"); !slices.Equal(got, want) {
		t.Errorf("stdout\n%s\nwant\n%s", res.stdout, strings.Join(want, "\n"))
	}
	for _, r := range []*regtest.Registry{a, b} {
		if _, err := r.GetManifest("app", digest); err != nil {
			t.Errorf("%s: the index is not there by its digest: %v", r.Host, err)
		}
		if tags := tagsOf(t, r, "app"); len(tags) > 0 {
			t.Errorf("%s: tags were written: %q", r.Host, tags)
		}
	}
	if got := mt(t, "inspect", "--raw", targets[2]+"@"+digest).out(t); !strings.Contains(got, regtest.OCIIndex) {
		t.Errorf("the layout: %s", got)
	}
	// the metadata file and the step outputs name each target by digest
	var meta struct {
		Digest string `json:"containerimage.digest"`
		Name   string `json:"image.name"`
	}
	if body, err := os.ReadFile(md); err != nil || json.Unmarshal(body, &meta) != nil ||
		meta.Digest != digest || meta.Name != strings.Join(sortedCopy(targets), ",") {
		t.Errorf("metadata file %s (%v); want %s for %q", body, err, digest, targets)
	}
	body, _ := os.ReadFile(ghOut)
	m := stepOutputsRE.FindStringSubmatch(string(body))
	if m == nil || m[1] != digest || m[2] != m[4] {
		t.Fatalf("GITHUB_OUTPUT holds\n%s", body)
	}
	if refs := strings.Split(m[3], "\n"); !slices.Equal(refs, []string{targets[0] + "@" + digest, targets[1] + "@" + digest, targets[2] + "@" + digest}) {
		t.Errorf("refs %q", refs)
	}
	// again: each target has it, nothing is written; JSON per target
	a.Requests()
	b.Requests()
	var again struct {
		Targets []struct {
			Target, Digest, Reference, Status string
			Tags                              []any
		}
	}
	if out := mt(t, append(slices.Clone(args), "-o", "json")...).out(t); json.Unmarshal([]byte(out), &again) != nil || len(again.Targets) != 3 {
		t.Fatalf("second run: %s", out)
	}
	for i, tr := range again.Targets {
		if tr.Target != targets[i] || tr.Status != "unchanged" || tr.Reference != targets[i]+"@"+digest || tr.Tags == nil || len(tr.Tags) != 0 || tr.Digest != digest {
			t.Errorf("second run, target %d: %+v", i, tr)
		}
	}
	if w := append(regtest.Writes(a.Requests()), regtest.Writes(b.Requests())...); len(w) > 0 {
		t.Errorf("the second run wrote %q", w)
	}
	// --quiet: the Digest: and Reference: line of each target alone
	quiet := mt(t, append(slices.Clone(args), "-q")...).okOut(t)
	want = want[:0]
	for _, target := range targets {
		want = append(want, "Digest: "+digest+" "+size+" "+target, "Reference: "+target+"@"+digest)
	}
	if got := strings.Split(strings.TrimSpace(quiet), "\n"); !slices.Equal(got, want) {
		t.Errorf("--quiet stdout\n%s\nwant\n%s", quiet, strings.Join(want, "\n"))
	}
	// a tagged target among them
	bad := slices.Clone(args)
	bad[len(bad)-1] = "ocidir://" + layout + ":v1"
	mt(t, bad...).fails(t, 2, `error: --target "ocidir://`+layout+`:v1": "ocidir://`+layout+`:v1" carries the tag "v1"; --by-digest pushes the index by its digest alone: drop the tag`)
}

// sortedCopy is s sorted, s unchanged.
func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestOutputsSeveralTargets: one push to two registries with two tags
// each writes one metadata file naming both repositories, the step
// output refs lists the four references, and --quiet prints a Digest:
// line per target and nothing on stderr.
func TestOutputsSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := regtest.New(t), regtest.New(t)
	seed(t, a, "build/app", "1", false, linuxAMD64, linuxARM64)
	targets := []string{a.Host + "/rel/app:1.0", b.Host + "/rel/app:1.0"}
	args := []string{"--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
		"--template", a.Host + "/build/app:1-OS-ARCHVARIANT", "--target", targets[0], "--target", targets[1], "--tags", "latest"}
	md := filepath.Join(t.TempDir(), "md.json")
	ghOut := writeFile(t, "github_output", "earlier=kept\n")
	quiet := mtEnv(t, []string{"GITHUB_OUTPUT=" + ghOut}, "", append(slices.Clone(args), "-q", "--metadata-file", md)...).okOut(t)
	lines := regexp.MustCompile(`^Digest: (sha256:[0-9a-f]{64}) (\d+) (\S+)\nDigest: (sha256:[0-9a-f]{64}) (\d+) (\S+)\n$`).FindStringSubmatch(quiet)
	if lines == nil || lines[1] != lines[4] || lines[2] != lines[5] || lines[3] != targets[0] || lines[6] != targets[1] {
		t.Fatalf("--quiet stdout %q, want a Digest: line per target", quiet)
	}
	digest := lines[1]
	for _, r := range []*regtest.Registry{a, b} {
		for _, tag := range []string{"1.0", "latest"} {
			if m, err := r.GetManifest("rel/app", tag); err != nil || m.Digest != digest {
				t.Errorf("%s/rel/app:%s: %v", r.Host, tag, err)
			}
		}
	}
	if got := jq(t, `."image.name"`, md); got != "" && got != strings.Join(sortedCopy([]string{a.Host + "/rel/app", b.Host + "/rel/app"}), ",") {
		t.Errorf("jq image.name %q", got)
	}
	var meta struct {
		Descriptor struct{ Digest string } `json:"containerimage.descriptor"`
		Name       string                  `json:"image.name"`
	}
	if body, err := os.ReadFile(md); err != nil || json.Unmarshal(body, &meta) != nil || meta.Descriptor.Digest != digest ||
		meta.Name != strings.Join(sortedCopy([]string{a.Host + "/rel/app", b.Host + "/rel/app"}), ",") {
		t.Errorf("metadata file %s (%v)", body, err)
	}
	body, _ := os.ReadFile(ghOut)
	m := stepOutputsRE.FindStringSubmatch(strings.TrimPrefix(string(body), "earlier=kept\n"))
	if !strings.HasPrefix(string(body), "earlier=kept\n") || m == nil || m[1] != digest {
		t.Fatalf("GITHUB_OUTPUT holds\n%s", body)
	}
	want := []string{a.Host + "/rel/app:1.0", a.Host + "/rel/app:latest", b.Host + "/rel/app:1.0", b.Host + "/rel/app:latest"}
	if refs := strings.Split(m[3], "\n"); !slices.Equal(refs, want) {
		t.Errorf("refs %q, want %q", refs, want)
	}
	// --quiet -o json: the whole JSON, both targets
	p := targetsResult(t, mt(t, append(slices.Clone(args), "-q", "-o", "json")...).okOut(t))
	if len(p.Targets) != 2 || p.statusOf() != targets[0]+"=unchanged "+targets[1]+"=unchanged" {
		t.Errorf("--quiet -o json: %s", p.statusOf())
	}
}

// TestMembersFromSeveralTargets: --members-from without --member-repo
// takes the digests in the first target's repository; the second target,
// in another registry, gets them copied.
func TestMembersFromSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := regtest.New(t), regtest.New(t)
	imgs := seed(t, a, "app", "build", false, linuxAMD64, linuxARM64)
	var digests []string
	for _, img := range imgs {
		digests = append(digests, img.Manifest.Digest)
	}
	dir := digestsDir(t, digests...)
	p := targetsResult(t, mt(t, "--plain-http", "push", "--type", "oci", "-o", "json", "from-args", "--members-from", dir,
		"--target", a.Host+"/app:1.0,"+b.Host+"/app:1.0").out(t))
	if len(p.Targets) != 2 || p.statusOf() != a.Host+"/app:1.0=created "+b.Host+"/app:1.0=created" {
		t.Fatalf("targets: %s", p.statusOf())
	}
	for _, m := range p.Manifests {
		if !strings.HasPrefix(m.Image, a.Host+"/app@sha256:") || !slices.Contains(digests, m.Digest) {
			t.Errorf("member %s %s: want one of the folder's digests in %s/app", m.Image, m.Digest, a.Host)
		}
	}
	for _, d := range digests {
		if _, err := b.GetManifest("app", d); err != nil {
			t.Errorf("%s/app lacks the member %s: %v", b.Host, d, err)
		}
	}
}

// TestSubjectSeveralTargets: with --subject, every target is in the
// subject's repository: two tags of it take the index (it refers to the
// subject once, whatever its tags); a target in another registry is exit
// 2 naming it, before any request.
func TestSubjectSeveralTargets(t *testing.T) {
	t.Parallel()
	a, b := regtest.New(t), regtest.New(t)
	imgs := seed(t, a, "app", "1", false, linuxAMD64, linuxS390x)
	subject := a.Host + "/app:1-linux-amd64"
	base := []string{"--plain-http", "push", "from-args", "--member", a.Host + "/app:1-linux-s390x", "--subject", subject,
		"--artifact-type", "application/vnd.example.sbom.v1+json"}
	a.Requests()
	mt(t, append(slices.Clone(base), "--target", a.Host+"/app:sbom,"+b.Host+"/app:sbom")...).fails(t, 2,
		`error: --subject "`+subject+`": "`+subject+`" is not in the repository of the target at --target "`+b.Host+`/app:sbom" ("`+b.Host+`/app"): a subject and the manifests that refer to it share one repository, so every target must be in the subject's`)
	if reqs := append(a.Requests(), b.Requests()...); len(reqs) > 0 {
		t.Errorf("%d requests before the refusal", len(reqs))
	}
	out := mt(t, append(slices.Clone(base), "--target", a.Host+"/app:sbom", "--target", a.Host+"/app:sbom-1")...).out(t)
	lines := regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64}) \d+ `).FindAllStringSubmatch(out, -1)
	if len(lines) != 2 || lines[0][1] != lines[1][1] {
		t.Fatalf("stdout %q: want a Digest: line per target", out)
	}
	digest := lines[0][1]
	for _, tag := range []string{"sbom", "sbom-1"} {
		if m, err := a.GetManifest("app", tag); err != nil || m.Digest != digest {
			t.Errorf("app:%s: %v", tag, err)
		}
	}
	var found []string
	for _, ref := range referrersOf(t, subject) {
		found = append(found, ref.Digest)
	}
	if !slices.Equal(found, []string{digest}) {
		t.Errorf("the referrers of %s (%s): %q, want the index %s once", subject, imgs["1-linux-amd64"].Manifest.Digest, found, digest)
	}
}
