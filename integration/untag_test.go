package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	r.Requests()
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
	// the cost: per member tag a HEAD, the DELETE and a HEAD after it (its
	// GET resolved it); the target read back by one HEAD more
	perPath := map[string][]string{}
	for _, q := range r.Requests() {
		method, path, _ := strings.Cut(q, " ")
		perPath[path] = append(perPath[path], method)
	}
	for tag := range imgs {
		if got := strings.Join(perPath["/v2/app/manifests/"+tag], " "); got != "GET HEAD DELETE HEAD" {
			t.Errorf("%s: requests %s, want GET HEAD DELETE HEAD", tag, got)
		}
	}
	if got := strings.Join(perPath["/v2/app/manifests/1.0"], " "); got != "HEAD PUT HEAD" {
		t.Errorf("the target: requests %s, want HEAD PUT HEAD (the read-back)", got)
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

// hooks runs each hook in turn until one answers.
func hooks(hs ...regtest.Hook) regtest.Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		for _, h := range hs {
			if h(w, r) {
				return true
			}
		}
		return false
	}
}

// noDigestDelete fails the test when a request deleted a manifest by its
// digest, or anything that is not a manifest (a tag is the only thing
// --untag-members deletes).
func noDigestDelete(t *testing.T, reqs []string) (deletes int) {
	t.Helper()
	for _, q := range reqs {
		if !strings.HasPrefix(q, "DELETE ") {
			continue
		}
		deletes++
		if strings.Contains(q, "sha256:") || !strings.Contains(q, "/manifests/") {
			t.Errorf("%s: only a tag may be deleted", q)
		}
	}
	return deletes
}

// A registry that does not delete tags: Distribution 2.8 (400
// DIGEST_INVALID: it reads the tag as a digest) and Distribution 3 with
// deletes disabled (405 UNSUPPORTED). One warning names the registry and
// the tags left behind and says where to remove them; the push exits 0;
// each member says refused, with the registry's words; one DELETE is sent
// per repository, of a tag, and the tags stay.
func TestUntagRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *regtest.Registry
		says  string
	}{
		{"distribution 2.8", func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) }, "DIGEST_INVALID"},
		{"delete disabled", func(t *testing.T) *regtest.Registry { return regtest.New(t, regtest.Options{NoDelete: true}) }, "405 Method Not Allowed (UNSUPPORTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.start(t)
			seed(t, r, "app", "1.0", false, linuxAMD64, linuxARMv7, linuxS390x)
			record, requests := regtest.RecordRequests()
			host := regtest.Proxy(t, r, record)
			res := mt(t, "--plain-http", "push", "--untag-members", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/arm/v7,linux/s390x",
				"--template", host+"/app:1.0-OS-ARCHVARIANT", "--target", host+"/app:1.0")
			res.ok0(t)
			for _, m := range decodeUntag(t, res.stdout).Manifests {
				if state, reason := untagged(m.Untagged); state != "refused" || !strings.Contains(reason, tc.says) {
					t.Errorf("%s: untagged %s (%s), want refused (%s…)", m.Image, state, reason, tc.says)
				}
			}
			var warnings []string
			for _, line := range strings.Split(res.stderr, "\n") {
				if strings.HasPrefix(line, "warning: ") && strings.Contains(line, "tags") {
					warnings = append(warnings, line)
				}
			}
			left := "app:1.0-linux-amd64, app:1.0-linux-armv7, app:1.0-linux-s390x"
			if len(warnings) != 1 || !strings.Contains(warnings[0], host+" does not delete tags") || !strings.Contains(warnings[0], left) ||
				!strings.Contains(warnings[0], "registry's own API or UI") {
				t.Errorf("warnings %q: want one naming %s, the tags %s, and the registry's own API or UI", warnings, host, left)
			}
			if n := noDigestDelete(t, requests()); n != 1 {
				t.Errorf("%d DELETE requests, want 1 (the first tag; the others are known refused)", n)
			}
			if tags := tagsOf(t, r, "app"); len(tags) != 4 {
				t.Errorf("tags %q, want the index's and the 3 members'", tags)
			}
		})
	}
}

// A tag another writer moved after the push, before its removal, is kept
// and said so; the other member's tag goes; exit 0.
func TestUntagMoved(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x)
	rebuilt := regtest.NewImage(linuxS390x, false)
	host := regtest.Proxy(t, r, regtest.MoveTagBeforeHead(r, "app", "1.0-linux-s390x", rebuilt))
	res := mt(t, "--plain-http", "push", "--untag-members", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/s390x",
		"--template", host+"/app:1.0-OS-ARCHVARIANT", "--target", host+"/app:1.0")
	res.ok0(t)
	for _, m := range decodeUntag(t, res.stdout).Manifests {
		state, reason := untagged(m.Untagged)
		switch {
		case strings.HasSuffix(m.Image, "s390x") && (state != "kept" || !strings.Contains(reason, "another writer moved it: it points at "+rebuilt.Manifest.Digest)):
			t.Errorf("%s: untagged %s (%s), want kept, moved to %s", m.Image, state, reason, rebuilt.Manifest.Digest)
		case strings.HasSuffix(m.Image, "amd64") && state != "true":
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	if got, err := r.GetManifest("app", "1.0-linux-s390x"); err != nil || got.Digest != rebuilt.Manifest.Digest {
		t.Errorf("the moved tag: %v %v, want the other writer's %s", got.Digest, err, rebuilt.Manifest.Digest)
	}
	if exists(t, r, "app", "1.0-linux-amd64") {
		t.Errorf("the amd64 tag is still there")
	}
	if !strings.Contains(res.stderr, "kept "+host+"/app:1.0-linux-s390x") {
		t.Errorf("no warning names the kept tag: %s", res.stderr)
	}
}

// From a spec with untag-members: true: a member given by a tag that is
// also one of the run's tags is kept, one given by digest or read from an
// OCI layout has no tag to remove (the layout keeps it), one given by tag
// loses it.
func TestUntagSpec(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x, linuxARMv7)
	if err := r.PushImage("app", "latest", imgs["1.0-linux-armv7"]); err != nil {
		t.Fatal(err)
	}
	layout := t.TempDir()
	win := regtest.NewImage(windows, false)
	if err := regtest.WriteLayout(layout, "1.0-windows", win.Manifest, win.Blobs()[1:]...); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "release.yaml", `image: `+r.Host+`/app:1.0
tags: [latest]
untag-members: true
manifests:
  - image: `+r.Host+`/app:1.0-linux-amd64
  - image: `+r.Host+`/app@`+imgs["1.0-linux-s390x"].Manifest.Digest+`
  - image: `+r.Host+`/app:latest
  - image: ocidir://`+layout+`:1.0-windows
`)
	res := mt(t, "--plain-http", "push", "-o", "json", "from-spec", file)
	res.ok0(t)
	want := map[string]string{"amd64": "true", "sha256": "none", "latest": "kept", "ocidir": "none"}
	for _, m := range decodeUntag(t, res.stdout).Manifests {
		state, reason := untagged(m.Untagged)
		for k, w := range want {
			if strings.Contains(m.Image, k) && state != w {
				t.Errorf("%s: untagged %s (%s), want %s", m.Image, state, reason, w)
			}
		}
	}
	if tags := tagsOf(t, r, "app"); strings.Join(tags, ",") != "1.0,1.0-linux-armv7,1.0-linux-s390x,latest" {
		t.Errorf("tags %q: want the amd64 tag gone, and no other", tags)
	}
	noDigestDelete(t, r.Requests())
	if _, err := os.Stat(filepath.Join(layout, "index.json")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(layout, "index.json")); !strings.Contains(string(b), `"1.0-windows"`) {
		t.Errorf("the layout lost its tag: %s", b)
	}
	// a bad value: exit 2 naming the line
	bad := writeFile(t, "bad.yaml", "image: "+r.Host+"/app:1.0\nuntag-members: always\nmanifests:\n  - image: "+r.Host+"/app:1.0-linux-amd64\n")
	mt(t, "--plain-http", "push", "from-spec", bad).fails(t, 2, `error: `+bad+`:2: untag-members: "always": want true or false`)
}

// --dry-run lists the tags that would go, and the one kept, and sends no
// DELETE and no write.
func TestUntagDryRun(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x)
	r.Requests()
	res := mt(t, "--plain-http", "push", "--untag-members", "--dry-run", "from-args", "--platforms", "linux/amd64,linux/s390x",
		"--template", r.Host+"/app:1.0-OS-ARCHVARIANT", "--target", r.Host+"/app:1.0", "--tags", "1.0-linux-s390x")
	res.ok(t)
	want := "Would untag: " + r.Host + "/app:1.0-linux-amd64\nWould keep: " + r.Host + "/app:1.0-linux-s390x (it is also a tag this run writes)\n"
	if !strings.HasSuffix(res.stdout, want) {
		t.Errorf("stdout %q does not end with %q", res.stdout, want)
	}
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("a dry run sent %q", w)
	}
	if tags := tagsOf(t, r, "app"); len(tags) != 2 {
		t.Errorf("tags %q, want both members' as they were", tags)
	}
}

// Registries that answer a tag DELETE wrongly, each held to bounds on
// time and memory: one that answers 202 and keeps the tag (reported as
// still there, not as untagged; exit 0 with a warning); one whose HEAD of
// the tag names another digest (kept, and no DELETE is sent); one that
// never answers the DELETE (the run ends at --timeout, exit 1, naming the
// request, with the index pushed).
func TestUntagHostile(t *testing.T) {
	t.Parallel()
	other := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name    string
		hook    regtest.Hook
		args    []string
		code    int
		state   string // what the amd64 member says
		reason  string
		deletes int
		bound   time.Duration
	}{
		{"202 keeps the tag", regtest.AcceptDeleteKeepTag(), nil, 0, "unconfirmed", "the registry accepted the DELETE, yet the tag still points at sha256:", 1, 30 * time.Second},
		{"HEAD says another digest", regtest.HeadOtherDigest("app", "1.0-linux-amd64", other, "application/vnd.oci.image.manifest.v1+json"), nil, 0, "kept", "another writer moved it: it points at " + other, 0, 30 * time.Second},
		{"DELETE hangs", regtest.HangDelete(), []string{"--timeout", "5s"}, 1, "failed", "timed out", 1, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			seed(t, r, "app", "1.0", false, linuxAMD64)
			record, requests := regtest.RecordRequests()
			host := regtest.Proxy(t, r, hooks(record, tc.hook))
			args := append([]string{"--plain-http", "push", "--untag-members", "-o", "json", "from-args", "--member", host + "/app:1.0-linux-amd64", "--target", host + "/app:1.0"}, tc.args...)
			res := mtMeasured(t, nil, "", args...)
			t.Logf("measured: %s: max RSS %d KiB (%.1f MiB), %s", tc.name, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			if res.code != tc.code {
				t.Errorf("exit %d, want %d", res.code, tc.code)
			}
			if res.maxRSS > 100<<10 {
				t.Errorf("max RSS %d KiB, over 100 MiB", res.maxRSS)
			}
			if res.elapsed > tc.bound {
				t.Errorf("ended after %s, over %s", res.elapsed, tc.bound)
			}
			out := decodeUntag(t, res.stdout)
			if len(out.Manifests) != 1 {
				t.Fatalf("members: %+v", out.Manifests)
			}
			if state, reason := untagged(out.Manifests[0].Untagged); state != tc.state || !strings.Contains(reason, tc.reason) {
				t.Errorf("untagged %s (%s), want %s (%s…)", state, reason, tc.state, tc.reason)
			}
			if n := noDigestDelete(t, requests()); n != tc.deletes {
				t.Errorf("%d DELETE requests, want %d", n, tc.deletes)
			}
			if !exists(t, r, "app", "1.0") || !exists(t, r, "app", "1.0-linux-amd64") {
				t.Errorf("the index or the member's tag is gone")
			}
		})
	}
}

// probe's tag-delete row says what push --untag-members would meet:
// supported on Distribution 3 (the tag goes, the image stays, then the
// probe deletes it by digest), unsupported with the registry's words on
// Distribution 2.8 and with deletes disabled; what it could not remove is
// listed, and is really there.
func TestProbeTagDelete(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		start  func(t *testing.T) *regtest.Registry
		status string
		detail string
		left   bool // its image cannot be deleted by digest either
	}{
		{"distribution 3", func(t *testing.T) *regtest.Registry { return regtest.New(t) }, "supported", "-tag-delete; its image is still served by digest", false},
		{"distribution 2.8", func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) }, "unsupported", "400 Bad Request (DIGEST_INVALID", false},
		{"delete disabled", func(t *testing.T) *regtest.Registry { return regtest.New(t, regtest.Options{NoDelete: true}) }, "unsupported", "405 Method Not Allowed (UNSUPPORTED", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.start(t)
			record, requests := regtest.RecordRequests()
			host := regtest.Proxy(t, r, record)
			p, _ := probe(t, 0, "--plain-http", host+"/team/probe")
			for _, c := range p.Checks {
				if c.Name == "tag-delete" && (c.Status != tc.status || !strings.Contains(c.Detail, tc.detail)) {
					t.Errorf("tag-delete: %s (%s), want %s (…%s…)", c.Status, c.Detail, tc.status, tc.detail)
				}
			}
			tagDeletes := 0
			for _, q := range requests() {
				if strings.HasPrefix(q, "DELETE /v2/team/probe/manifests/") && strings.HasSuffix(q, "-tag-delete") {
					tagDeletes++
				}
			}
			if tagDeletes != 1 {
				t.Errorf("%d DELETE requests of the probe's tag, want 1", tagDeletes)
			}
			// the leftovers are what the registry still holds, no more
			for _, l := range p.Leftovers {
				if l.Kind == "manifest" && !exists(t, r, l.Repository, l.Digest) {
					t.Errorf("leftover %s@%s is not there", l.Repository, l.Digest)
				}
			}
			if !tc.left && len(p.Leftovers) > 0 {
				t.Errorf("leftovers %v: the registry deletes by digest", p.Leftovers)
			}
			if tc.left && len(p.Leftovers) == 0 {
				t.Errorf("no leftovers, on a registry that deletes nothing")
			}
			if tags := tagsOf(t, r, "team/probe"); !tc.left && len(tags) > 0 {
				t.Errorf("tags left behind: %v", tags)
			}
		})
	}
}

// Nothing is untagged unless every target holds the index and reads it
// back by its digest: with two targets, one that refuses the index (exit
// 1), or one that reads back another digest (a warning, exit 0), leaves
// every member's tag in place, each saying why.
func TestUntagNotEveryTarget(t *testing.T) {
	t.Parallel()
	other := "sha256:" + strings.Repeat("cd", 32)
	for _, tc := range []struct {
		name   string
		hook   regtest.Hook
		code   int
		reason string
	}{
		{"a target refuses the index", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `{"errors":[{"code":"DENIED","message":"read-only"}]}`)
				return true
			}
			return false
		}, 1, "not tried: the index did not reach every target"},
		{"a target reads back another digest", regtest.HeadOtherDigest("app", "1.0", other, "application/vnd.oci.image.index.v1+json"), 0, "reads back " + other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, r2 := regtest.New(t), regtest.New(t)
			seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x)
			host2 := regtest.Proxy(t, r2, tc.hook)
			res := mt(t, "--plain-http", "push", "--untag-members", "--type", "oci", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/s390x",
				"--template", r.Host+"/app:1.0-OS-ARCHVARIANT", "--target", r.Host+"/app:1.0", "--target", host2+"/app:1.0")
			if res.code != tc.code {
				t.Errorf("exit %d, want %d", res.code, tc.code)
			}
			for _, m := range decodeUntag(t, res.stdout).Manifests {
				if state, reason := untagged(m.Untagged); state != "skipped" || !strings.Contains(reason, tc.reason) {
					t.Errorf("%s: untagged %s (%s), want skipped (%s…)", m.Image, state, reason, tc.reason)
				}
			}
			if n := noDigestDelete(t, r.Requests()); n != 0 {
				t.Errorf("%d DELETE requests, want none", n)
			}
			if tags := tagsOf(t, r, "app"); len(tags) != 3 {
				t.Errorf("tags %q, want the index's and both members'", tags)
			}
		})
	}
}

// Behind a token server (as Docker Hub, GHCR, Harbor), the DELETE needs
// the "delete" action in the token: the registry's challenge asks for it,
// and the tag goes.
func TestUntagToken(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}})
	seed(t, r, "team/app", "1.0", false, linuxAMD64)
	cfg := dockerConfig(t, r.Host, authUser, authPass)
	res := mt(t, "--ca-file", caFile(t, r), "--docker-cfg", cfg, "push", "--untag-members", "-o", "json", "from-args",
		"--member", r.Host+"/team/app:1.0-linux-amd64", "--target", r.Host+"/team/app:1.0")
	res.ok0(t)
	for _, m := range decodeUntag(t, res.stdout).Manifests {
		if state, reason := untagged(m.Untagged); state != "true" {
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	asked := false
	for _, s := range r.TokenScopes() {
		if strings.Contains(s, "team/app:") && strings.Contains(s, "delete") {
			asked = true
		}
	}
	if !asked {
		t.Errorf("no token was asked with the delete action: %q", r.TokenScopes())
	}
}

// A registry that answers the tag DELETE 403 DENIED (GHCR and Docker
// Hub refuse tag deletes so through the registry API) is a refusal: one
// warning, the tag left, exit 0.
func TestUntagDenied(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method != http.MethodDelete {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`)
		return true
	})
	res := mt(t, "--plain-http", "push", "--untag-members", "-o", "json", "from-args",
		"--member", host+"/app:1.0-linux-amd64", "--target", host+"/app:1.0")
	res.ok0(t)
	for _, m := range decodeUntag(t, res.stdout).Manifests {
		// (the transport words a 403 as unauthorized, naming the credentials)
		if state, reason := untagged(m.Untagged); state != "refused" || !strings.Contains(reason, "DENIED") && !strings.Contains(reason, "unauthorized") {
			t.Errorf("%s: untagged %s (%s), want refused, denied", m.Image, state, reason)
		}
	}
	if !strings.Contains(res.stderr, host+" does not delete tags") || !strings.Contains(res.stderr, "left behind: app:1.0-linux-amd64") {
		t.Errorf("no warning naming the registry and the tag: %s", res.stderr)
	}
	if !exists(t, r, "app", "1.0-linux-amd64") {
		t.Errorf("the tag is gone")
	}
}

// With --append, the members the run adds lose their tags once the merged
// index reads back; the entries the index kept are not the run's members
// and keep theirs.
func TestUntagAppend(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x)
	mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", r.Host+"/app:1.0-linux-amd64", "--target", r.Host+"/app:1.0").ok(t)
	res := mt(t, "--plain-http", "push", "--append", "--untag-members", "-o", "json", "from-args",
		"--member", r.Host+"/app:1.0-linux-s390x", "--target", r.Host+"/app:1.0")
	res.ok0(t)
	out := decodeUntag(t, res.stdout)
	for _, m := range out.Manifests {
		state, reason := untagged(m.Untagged)
		if strings.HasSuffix(m.Image, "s390x") && state != "true" {
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	if tags := tagsOf(t, r, "app"); strings.Join(tags, ",") != "1.0,1.0-linux-amd64" {
		t.Errorf("tags %q: want the s390x tag gone, the amd64 one kept", tags)
	}
	if got, err := r.GetManifest("app", "1.0"); err != nil || got.Digest != out.Digest {
		t.Errorf("the target: %s %v, want %s", got.Digest, err, out.Digest)
	}
}

// A refusal whose words echo the run's password shows it nowhere: not in
// the warning, not in the member's reason in JSON.
func TestUntagRefusalScrubbed(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method != http.MethodDelete {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		io.WriteString(w, `{"errors":[{"code":"UNSUPPORTED","message":"no deletes for alice:`+authPass+`"}]}`)
		return true
	})
	res := mtEnv(t, nil, authPass+"\n", "--plain-http", "--username", authUser, "--password-stdin", "push", "--untag-members", "-o", "json", "from-args",
		"--member", host+"/app:1.0-linux-amd64", "--target", host+"/app:1.0")
	res.ok0(t)
	if state, _ := untagged(decodeUntag(t, res.stdout).Manifests[0].Untagged); state != "refused" {
		t.Errorf("untagged %s, want refused", state)
	}
	if strings.Contains(res.stdout+res.stderr, authPass) {
		t.Errorf("the password is shown")
	}
}

// A member --platforms leaves out entirely keeps its tag: the index does
// not hold its image, so the tag may be all that keeps it from a garbage
// collection. Neither the dry run nor the push lists it, and no request
// touches its tag after it was resolved; the member the index holds is
// untagged as before, in both modes of the same command.
func TestUntagPlatformsLeftOut(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "app", "1.0", false, linuxAMD64, linuxS390x)
	args := []string{"--plain-http", "push", "--untag-members", "from-args", "--platforms", "linux/amd64",
		"--member", r.Host + "/app:1.0-linux-amd64," + r.Host + "/app:1.0-linux-s390x", "--target", r.Host + "/app:1.0"}
	dry := mt(t, append(args[:3:3], append([]string{"--dry-run"}, args[3:]...)...)...)
	dry.ok(t)
	if !strings.HasSuffix(dry.stdout, "Would untag: "+r.Host+"/app:1.0-linux-amd64\n") || strings.Contains(dry.stdout, "s390x") {
		t.Errorf("dry run: stdout %q, want only the amd64 tag listed", dry.stdout)
	}
	r.Requests()
	res := mt(t, append(args[:3:3], append([]string{"-o", "json"}, args[3:]...)...)...)
	res.ok0(t)
	out := decodeUntag(t, res.stdout)
	if len(out.Manifests) != 1 || !strings.HasSuffix(out.Manifests[0].Image, "amd64") {
		t.Fatalf("members %+v, want the amd64 one alone", out.Manifests)
	}
	if state, reason := untagged(out.Manifests[0].Untagged); state != "true" {
		t.Errorf("amd64: untagged %s (%s), want true", state, reason)
	}
	reqs := r.Requests()
	noDigestDelete(t, reqs)
	for _, q := range reqs {
		if strings.HasSuffix(q, "/manifests/1.0-linux-s390x") && !strings.HasPrefix(q, "GET ") {
			t.Errorf("%s: the tag of a member the index does not hold was touched", q)
		}
	}
	if tags := tagsOf(t, r, "app"); strings.Join(tags, ",") != "1.0,1.0-linux-s390x" {
		t.Errorf("tags %q, want 1.0 and the s390x member's, which the index does not hold", tags)
	}
	if !exists(t, r, "app", imgs["1.0-linux-s390x"].Manifest.Digest) {
		t.Errorf("the s390x image is gone")
	}
}

// A member given by the tag of a multi-platform index, of which
// --platforms takes some images only, keeps its tag, "kept" with the
// reason: the tag may be all that keeps the images the new index does not
// hold. The dry run says so too; with every image taken, the tag goes.
func TestUntagIndexPartly(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	amd, s390x := regtest.NewImage(linuxAMD64, false), regtest.NewImage(linuxS390x, false)
	var descs []regtest.Descriptor
	for _, img := range []regtest.Image{amd, s390x} {
		if err := r.PushImage("builds", img.Manifest.Digest, img); err != nil {
			t.Fatal(err)
		}
		d := img.Manifest.Descriptor
		d.Platform = &img.Platform
		descs = append(descs, d)
	}
	for _, tag := range []string{"multi", "all"} {
		if err := r.PutManifest("builds", tag, regtest.OCIIndex, regtest.NewIndex(false, descs...).Data); err != nil {
			t.Fatal(err)
		}
	}
	push := func(tag, platforms string, extra ...string) result {
		return mt(t, append([]string{"--plain-http", "push", "--type", "oci", "--untag-members", "-o", "json"}, append(extra,
			"from-args", "--platforms", platforms, "--member", r.Host+"/builds:"+tag, "--target", r.Host+"/app:"+tag)...)...)
	}
	for _, dry := range [][]string{{"--dry-run"}, nil} {
		res := push("multi", "linux/amd64", dry...)
		res.ok0(t)
		out := decodeUntag(t, res.stdout)
		if len(out.Manifests) != 1 {
			t.Fatalf("members %+v, want the amd64 image alone", out.Manifests)
		}
		if state, reason := untagged(out.Manifests[0].Untagged); state != "kept" || !strings.Contains(reason, "index of 2 images, of which the index written holds 1") {
			t.Errorf("%v: untagged %s (%s), want kept, naming the images left out", dry, state, reason)
		}
	}
	if !exists(t, r, "builds", "multi") {
		t.Errorf("the tag of the index partly taken is gone")
	}
	res := push("all", "linux/amd64,linux/s390x")
	res.ok0(t)
	for _, m := range decodeUntag(t, res.stdout).Manifests {
		if state, reason := untagged(m.Untagged); state != "true" {
			t.Errorf("%s: untagged %s (%s), want true: the index holds every image", m.Image, state, reason)
		}
	}
	if exists(t, r, "builds", "all") {
		t.Errorf("the tag of the index wholly taken stays")
	}
}

// On a registry whose token service scopes a token to one repository
// (GitLab's), members in another repository than the target lose their
// tags as on any other: the read-back, the HEADs and the DELETEs go with
// the token of their repository once the registry narrowed one, as the
// push's reads do, rather than failing "unauthorized" with exit 1.
func TestUntagNarrowedTokens(t *testing.T) {
	t.Parallel()
	r := tokenRegistry(t, regtest.FirstRepositoryOnly())
	imgs := seed(t, r, "group/builds", "1.0", false, linuxAMD64, linuxS390x)
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, authUser, authPass)
	res := mt(t, "--ca-file", ca, "--docker-cfg", cfg, "push", "--untag-members", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/s390x",
		"--template", r.Host+"/group/builds:1.0-OS-ARCH", "--target", r.Host+"/group/app:1.0")
	res.ok0(t)
	out := decodeUntag(t, res.stdout)
	if len(out.Manifests) != len(imgs) {
		t.Fatalf("members %+v", out.Manifests)
	}
	for _, m := range out.Manifests {
		if state, reason := untagged(m.Untagged); state != "true" {
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	for tag, img := range imgs {
		if exists(t, r, "group/builds", tag) {
			t.Errorf("%s stays", tag)
		}
		if !exists(t, r, "group/builds", img.Manifest.Digest) {
			t.Errorf("%s: the image %s is gone", tag, img.Manifest.Digest)
		}
	}
}

// --untag-members with --by-digest keeps every member's tag, kept with
// the reason: the index gets no tag, so the members' tags are all that
// hold it and them against a garbage collection. No DELETE is sent; the
// dry run says the same.
func TestUntagByDigest(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64)
	args := []string{"--plain-http", "push", "--by-digest", "--untag-members", "-o", "json", "from-args",
		"--member", r.Host + "/app:1.0-linux-amd64", "--target", r.Host + "/app"}
	for _, dry := range [][]string{{"--dry-run"}, nil} {
		r.Requests()
		res := mt(t, append(args, dry...)...)
		res.ok0(t)
		out := decodeUntag(t, res.stdout)
		if len(out.Manifests) != 1 {
			t.Fatalf("members %+v", out.Manifests)
		}
		if state, reason := untagged(out.Manifests[0].Untagged); state != "kept" || !strings.Contains(reason, "--by-digest") {
			t.Errorf("%v: untagged %s (%s), want kept, naming --by-digest", dry, state, reason)
		}
		if n := noDigestDelete(t, r.Requests()); n != 0 {
			t.Errorf("%v: %d DELETE requests, want none", dry, n)
		}
	}
	if !exists(t, r, "app", "1.0-linux-amd64") {
		t.Errorf("the member's tag is gone, and no tag holds the index")
	}
}

// A member tag that could not be removed for another reason than a
// refusal (here a 400 the registry explains with no refusal code) is exit
// 1; but every target holds the index by then, so --metadata-file and the
// step outputs name it all the same, as a CI's next steps need.
func TestUntagFailureKeepsOutputs(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1.0", false, linuxAMD64)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method != http.MethodDelete {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"errors":[{"code":"UNKNOWN","message":"the tag store is read-only for maintenance"}]}`))
		return true
	})
	dir := t.TempDir()
	meta, outputs := filepath.Join(dir, "metadata.json"), filepath.Join(dir, "github_output")
	res := mtEnv(t, []string{"GITHUB_OUTPUT=" + outputs}, "", "--plain-http", "push", "--untag-members", "--metadata-file", meta,
		"from-args", "--member", host+"/app:1.0-linux-amd64", "--target", host+"/app:1.0")
	if res.code != 1 || !strings.Contains(res.stderr, "read-only for maintenance") {
		t.Fatalf("exit %d, stderr %q: want 1, with the registry's words", res.code, res.stderr)
	}
	idx, _, err := r.GetIndex("app", "1.0")
	if err != nil {
		t.Fatal(err)
	}
	digest := regtest.Digest(idx.Body) // the index the target holds
	var m struct {
		Digest string `json:"containerimage.digest"`
	}
	if b, err := os.ReadFile(meta); err != nil || json.Unmarshal(b, &m) != nil || m.Digest != digest {
		t.Errorf("--metadata-file: %v, %+v; want the index %s", err, m, digest)
	}
	if b, err := os.ReadFile(outputs); err != nil || !strings.HasPrefix(string(b), "digest="+digest+"\n") {
		t.Errorf("GITHUB_OUTPUT: %v, %q; want digest=%s first", err, b, digest)
	}
	if !exists(t, r, "app", "1.0-linux-amd64") {
		t.Error("the member tag is gone although its DELETE failed")
	}
}
