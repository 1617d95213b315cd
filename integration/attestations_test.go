package integration

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// buildxStyle makes a buildx-style index of one platform, in one of the
// two ways BuildKit writes its attestation manifest.
type buildxStyle struct {
	name string
	make func(regtest.Platform) regtest.BuildxIndex
}

var buildxStyles = []buildxStyle{
	{"without subject", regtest.NewBuildxIndex},
	{"with subject", regtest.NewBuildxIndexWithSubject},
}

// pushBuildx pushes a buildx-style index per platform to repo, tagged
// by platform, and returns them by tag.
func pushBuildx(t *testing.T, r *regtest.Registry, repo string, style buildxStyle, plats ...regtest.Platform) map[string]regtest.BuildxIndex {
	t.Helper()
	out := map[string]regtest.BuildxIndex{}
	for _, p := range plats {
		bx := style.make(p)
		tag := "bx-" + p.OS + "-" + p.Architecture + p.Variant
		if err := r.PushBuildx(repo, tag, bx); err != nil {
			t.Fatal(err)
		}
		out[tag] = bx
	}
	return out
}

// attManifest is the part of an attestation manifest the tests read.
type attManifest struct {
	MediaType string `json:"mediaType"`
	Config    struct{ Digest string }
	Layers    []struct{ Digest, MediaType string }
	Subject   *struct {
		MediaType, Digest string
		Size              int64
	}
	Annotations map[string]string
}

// checkImagesOnly fails the test unless repo:tag is an index of exactly
// the images of bxs, with no attestation entry.
func checkImagesOnly(t *testing.T, r *regtest.Registry, repo, tag string, bxs map[string]regtest.BuildxIndex) {
	t.Helper()
	_, idx, err := r.GetIndex(repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, bx := range bxs {
		want = append(want, bx.Image.Manifest.Digest)
	}
	for _, d := range idx.Manifests {
		got = append(got, d.Digest)
		if d.Platform == nil || d.Platform.OS == "unknown" || d.Annotations["vnd.docker.reference.type"] != "" {
			t.Errorf("%s:%s lists %s (%v, %v), not an image", repo, tag, d.Digest, d.Platform, d.Annotations)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s:%s lists %q, want the images %q", repo, tag, got, want)
	}
}

// checkConverted checks, for each buildx index, that regctl lists exactly
// one referrer of its image in repo of r, the attestation: byte for byte
// when it carried the subject already, otherwise with the subject, the
// same config and the same in-toto layer digests. It returns the
// referrers' digests by image digest.
func checkConverted(t *testing.T, r *regtest.Registry, regs []*regtest.Registry, repo string, bxs map[string]regtest.BuildxIndex, withSubject bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, bx := range bxs {
		img := bx.Image.Manifest.Digest
		got := listed(t, regs, r.Host+"/"+repo+"@"+img)
		if len(got) != 1 {
			t.Errorf("referrers of %s in %s: %q, want the attestation alone", img, repo, got)
			continue
		}
		out[img] = got[0]
		if withSubject && got[0] != bx.Attestation.Manifest.Digest {
			t.Errorf("referrer of %s is %s, want the attestation as it was, %s", img, got[0], bx.Attestation.Manifest.Digest)
		}
		if !withSubject && got[0] == bx.Attestation.Manifest.Digest {
			t.Errorf("referrer of %s is the attestation without a subject", img)
		}
		m, err := r.GetManifest(repo, got[0])
		if err != nil {
			t.Fatal(err)
		}
		var am attManifest
		if err := json.Unmarshal(m.Body, &am); err != nil {
			t.Fatal(err)
		}
		if am.Subject == nil || am.Subject.Digest != img || am.Subject.Size != bx.Image.Manifest.Size || am.Subject.MediaType != bx.Image.Manifest.MediaType {
			t.Errorf("referrer %s: subject %+v, want %s", got[0], am.Subject, img)
		}
		if am.Config.Digest != bx.Attestation.Config.Digest || len(am.Layers) != 1 || am.Layers[0].Digest != bx.Attestation.Layers[0].Digest {
			t.Errorf("referrer %s: config %s, layers %+v; want the attestation's %s and %s", got[0], am.Config.Digest, am.Layers, bx.Attestation.Config.Digest, bx.Attestation.Layers[0].Digest)
		}
		if am.MediaType != regtest.OCIManifest {
			t.Errorf("referrer %s is %s", got[0], am.MediaType)
		}
		if ok, err := r.HasBlob(repo, bx.Attestation.Layers[0].Digest); err != nil || !ok {
			t.Errorf("the in-toto layer %s is not in %s (%v)", bx.Attestation.Layers[0].Digest, repo, err)
		}
	}
	return out
}

// targetKinds are the registries written to: with the referrers API, and
// with the sha256-<hex> fallback tag only.
var targetKinds = []struct {
	name string
	make func(*testing.T) *regtest.Registry
}{
	{"referrers API", func(t *testing.T) *regtest.Registry { return regtest.NewGGCR(t) }},
	{"Distribution 3", func(t *testing.T) *regtest.Registry { return regtest.New(t) }},
	{"Distribution 2.8", func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) }},
}

// --attestations referrers: buildx-style sources of both kinds, pushed
// into another registry of each kind (from-args on one, the spec key on
// the other). The index lists the images only; each attestation is a
// referrer of its image there, as regctl and inspect --referrers list it,
// with the same in-toto layers; and a later --referrers copy of the
// result takes them along.
func TestAttestationsReferrers(t *testing.T) {
	t.Parallel()
	for _, style := range buildxStyles {
		for _, kind := range targetKinds {
			t.Run(style.name+", "+kind.name, func(t *testing.T) {
				t.Parallel()
				src, dst := regtest.New(t), kind.make(t)
				regs := []*regtest.Registry{src, dst}
				bxs := pushBuildx(t, src, "builds", style, linuxAMD64, linuxARM64)
				args := []string{"--plain-http", "push", "--type", "oci", "--attestations", "referrers", "from-args",
					"--member", src.Host + "/builds:bx-linux-amd64," + src.Host + "/builds:bx-linux-arm64v8", "--target", dst.Host + "/release/app:1"}
				if kind.name == "Distribution 3" {
					sp := writeFile(t, "spec.yaml", fmt.Sprintf("image: %s/release/app:1\nattestations: referrers\nmanifests:\n  - image: %s/builds:bx-linux-amd64\n  - image: %s/builds:bx-linux-arm64v8\n", dst.Host, src.Host, src.Host))
					args = []string{"--plain-http", "push", "--type", "oci", "from-spec", sp}
				}
				mt(t, args...).ok0(t)
				// the same run again finds everything there: no write
				dst.Requests()
				mt(t, args...).ok0(t)
				if w := regtest.Writes(dst.Requests()); len(w) != 0 {
					t.Errorf("the run again wrote %q", w)
				}
				checkImagesOnly(t, dst, "release/app", "1", bxs)
				refs := checkConverted(t, dst, regs, "release/app", bxs, style.name == "with subject")
				out := mt(t, "--plain-http", "inspect", "--referrers", "--output", "json", dst.Host+"/release/app:1").okOut(t)
				for img, r := range refs {
					if !strings.Contains(out, r) || !strings.Contains(out, img) {
						t.Errorf("inspect --referrers does not list %s under %s:\n%s", r, img, out)
					}
				}
				if strings.Contains(out, "unknown") {
					t.Errorf("inspect shows unknown:\n%s", out)
				}
				// go-containerregistry's registry lists a referrer with its
				// config's media type as its artifactType, not the
				// manifest's: BuildKit's artifact form, with the empty
				// config, is not told for an attestation there
				checkCounts(t, dst, "release/app:1", bxs, !(style.name == "with subject" && kind.name == "referrers API"))
				// a later copy with --referrers takes the converted attestations
				mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "from-args",
					"--member", dst.Host+"/release/app:1", "--target", dst.Host+"/mirror:1").ok(t)
				for img, r := range refs {
					if got := listed(t, regs, dst.Host+"/mirror@"+img); !slices.Equal(got, []string{r}) {
						t.Errorf("after --referrers, referrers of %s in mirror: %q, want %s", img, got, r)
					}
				}
			})
		}
	}
}

// keep (the default) leaves the attestations in the index as today; drop
// leaves them out and copies none of them; edit --attestations drop takes
// them out of an index in place, writing the index alone.
func TestAttestationsKeepDrop(t *testing.T) {
	t.Parallel()
	src, dst := regtest.New(t), regtest.NewGGCR(t)
	bxs := pushBuildx(t, src, "builds", buildxStyles[0], linuxAMD64, linuxARM64)
	members := src.Host + "/builds:bx-linux-amd64," + src.Host + "/builds:bx-linux-arm64v8"
	mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "keep", "from-args", "--member", members, "--target", dst.Host+"/app:keep").ok(t)
	mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "drop", "from-args", "--member", members, "--target", dst.Host+"/dropped:1").ok(t)
	// a document's attestations: wins over the flag
	sp := writeFile(t, "spec.yaml", fmt.Sprintf("image: %s/app:spec\nattestations: keep\nmanifests:\n  - image: %s/builds:bx-linux-amd64\n", dst.Host, src.Host))
	mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "drop", "from-spec", sp).ok0(t)
	if _, idx, err := dst.GetIndex("app", "spec"); err != nil || len(idx.Manifests) != 2 {
		t.Errorf("attestations: keep with --attestations drop: %+v, %v; want the image and its attestation", idx.Manifests, err)
	}
	_, idx, err := dst.GetIndex("app", "keep")
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 4 {
		t.Errorf("keep: %d entries, want 2 images and 2 attestations", len(idx.Manifests))
	}
	checkImagesOnly(t, dst, "dropped", "1", bxs)
	// a dry run prints the index without them, and writes nothing
	dst.Requests()
	dry := mt(t, "--plain-http", "edit", "--dry-run", "--attestations", "drop", dst.Host+"/app:keep")
	dry.ok0(t)
	if w := regtest.Writes(dst.Requests()); len(w) != 0 || strings.Contains(dry.stdout, "attestation-manifest") {
		t.Errorf("dry run: writes %q, stdout:\n%s", w, dry.stdout)
	}
	// edit drop takes them out of an index in place
	mt(t, "--plain-http", "edit", "--settle", "10ms", "--attestations", "drop", dst.Host+"/app:keep").ok0(t)
	checkImagesOnly(t, dst, "app", "keep", bxs)
	if w := regtest.Writes(dst.Requests()); len(w) != 1 || w[0] != "PUT /v2/app/manifests/keep" {
		t.Errorf("edit --attestations drop wrote %q, want the index alone", w)
	}
	for _, bx := range bxs {
		if _, err := dst.GetManifest("dropped", bx.Attestation.Manifest.Digest); err == nil {
			t.Errorf("drop copied the attestation %s", bx.Attestation.Manifest.Digest)
		}
		if got := listed(t, []*regtest.Registry{dst}, dst.Host+"/dropped@"+bx.Image.Manifest.Digest); len(got) != 0 {
			t.Errorf("drop wrote referrers %q", got)
		}
	}
}

// edit --attestations referrers converts an index in place: no member
// blob or manifest is copied again; the only writes are the attestations
// that lacked a subject (or a listing) and the new index.
func TestAttestationsEditInPlace(t *testing.T) {
	t.Parallel()
	for _, style := range buildxStyles {
		for _, kind := range targetKinds[:2] {
			t.Run(style.name+", "+kind.name, func(t *testing.T) {
				t.Parallel()
				r := kind.make(t)
				bxs := pushBuildx(t, r, "app", style, linuxAMD64, linuxARM64)
				mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", r.Host+"/app:bx-linux-amd64,"+r.Host+"/app:bx-linux-arm64v8",
					"--target", r.Host+"/app:1").ok(t)
				r.Requests()
				mt(t, "--plain-http", "edit", "--settle", "10ms", "--attestations", "referrers", r.Host+"/app:1").ok(t)
				writes := regtest.Writes(r.Requests())
				t.Logf("writes: %q", writes)
				var puts []string
				for _, w := range writes {
					if strings.Contains(w, "/blobs/") {
						t.Errorf("a blob was written: %s", w)
					}
					for _, bx := range bxs {
						if strings.Contains(w, bx.Image.Manifest.Digest) && strings.Contains(w, "/manifests/") {
							t.Errorf("a member was written again: %s", w)
						}
					}
					if strings.HasPrefix(w, "PUT ") && strings.Contains(w, "/manifests/sha256:") {
						puts = append(puts, w)
					}
				}
				// a rewritten attestation is one PUT each; one with its
				// subject is one only where no listing has it yet
				wantPuts := 2
				if style.name == "with subject" && kind.name == "referrers API" {
					wantPuts = 0
				}
				if len(puts) != wantPuts {
					t.Errorf("%d manifest PUTs by digest, want %d: %q", len(puts), wantPuts, puts)
				}
				checkImagesOnly(t, r, "app", "1", bxs)
				checkConverted(t, r, []*regtest.Registry{r}, "app", bxs, style.name == "with subject")
			})
		}
	}
}

// Several targets (spec targets:, an OCI layout among them), and
// --append with repeated --target: the index a target holds keeps its
// attestations no more; the ones it held and the ones appended are
// referrers in each target.
func TestAttestationsAppendTargets(t *testing.T) {
	t.Parallel()
	src, a, b := regtest.New(t), regtest.NewGGCR(t), regtest.New(t)
	regs := []*regtest.Registry{src, a, b}
	amd := pushBuildx(t, src, "builds", buildxStyles[0], linuxAMD64)
	arm := pushBuildx(t, src, "builds", buildxStyles[0], linuxARM64)
	for _, r := range []*regtest.Registry{a, b} {
		mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", src.Host+"/builds:bx-linux-amd64", "--target", r.Host+"/app:1").ok(t)
	}
	res := mt(t, "--plain-http", "push", "--output", "json", "--attestations", "referrers", "from-args", "--append", "--settle", "10ms",
		"--member", src.Host+"/builds:bx-linux-arm64v8", "--target", a.Host+"/app:1", "--target", b.Host+"/app:1")
	res.ok0(t)
	all := map[string]regtest.BuildxIndex{"amd": amd["bx-linux-amd64"], "arm": arm["bx-linux-arm64v8"]}
	// a push to the spec's targets: and to an OCI layout
	layout := t.TempDir()
	sp := writeFile(t, "spec.yaml", fmt.Sprintf("image: %s/app:spec\ntargets:\n  - %s/app:spec\n  - ocidir://%s:spec\nattestations: referrers\nmanifests:\n  - image: %s/builds:bx-linux-amd64\n  - image: %s/builds:bx-linux-arm64v8\n",
		a.Host, b.Host, layout, src.Host, src.Host))
	mt(t, "--plain-http", "push", "--type", "oci", "from-spec", sp).ok0(t)
	for _, r := range []*regtest.Registry{a, b} {
		checkImagesOnly(t, r, "app", "spec", all)
		checkConverted(t, r, regs, "app", all, false)
	}
	for _, bx := range all {
		if got := regctlAt(t, regs, "artifact", "list", "ocidir://"+layout+"@"+bx.Image.Manifest.Digest, "--format", "{{len .Descriptors}}"); got != "1" {
			t.Errorf("the layout lists %s referrers of %s, want 1", got, bx.Image.Manifest.Digest)
		}
	}
	out := mt(t, "platforms", "--referrers", "--output", "json", "ocidir://"+layout+":spec").okOut(t)
	if strings.Contains(out, "unknown") || strings.Count(out, `"count": 1`) != 2 {
		t.Errorf("platforms of the layout:\n%s", out)
	}
	for _, r := range []*regtest.Registry{a, b} {
		checkImagesOnly(t, r, "app", "1", all)
		refs := checkConverted(t, r, regs, "app", all, false)
		for _, d := range refs {
			if !strings.Contains(res.stdout, d) {
				t.Errorf("the JSON result does not name the referrer %s:\n%s", d, res.stdout)
			}
		}
	}
}

// Hostile forms: a bad --attestations value and a bad attestations: value
// are exit 2 naming the flag or the file:line; an attestation that names
// no image of its index is left out with a word; an attestation manifest
// over --max-manifest-size is refused by that limit.
func TestAttestationsHostile(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	t.Run("flag", func(t *testing.T) {
		res := mt(t, "push", "--attestations", "convert", "from-args", "--member", r.Host+"/a:1", "--target", r.Host+"/b:1")
		res.fails(t, 2, `error: --attestations "convert": want keep, drop or referrers`)
		res = mt(t, "edit", "--attestations", "all", r.Host+"/b:1")
		res.fails(t, 2, `error: --attestations "all": want keep, drop or referrers`)
	})
	t.Run("spec", func(t *testing.T) {
		sp := writeFile(t, "spec.yaml", "image: "+r.Host+"/b:1\nattestations: sideways\nmanifests:\n  - image: "+r.Host+"/a:1\n")
		res := mt(t, "push", "from-spec", sp)
		if res.code != 2 || !strings.Contains(res.stderr, sp+":2") || !strings.Contains(res.stderr, "want keep, drop or referrers") {
			t.Errorf("exit %d, stderr:\n%s", res.code, res.stderr)
		}
	})
	t.Run("orphan", func(t *testing.T) {
		bx := regtest.NewBuildxIndexOrphan(linuxAMD64)
		if err := r.PushBuildx("orphan", "bx", bx); err != nil {
			t.Fatal(err)
		}
		res := mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "referrers", "from-args", "--member", r.Host+"/orphan:bx", "--target", r.Host+"/orphan:1")
		res.ok0(t)
		if !strings.Contains(res.stderr, bx.Attestation.Manifest.Digest) || !strings.Contains(res.stderr, "left out") {
			t.Errorf("no word about the orphan attestation:\n%s", res.stderr)
		}
		checkImagesOnly(t, r, "orphan", "1", map[string]regtest.BuildxIndex{"": bx})
		// an index that holds one already: edit leaves it out with a warning
		mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", r.Host+"/orphan@"+bx.Image.Manifest.Digest, "--target", r.Host+"/orphan:2").ok(t)
		idx := regtest.NewIndex(false, withPlatform(bx.Image.Manifest.Descriptor, linuxAMD64), bx.Attestation.Manifest.Descriptor)
		var ix map[string]any
		_ = json.Unmarshal(idx.Data, &ix)
		ms := ix["manifests"].([]any)
		ms[1].(map[string]any)["annotations"] = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": "sha256:" + strings.Repeat("1", 64)}
		body, _ := json.Marshal(ix)
		if err := r.PutManifest("orphan", "3", regtest.OCIIndex, body); err != nil {
			t.Fatal(err)
		}
		res = mt(t, "--plain-http", "edit", "--settle", "10ms", "--attestations", "referrers", r.Host+"/orphan:3")
		res.ok0(t)
		if !strings.Contains(res.stderr, "warning") || !strings.Contains(res.stderr, bx.Attestation.Manifest.Digest) {
			t.Errorf("no warning about the orphan attestation:\n%s", res.stderr)
		}
		checkImagesOnly(t, r, "orphan", "3", map[string]regtest.BuildxIndex{"": bx})
	})
	t.Run("docker manifest", func(t *testing.T) {
		img, att := regtest.NewImage(linuxAMD64, false), regtest.NewImage(linuxARM64, true)
		for tag, i := range map[string]regtest.Image{"img": img, "att": att} {
			if err := r.PushImage("dockeratt", tag, i); err != nil {
				t.Fatal(err)
			}
		}
		attDesc := att.Manifest.Descriptor
		attDesc.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": img.Manifest.Digest}
		idx := regtest.NewIndex(false, withPlatform(img.Manifest.Descriptor, linuxAMD64), attDesc)
		if err := r.PutManifest("dockeratt", "bx", regtest.OCIIndex, idx.Data); err != nil {
			t.Fatal(err)
		}
		r.Requests()
		res := mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "referrers", "from-args", "--member", r.Host+"/dockeratt:bx", "--target", r.Host+"/dockerout:1")
		if res.code != 2 || !strings.Contains(res.stderr, att.Manifest.Digest) || !strings.Contains(res.stderr, "cannot carry a subject") {
			t.Errorf("exit %d, want 2 naming the attestation:\n%s", res.code, res.stderr)
		}
		if _, err := r.GetManifest("dockerout", "1"); err == nil {
			t.Error("an index was written")
		}
		if w := regtest.Writes(r.Requests()); len(w) != 0 {
			t.Errorf("writes before the refusal: %q", w)
		}
		// drop needs no subject
		mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "drop", "from-args", "--member", r.Host+"/dockeratt:bx", "--target", r.Host+"/dockeratt:2").ok(t)
	})
	t.Run("too large", func(t *testing.T) {
		img := regtest.NewImage(linuxAMD64, false)
		att := regtest.Attestation(img)
		var m map[string]any
		_ = json.Unmarshal(att.Manifest.Data, &m)
		m["annotations"] = map[string]string{"padding": strings.Repeat("x", 64<<10)}
		big, _ := json.Marshal(m)
		if err := r.PushImage("big", "img", img); err != nil {
			t.Fatal(err)
		}
		for _, b := range append([]regtest.Blob{att.Config}, att.Layers...) {
			if err := r.PushBlob("big", b.Data); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.PutManifest("big", "att", regtest.OCIManifest, big); err != nil {
			t.Fatal(err)
		}
		attDesc := regtest.Descriptor{MediaType: regtest.OCIManifest, Digest: regtest.Digest(big), Size: int64(len(big)),
			Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": img.Manifest.Digest}}
		idx := regtest.NewIndex(false, withPlatform(img.Manifest.Descriptor, linuxAMD64), attDesc)
		if err := r.PutManifest("big", "bx", regtest.OCIIndex, idx.Data); err != nil {
			t.Fatal(err)
		}
		res := mtMeasured(t, nil, "", "--plain-http", "--max-manifest-size", "32KiB", "push", "--type", "oci", "--attestations", "referrers", "from-args",
			"--member", r.Host+"/big:bx", "--target", r.Host+"/big:1")
		t.Logf("peak RSS %d KiB, %s", res.maxRSS, res.elapsed)
		if res.code != 1 || !strings.Contains(res.stderr, "--max-manifest-size") {
			t.Errorf("exit %d, want 1 naming --max-manifest-size:\n%s", res.code, res.stderr)
		}
		if res.maxRSS > 100<<10 {
			t.Errorf("peak RSS %d KiB", res.maxRSS)
		}
		if _, err := r.GetManifest("big", "1"); err == nil {
			t.Error("an index was written")
		}
	})
}

// withPlatform is d with platform p.
func withPlatform(d regtest.Descriptor, p regtest.Platform) regtest.Descriptor {
	d.Platform = &p
	return d
}

// checkCounts checks that inspect --referrers and platforms --referrers,
// in text and JSON, count one attestation as a referrer of each image of
// ref, and list no unknown/unknown platform.
func checkCounts(t *testing.T, r *regtest.Registry, ref string, bxs map[string]regtest.BuildxIndex, countable bool) {
	t.Helper()
	want, wantText := 1, "Referrers: 1 (1 attestation)"
	if !countable {
		want, wantText = 0, "Referrers: 1\n"
	}
	var sum struct {
		Platforms            []string
		Attestations         []any
		AttestationReferrers []struct {
			For, Platform string
			Count         int
		}
		Manifests []struct {
			Digest               string
			AttestationReferrers int
		}
	}
	for _, cmd := range []string{"inspect", "platforms"} {
		out := mt(t, "--plain-http", cmd, "--referrers", "--output", "json", r.Host+"/"+ref).okOut(t)
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatal(err)
		}
		if len(sum.Platforms) != len(bxs) || len(sum.Attestations) != 0 || slices.Contains(sum.Platforms, "unknown/unknown") {
			t.Errorf("%s: platforms %q, attestations in the index %v", cmd, sum.Platforms, sum.Attestations)
		}
		if len(sum.AttestationReferrers) != len(bxs) {
			t.Errorf("%s: attestationReferrers %+v", cmd, sum.AttestationReferrers)
		}
		for _, a := range sum.AttestationReferrers {
			if a.Count != want || a.Platform == "" {
				t.Errorf("%s: %+v, want 1 attestation as a referrer", cmd, a)
			}
		}
		if cmd == "inspect" {
			for _, m := range sum.Manifests {
				if m.AttestationReferrers != want {
					t.Errorf("inspect: entry %s counts %d attestations as referrers", m.Digest, m.AttestationReferrers)
				}
			}
		}
	}
	text := mt(t, "--plain-http", "platforms", "--referrers", r.Host+"/"+ref).okOut(t)
	if !strings.Contains(text, fmt.Sprintf("Attestations as referrers:\n  linux/amd64: %d\n", want)) || strings.Contains(text, "unknown") {
		t.Errorf("platforms text:\n%s", text)
	}
	text = mt(t, "--plain-http", "inspect", "--referrers", r.Host+"/"+ref).okOut(t)
	if strings.Count(text, wantText) != len(bxs) || strings.Contains(text, "unknown") {
		t.Errorf("inspect text:\n%s", text)
	}
}

// --by-digest: the attestations are written as referrers before the
// index, which has no tag.
func TestAttestationsByDigest(t *testing.T) {
	t.Parallel()
	src, dst := regtest.New(t), regtest.NewGGCR(t)
	bxs := pushBuildx(t, src, "builds", buildxStyles[0], linuxAMD64, linuxARM64)
	d, _ := mt(t, "--plain-http", "push", "--type", "oci", "--by-digest", "--attestations", "referrers", "from-args",
		"--member", src.Host+"/builds:bx-linux-amd64,"+src.Host+"/builds:bx-linux-arm64v8", "--target", dst.Host+"/app").ok(t)
	checkImagesOnly(t, dst, "app", d, bxs)
	checkConverted(t, dst, []*regtest.Registry{src, dst}, "app", bxs, false)
}

// In --output json, each attestation written as a referrer says the
// artifactType a referrers listing gives it: the manifest's own
// artifactType (BuildKit's artifact form), else its config's media type.
// Both are read back from the manifest the registry holds.
func TestAttestationsReferrerArtifactType(t *testing.T) {
	t.Parallel()
	for _, style := range buildxStyles {
		t.Run(style.name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			pushBuildx(t, r, "builds", style, linuxAMD64)
			res := mt(t, "--plain-http", "push", "--type", "oci", "--attestations", "referrers", "-o", "json", "from-args",
				"--member", r.Host+"/builds:bx-linux-amd64", "--target", r.Host+"/app:1")
			res.ok0(t)
			var out struct {
				Manifests []struct {
					Referrers []struct{ Digest, ArtifactType string }
				}
			}
			if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
				t.Fatalf("%v: %s", err, res.stdout)
			}
			if len(out.Manifests) != 1 || len(out.Manifests[0].Referrers) != 1 {
				t.Fatalf("want one image with one referrer: %s", res.stdout)
			}
			got := out.Manifests[0].Referrers[0]
			m, err := r.GetManifest("app", got.Digest)
			if err != nil {
				t.Fatal(err)
			}
			var held struct {
				ArtifactType string
				Config       struct{ MediaType string }
			}
			if err := json.Unmarshal(m.Body, &held); err != nil {
				t.Fatal(err)
			}
			want := held.ArtifactType
			if want == "" {
				want = held.Config.MediaType
			}
			if got.ArtifactType != want {
				t.Errorf("referrer %s: artifactType %q in JSON, want %q (artifactType %q, config %q)", got.Digest, got.ArtifactType, want, held.ArtifactType, held.Config.MediaType)
			}
		})
	}
}
