package integration

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// --append and edit with several targets change each target's own index:
// the indexes differ, and the output says so target by target. One
// target that cannot take the change fails alone.
func TestSeveralTargetsAppendAndEdit(t *testing.T) {
	t.Parallel()
	r1, r2 := regtest.New(t), regtest.NewGGCR(t)
	amd, s390x, arm := pushedByDigest(t, r1, "builds", linuxAMD64), pushedByDigest(t, r1, "builds", linuxS390x), pushedByDigest(t, r1, "builds", linuxARM64)
	t1, t2 := r1.Host+"/app:1", r2.Host+"/app:1"
	mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", t1, "--member", amd).ok(t)
	mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", t2, "--member", s390x).ok(t)

	var res struct {
		changeJSON
		Targets []struct {
			changeJSON
			Status string
		}
		statuses func() string
	}
	res.statuses = func() string {
		var s []string
		for _, tr := range res.Targets {
			s = append(s, tr.Status)
		}
		return strings.Join(s, " ")
	}
	parse := func(stdout string) {
		t.Helper()
		res.Targets = nil
		if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &res); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		for i := range res.Targets { // the embedded pushJSON of each, as changeResult reads it
			b, _ := json.Marshal(res.Targets[i].changeJSON)
			json.Unmarshal(b, &res.Targets[i].pushJSON)
		}
	}
	parse(mt(t, "--plain-http", "push", "from-args", "--append", "--target", t1+","+t2, "--member", arm, "--output", "json").out(t))
	if len(res.Targets) != 2 || res.Targets[0].Digest == res.Targets[1].Digest || res.Digest != res.Targets[0].Digest {
		t.Fatalf("two targets, two indexes: %+v", res)
	}
	for i, want := range []struct{ target, kept, entries string }{
		{t1, "linux/amd64", "linux/amd64 linux/arm64/v8"},
		{t2, "linux/s390x", "linux/s390x linux/arm64/v8"},
	} {
		tr := res.Targets[i]
		reg := []*regtest.Registry{r1, r2}[i]
		if tr.Target != want.target || tr.Status != "updated" || !slices.Equal(tr.Kept, []string{want.kept}) || !slices.Equal(tr.Added, []string{"linux/arm64/v8"}) {
			t.Errorf("target %d: %+v", i, tr)
		}
		if got := entries(t, reg, "app", "1"); got != want.entries {
			t.Errorf("%s holds %s, want %s", want.target, got, want.entries)
		}
		if m, _ := reg.GetManifest("app", "1"); m.Digest != tr.Digest {
			t.Errorf("%s is %s, the result says %s", want.target, m.Digest, tr.Digest)
		}
	}

	// the same again in text: each target's digest, its tag unchanged
	out := mt(t, "--plain-http", "push", "from-args", "--append", "--target", t1+","+t2, "--member", arm).out(t)
	want := "Digest: " + res.Targets[0].Digest + " " + strconv.Itoa(res.Targets[0].Size) + " " + t1 + "\n" + t1 + " unchanged\n" +
		"Digest: " + res.Targets[1].Digest + " " + strconv.Itoa(res.Targets[1].Size) + " " + t2 + "\n" + t2 + " unchanged\n"
	if out != want {
		t.Errorf("text\n%s\nwant\n%s", out, want)
	}

	// edit with two TARGETs; one lacks the platform: it fails alone,
	// naming it, unchanged; the other is changed
	before, _ := r1.GetManifest("app", "1")
	failed := mt(t, "--plain-http", "edit", "--remove", "linux/s390x", "--output", "json", t1, t2)
	parse(failed.stdout)
	if failed.code != 1 || len(res.Targets) != 2 || res.Targets[0].Status != "failed" || res.Targets[1].Status != "updated" ||
		!slices.Equal(res.Targets[1].Removed, []string{"linux/s390x"}) || !strings.Contains(failed.stderr, "linux/s390x") || !strings.Contains(failed.stderr, t1) {
		t.Errorf("exit %d, %+v\n%s", failed.code, res, failed.stderr)
	}
	if after, _ := r1.GetManifest("app", "1"); after.Digest != before.Digest {
		t.Errorf("the target that failed was changed")
	}
	if got := entries(t, r2, "app", "1"); got != "linux/arm64/v8" {
		t.Errorf("%s holds %s", t2, got)
	}
	// both take it
	parse(mt(t, "--plain-http", "edit", "--add", s390x, "--output", "json", t1, t2).out(t))
	if got := entries(t, r1, "app", "1") + "; " + entries(t, r2, "app", "1"); got != "linux/amd64 linux/arm64/v8 linux/s390x; linux/arm64/v8 linux/s390x" {
		t.Errorf("after edit --add: %s", got)
	}
	if res.statuses() != "updated updated" {
		t.Errorf("edit --add: %s", res.statuses())
	}
}

// --referrers with several targets: each target gets the member's SBOM
// its own way, through the referrers API (go-containerregistry's) or the
// fallback tag (Distribution's). A spec of two documents, the first of
// two targets, prints a JSON line each, the second in the one-target
// shape.
func TestSeveralTargetsReferrersAndDocuments(t *testing.T) {
	t.Parallel()
	src, api, tagged := regtest.NewGGCR(t), regtest.NewGGCR(t), regtest.New(t)
	img := seed(t, src, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom := pushSBOM(t, src, "builds", img)
	spec := writeFile(t, "release.yaml", "image: "+api.Host+"/app:1\ntargets: ["+tagged.Host+"/app:1]\nreferrers: true\nmanifests:\n  - image: "+src.Host+"/builds:1-linux-amd64\n"+
		"---\nimage: "+tagged.Host+"/other:1\nmanifests:\n  - image: "+src.Host+"/builds:1-linux-amd64\n")
	out := mt(t, "--plain-http", "push", "--type", "oci", "--output", "json", "from-spec", spec).out(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want 2:\n%s", len(lines), out)
	}
	first, second := targetsResult(t, lines[0]), targetsResult(t, lines[1])
	if len(first.Targets) != 2 || first.Targets[0].Target != api.Host+"/app:1" || first.Targets[1].Target != tagged.Host+"/app:1" ||
		second.Targets != nil || second.Target != tagged.Host+"/other:1" || !strings.Contains(lines[1], `"target":`) || strings.Contains(lines[1], `"targets"`) {
		t.Errorf("documents:\n%s", out)
	}
	if body := referrersAPI(t, api.Host, "app", img.Manifest.Digest); !strings.Contains(body, sbom.Digest) {
		t.Errorf("the API target's referrers do not list the SBOM: %s", body)
	}
	fallback := strings.Replace(img.Manifest.Digest, ":", "-", 1)
	if _, idx, err := tagged.GetIndex("app", fallback); err != nil || len(idx.Manifests) != 1 || idx.Manifests[0].Digest != sbom.Digest {
		t.Errorf("the fallback tag %s on the other target: %v %+v", fallback, err, idx)
	}
}
