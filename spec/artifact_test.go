package spec

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckMediaType(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"application/vnd.example.sbom.v1+json":    true,
		"application/vnd.oci.empty.v1+json":       true,
		"text/plain":                              true,
		"application/" + strings.Repeat("x", 127): true,
		"application/" + strings.Repeat("x", 128): false,
		"":                          false,
		"text":                      false,
		"text/plain; charset=utf-8": false,
		"text/":                     false,
		"/plain":                    false,
		"text/plain/x":              false,
		".text/plain":               false,
		"text/pl ain":               false,
		"application/vnd.example\n": false,
	} {
		if got := CheckMediaType(s); got != want {
			t.Errorf("CheckMediaType(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestFromArgsArtifact(t *testing.T) {
	t.Parallel()
	s, err := FromArgs(Args{Targets: []string{"r.example/app:1"}, Members: []string{"r.example/b:1"}, Subject: "r.example/app@sha256:" + hexOf('a'), ArtifactType: "application/vnd.example+json"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != "oci" || s.TypePos.Field != `--subject "r.example/app@sha256:`+hexOf('a')+`"` || s.Subject == nil || s.Subject.Digest != "sha256:"+hexOf('a') || s.ArtifactType != "application/vnd.example+json" {
		t.Errorf("%+v", s)
	}
	if s, err = FromArgs(Args{Targets: []string{"ocidir:///l:1"}, Members: []string{"r.example/b:1"}, Subject: "ocidir:///l:0"}); err != nil || s.Subject.Path != "/l" {
		t.Errorf("a layout's subject: %v", err)
	}
	if s, err = FromArgs(Args{Targets: []string{"r.example/app:1"}, Members: []string{"r.example/b:1"}, ArtifactType: "a/b"}); err != nil || s.Type != "oci" || s.Subject != nil || s.TypePos.Field != "--artifact-type" {
		t.Errorf("an artifact type alone: %+v %v", s, err)
	}
	for _, tc := range []struct{ subject, want string }{
		{"r.example/other:1", `"r.example/other:1" is not in the target's repository ("r.example/app")`},
		{"other.example/app:1", `is not in the target's repository`},
		{"ocidir:///l:0", `is not in the target's repository`},
		{"r.example/app:bad tag", `--subject "r.example/app:bad tag": `},
	} {
		_, err := FromArgs(Args{Targets: []string{"r.example/app:1"}, Members: []string{"r.example/b:1"}, Subject: tc.subject})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--subject %s: %v, want %q", tc.subject, err, tc.want)
		}
	}
}

func TestLoadArtifactKeys(t *testing.T) {
	t.Parallel()
	specs, err := Load(context.Background(), "r.yaml", strings.NewReader("image: r.example/app:1\nartifact-type: application/x\nsubject: r.example/app:0\nmanifests:\n  - image: r.example/b:1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := specs[0]
	if s.Type != "oci" || s.Subject == nil || s.SubjectPos.String() != "r.yaml:3: subject" || s.ArtifactTypePos.String() != "r.yaml:2: artifact-type" {
		t.Errorf("%+v", s)
	}
	_, err = Load(context.Background(), "r.yaml", strings.NewReader("image: r.example/app:1\ntype: docker\nartifact-type: x\nmanifests:\n  - image: r.example/b:1\n"))
	if want := "r.yaml:2: type: docker: a Docker manifest list has no subject or artifactType (artifact-type); make it oci, or drop them"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestSubjectSeveralTargets(t *testing.T) {
	t.Parallel()
	subject := "r.example/app@sha256:" + hexOf('a')
	s, err := FromArgs(Args{Targets: []string{"r.example/app:1", "r.example/app:2"}, Members: []string{"r.example/b:1"}, Subject: subject})
	if err != nil || s.Subject == nil || len(s.MoreTargets) != 1 {
		t.Fatalf("targets in the subject's repository: %v %+v", err, s)
	}
	_, err = FromArgs(Args{Targets: []string{"r.example/app:1", "q.example/app:1"}, Members: []string{"r.example/b:1"}, Subject: subject})
	want := `is not in the repository of the target at --target "q.example/app:1" ("q.example/app")`
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("a target in another registry: %v, want %q", err, want)
	}
	_, err = Load(context.Background(), "r.yaml", strings.NewReader("image: r.example/app:1\ntargets: [r.example/other:1]\nsubject: r.example/app:0\nmanifests:\n  - image: r.example/b:1\n"))
	want = `r.yaml:3: subject: "r.example/app:0" is not in the repository of the target at r.yaml:2: targets[0] ("r.example/other")`
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("a spec target in another repository: %v, want %q", err, want)
	}
}
