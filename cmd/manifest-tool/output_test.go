package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// TestWriteTargetsJSON: a document of several targets is printed a target
// at a time, byte for byte what json.Marshal makes of it, with a change's
// fields and errors too.
func TestWriteTargetsJSON(t *testing.T) {
	t.Parallel()
	first := manifest.Result{Target: "reg.example/a:1", Digest: "sha256:1", Size: 2, MediaType: "m",
		Tags:      []manifest.TagResult{{Tag: "1", Status: manifest.TagCreated}},
		Manifests: []manifest.MemberResult{{Image: "reg.example/b:<1>&", Digest: "sha256:2", How: manifest.HowMounted}},
		Changed:   &manifest.Changed{Rounds: 1}}
	second := first
	second.Target, second.Errors, second.Changed = "ocidir://x:1", []string{"a \"b\"\n"}, nil
	p := manifest.Published{Result: first, Targets: []manifest.TargetResult{{Status: manifest.TagCreated, Result: first}, {Status: manifest.TagFailed, Result: second}}}
	want, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeTargetsJSON(&got, p); err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want)+"\n" {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want)
	}
}
