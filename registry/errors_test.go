package registry

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

func TestMergeCauses(t *testing.T) {
	t.Parallel()
	c := &Client{creds: map[string]string{}}
	r1, _ := ref.New("reg.example.com/a:1")
	r2, _ := ref.New("reg.example.com/a:2")
	r3, _ := ref.New("reg.example.com/a:3")
	refused := fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized)
	missing := func(r ref.Ref) *OpError {
		op := c.opError("resolving", r, errs.ErrNotFound)
		op.missing = true
		return op
	}
	errList := []error{
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 3}, Err: c.opError("resolving", r1, refused)},
		nil,
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 5}, Err: c.opError("resolving", r2, refused)},
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 7}, Err: missing(r3)},
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 9}, Err: c.opError("reading the config of", r3, errs.ErrNotFound)},
	}
	got := mergeCauses(errList)
	if len(got) != 3 {
		t.Fatalf("%d errors, want 3: %v", len(got), got)
	}
	if !strings.HasPrefix(got[0].Error(), "f.yaml:3: resolving reg.example.com/a:1: unauthorized: reg.example.com requires credentials") || !strings.HasSuffix(got[0].Error(), " (and 1 more member)") {
		t.Errorf("merged: %v", got[0])
	}
	// only a missing image is ErrMissing (what --ignore-missing may skip), not a missing config
	if !errors.Is(got[1], manifest.ErrMissing) || errors.Is(got[2], manifest.ErrMissing) || errors.Is(got[0], manifest.ErrMissing) {
		t.Errorf("ErrMissing: %v", got)
	}

	// a host that stopped answering is one failure, whichever request met it
	gone := func(method, path string) error {
		return &RetryError{Method: method, Path: path, Host: "reg.example.com", Err: syscall.ECONNREFUSED, Attempts: 10}
	}
	first := gone("HEAD", "/v2/a/blobs/x").(*RetryError)
	again := &RetryError{Method: "PUT", Path: "/v2/a/manifests/0", Host: "reg.example.com", Err: syscall.ECONNREFUSED, Attempts: 1, Prior: first}
	got = mergeCauses([]error{
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 2}, Err: c.opError("pushing the index to", r1, again)},
		c.opError("pushing the index to", r1, gone("PUT", "/v2/a/manifests/1")),
		c.opError("pushing the index to", r2, gone("PUT", "/v2/a/manifests/2")),
		c.opError("pushing the index to", r3, &RetryError{Method: "PUT", Path: "/v2/a/manifests/3", Host: "reg.example.com", Status: "503 Service Unavailable", Attempts: 10}),
	})
	want := []string{
		"pushing the index to reg.example.com/a:1: PUT reg.example.com/v2/a/manifests/1: connection refused (10 attempts) (the registry stopped answering; run again once it is back) (and 1 more member)",
		"pushing the index to reg.example.com/a:3: PUT reg.example.com/v2/a/manifests/3: 503 Service Unavailable (10 attempts)",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	// once over a whole publish: the members of every document count, and
	// the failure says where each is
	member := func(line int) error {
		return &spec.Error{Pos: spec.Pos{File: "f.yaml", Line: line}, Err: c.opError("resolving", r1, refused)}
	}
	got = mergeCauses([]error{spec.Join(member(1), member(2), member(3)), spec.Join(member(11), member(12), member(13))})
	var at manifest.Positioned
	if len(got) != 1 || !strings.HasSuffix(got[0].Error(), " (and 5 more members)") || !strings.HasPrefix(got[0].Error(), "f.yaml:1: ") ||
		!errors.As(got[0], &at) || len(at.Positions()) != 6 || at.Positions()[5].Line != 13 {
		t.Errorf("merged across documents: %q", got)
	}
}

// A failure on an OCI layout names its directory, not a host.
func TestOpErrorLayout(t *testing.T) {
	t.Parallel()
	c := &Client{creds: map[string]string{}}
	r, err := ref.New("ocidir:///srv/oci/app:1")
	if err != nil {
		t.Fatal(err)
	}
	got := c.opError("reading", r, fmt.Errorf("manifest %w, expected sha256:aa, computed sha256:bb", errs.ErrDigestMismatch)).Error()
	if want := "reading ocidir:///srv/oci/app:1: the layout at /srv/oci/app holds bytes that do not match their digest (sha256:aa expected, sha256:bb received)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
