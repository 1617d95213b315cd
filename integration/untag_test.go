package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// untagResult is what push -o json says of each member's tag.
type untagResult struct {
	Digest    string
	Manifests []struct {
		Image, Digest string
		Untagged      json.RawMessage
	}
}

func decodeUntag(t *testing.T, out string) untagResult {
	t.Helper()
	var res untagResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

// untagged is a member's "untagged": "true", or its status and reason.
func untagged(raw json.RawMessage) (state, reason string) {
	if string(raw) == "true" {
		return "true", ""
	}
	var o struct{ Status, Reason string }
	json.Unmarshal(raw, &o)
	return o.Status, o.Reason
}

// exists says whether repo has ref (a tag or digest), by a GET.
func exists(t *testing.T, r *regtest.Registry, repo, ref string) bool {
	t.Helper()
	_, err := r.GetManifest(repo, ref)
	if err != nil && !strings.Contains(err.Error(), "404") {
		t.Fatalf("reading %s:%s: %v", repo, ref, err)
	}
	return err == nil
}

// --untag-members on Distribution 3: the per-platform tags go, the index
// and every member stay, and they still pull by digest after a garbage
// collection that deletes every manifest no tag reaches.
func TestUntagMembers(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{Dir: t.TempDir()})
	imgs := seed(t, r, "app", "1.0", false, linuxAMD64, linuxARMv7, linuxS390x)
	res := mt(t, "--plain-http", "push", "--untag-members", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/arm/v7,linux/s390x",
		"--template", r.Host+"/app:1.0-OS-ARCHVARIANT", "--target", r.Host+"/app:1.0", "--tags", "latest")
	res.ok0(t)
	out := decodeUntag(t, res.stdout)
	if len(out.Manifests) != 3 {
		t.Fatalf("%d members, want 3", len(out.Manifests))
	}
	for _, m := range out.Manifests {
		if state, reason := untagged(m.Untagged); state != "true" {
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	if tags := tagsOf(t, r, "app"); strings.Join(tags, ",") != "1.0,latest" {
		t.Errorf("tags left: %q, want 1.0 and latest", tags)
	}
	// the control: an image no tag or index reaches, which the collection
	// must delete, so that it is seen to delete what nothing holds
	orphan := regtest.NewImage(linuxAMD64, false)
	if err := r.PushImage("app", orphan.Manifest.Digest, orphan); err != nil {
		t.Fatal(err)
	}
	if err := r.GarbageCollect(); err != nil {
		t.Fatal(err)
	}
	if exists(t, r, "app", orphan.Manifest.Digest) {
		t.Fatalf("the garbage collection left an image nothing reaches: it proves nothing")
	}
	for tag, img := range imgs {
		if !exists(t, r, "app", img.Manifest.Digest) {
			t.Errorf("%s (%s) is gone after the garbage collection", tag, img.Manifest.Digest)
		}
		for _, b := range img.Blobs()[1:] { // config and layers
			if ok, err := r.HasBlob("app", b.Digest); err != nil || !ok {
				t.Errorf("%s: blob %s is gone after the garbage collection (%v)", tag, b.Digest, err)
			}
		}
	}
	if !exists(t, r, "app", out.Digest) || !exists(t, r, "app", "1.0") {
		t.Errorf("the index is gone")
	}
	// a digest pull of every member through the binary: inspect reads each
	for _, m := range out.Manifests {
		mt(t, "--plain-http", "inspect", r.Host+"/app@"+m.Digest).ok0(t)
	}
	// text: a line for the registry
	seed(t, r, "app", "2.0", false, linuxAMD64, linuxARMv7)
	text := mt(t, "--plain-http", "push", "--untag-members", "from-args", "--platforms", "linux/amd64,linux/arm/v7",
		"--template", r.Host+"/app:2.0-OS-ARCHVARIANT", "--target", r.Host+"/app:2.0")
	text.ok(t)
	if want := "Untagged on " + r.Host + ": 2 tags removed\n"; !strings.HasSuffix(text.stdout, want) {
		t.Errorf("stdout %q does not end with %q", text.stdout, want)
	}
}
