package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/spec"
)

// Two targets of one document in one repository cannot both write an
// extra tag: it would point at two indexes with --append.
func TestPrecheckTargetsTagClash(t *testing.T) {
	t.Parallel()
	y := "targets: [r/a:1, r/a:2, r/b:1]\ntags: [latest]\nmanifests: [{image: r/a:3}]\n"
	specs, err := spec.Load(context.Background(), "r.yaml", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	_, probs := Precheck(specs, OCI, ValidateOptions{})
	want := "r.yaml:2: tags[0]: docker.io/r/a:latest is written for the target of r.yaml:1: targets[0] and for the target of r.yaml:1: targets[1]; a tag can point at one index"
	if probs[0] == nil || probs[0].Error() != want {
		t.Errorf("got  %v\nwant %s", probs[0], want)
	}
	// a target's tag that another target's extra tag writes
	y = "targets: [r/a:1, r/a:latest]\ntags: [latest]\nmanifests: [{image: r/a:3}]\n"
	specs, _ = spec.Load(context.Background(), "r.yaml", strings.NewReader(y))
	if _, probs = Precheck(specs, OCI, ValidateOptions{}); probs[0] == nil || !strings.Contains(probs[0].Error(), "docker.io/r/a:latest is also written by") {
		t.Errorf("got %v", probs[0])
	}
}

// A document of one target prints as it always did; of several, the
// first target's result with each target's, and a line per target and tag.
func TestByDocument(t *testing.T) {
	t.Parallel()
	y := "image: r/a:1\nmanifests: [{image: r/a:3}]\n---\ntargets: [r/b:1, q.io/b:1, ocidir://l:1]\ntags: [x]\nmanifests: [{image: r/a:3}]\n"
	specs, err := spec.Load(context.Background(), "r.yaml", strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	tags := func(target string, st ...TagStatus) Result {
		r := Result{Target: target, Digest: "sha256:d", Size: 5, Manifests: []MemberResult{{Image: "r/a:3", How: HowPresent}}}
		for i, s := range st {
			r.Tags = append(r.Tags, TagResult{Tag: []string{"1", "x"}[i], Status: s, Previous: map[TagStatus]string{TagUnchanged: "sha256:d"}[s]})
		}
		return r
	}
	copied := tags("q.io/b:1", TagUnchanged, TagUnchanged)
	copied.Manifests[0].How = HowCopied
	failed := tags("ocidir://l:1", TagSkipped, TagSkipped)
	failed.Errors = []string{"no space left"}
	results := []Result{tags("docker.io/r/a:1", TagCreated), tags("docker.io/r/b:1", TagUnchanged, TagUnchanged), copied, failed}
	docs := ByDocument(specs, results)
	if len(docs) != 2 || len(docs[0].Targets) != 0 || len(docs[1].Targets) != 3 {
		t.Fatalf("%d documents: %+v", len(docs), docs)
	}
	one, _ := json.Marshal(docs[0])
	plain, _ := json.Marshal(results[0])
	if !bytes.Equal(one, plain) {
		t.Errorf("one target's JSON changed shape:\n%s\nwas\n%s", one, plain)
	}
	var got struct {
		Target  string
		Targets []struct{ Target, Status string }
	}
	b, _ := json.Marshal(docs[1])
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Target != "docker.io/r/b:1" || len(got.Targets) != 3 || got.Targets[0].Status != "unchanged" || got.Targets[1].Status != "updated" || got.Targets[2].Status != "failed" {
		t.Errorf("JSON %s", b)
	}
	var text bytes.Buffer
	if err := docs[1].WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := `Digest: sha256:d 5 docker.io/r/b:1
docker.io/r/b:1 unchanged
docker.io/r/b:x unchanged
Digest: sha256:d 5 q.io/b:1
q.io/b:1 unchanged
q.io/b:x unchanged
ocidir://l:1 skipped
ocidir://l:x skipped
`
	if text.String() != want {
		t.Errorf("text\n%s\nwant\n%s", text.String(), want)
	}
}

// A dry run of several targets prints the index bytes once while they
// are the same, then each target's Digest line: with --append, each
// target's own bytes before its line.
func TestPublishedDryRunText(t *testing.T) {
	t.Parallel()
	dry := func(target, index string) TargetResult {
		return TargetResult{Status: TagSkipped, Result: Result{Target: target + ":1", Digest: "sha256:" + index, Size: 2, DryRun: true,
			Index: []byte(`{"` + index + `"}`), Tags: []TagResult{{Tag: "1", Status: TagSkipped}}}}
	}
	var text bytes.Buffer
	p := Published{Targets: []TargetResult{dry("a/x", "i"), dry("b/x", "i"), dry("c/x", "j")}}
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := `{"i"}
Digest: sha256:i 2 a/x:1
a/x:1 skipped
Digest: sha256:i 2 b/x:1
b/x:1 skipped
{"j"}
Digest: sha256:j 2 c/x:1
c/x:1 skipped
`
	if text.String() != want {
		t.Errorf("text\n%s\nwant\n%s", text.String(), want)
	}
}

// Pushed by its digest alone to several targets, each target has no tag:
// its status and its Reference line come from its by-digest result, in
// text and in its `targets` entry; one that failed says so.
func TestByDocumentByDigest(t *testing.T) {
	t.Parallel()
	specs, err := spec.Load(context.Background(), "r.yaml", strings.NewReader("targets: [r/a, q.io/a]\nmanifests: [{image: r/a:3}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.ByDigest(specs); err != nil {
		t.Fatal(err)
	}
	byDigest := func(target string, st TagStatus) Result {
		return Result{Target: target, Digest: "sha256:d", Size: 5, Tags: []TagResult{}, Reference: target + "@sha256:d", Status: st,
			Manifests: []MemberResult{{Image: "r/a:3", How: HowPresent}}}
	}
	failed := byDigest("q.io/a", TagSkipped)
	failed.Errors = []string{"q.io/a: connection refused"}
	results := []Result{byDigest("docker.io/r/a", TagCreated), failed}
	docs := ByDocument(specs, results)
	if len(docs) != 1 || len(docs[0].Targets) != 2 || !results[0].Pushed() || results[1].Pushed() {
		t.Fatalf("%+v", docs)
	}
	var got struct {
		Targets []struct{ Reference, Status string }
	}
	b, _ := json.Marshal(docs[0])
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 2 || got.Targets[0].Reference != "docker.io/r/a@sha256:d" || got.Targets[0].Status != "created" || got.Targets[1].Status != "failed" {
		t.Errorf("JSON %s", b)
	}
	var text bytes.Buffer
	if err := docs[0].WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "Digest: sha256:d 5 docker.io/r/a\nReference: docker.io/r/a@sha256:d created\nReference: q.io/a@sha256:d failed\n"
	if text.String() != want {
		t.Errorf("text\n%s\nwant\n%s", text.String(), want)
	}
}

// --quiet prints a Digest: line per target pushed, with the target when
// the document has several, and the Reference: line of an index pushed by
// its digest alone; nothing for a target not pushed.
func TestWriteDigests(t *testing.T) {
	t.Parallel()
	tagged := func(target string, st TagStatus) Result {
		return Result{Target: target + ":1", Digest: "sha256:d", Size: 5, Tags: []TagResult{{Tag: "1", Status: st}}}
	}
	byDigest := func(target string, st TagStatus) Result {
		return Result{Target: target, Digest: "sha256:d", Size: 5, Tags: []TagResult{}, Reference: target + "@sha256:d", Status: st}
	}
	for _, tc := range []struct {
		name string
		p    Published
		want string
	}{
		{"one target", Published{Result: tagged("r/a", TagCreated)}, "Digest: sha256:d 5\n"},
		{"one target not pushed", Published{Result: tagged("r/a", TagFailed)}, ""},
		{"one by digest", Published{Result: byDigest("r/a", TagUnchanged)}, "Digest: sha256:d 5\nReference: r/a@sha256:d\n"},
		{"several", Published{Result: tagged("r/a", TagCreated), Targets: []TargetResult{
			{Result: tagged("r/a", TagCreated)}, {Result: tagged("q/a", TagSkipped)}, {Result: tagged("p/a", TagUnchanged)}}},
			"Digest: sha256:d 5 r/a:1\nDigest: sha256:d 5 p/a:1\n"},
		{"several by digest", Published{Result: byDigest("r/a", TagCreated), Targets: []TargetResult{
			{Result: byDigest("r/a", TagCreated)}, {Result: byDigest("q/a", TagUnchanged)}}},
			"Digest: sha256:d 5 r/a\nReference: r/a@sha256:d\nDigest: sha256:d 5 q/a\nReference: q/a@sha256:d\n"},
	} {
		var b bytes.Buffer
		if err := tc.p.WriteDigests(&b); err != nil || b.String() != tc.want {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.name, err, b.String(), tc.want)
		}
	}
}
