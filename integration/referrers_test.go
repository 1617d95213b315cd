package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// pushSBOM pushes, by digest in repo, an SBOM whose subject is img.
func pushSBOM(t *testing.T, r *regtest.Registry, repo string, img regtest.Image) regtest.Blob {
	t.Helper()
	sbom, blobs := regtest.NewArtifact("application/spdx+json", img.Manifest.Descriptor, []byte(`{"spdxVersion":"SPDX-2.3"}`))
	for _, b := range blobs {
		if err := r.PushBlob(repo, b.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PutManifest(repo, sbom.Digest, regtest.OCIManifest, sbom.Data); err != nil {
		t.Fatal(err)
	}
	return sbom
}

// referrersAPI is what the registry's referrers API lists for repo@digest.
func referrersAPI(t *testing.T, host, repo, digest string) string {
	t.Helper()
	resp, err := http.Get("http://" + host + "/v2/" + repo + "/referrers/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// push --referrers copies a member's referrers (an SBOM attached with a
// subject) with the member into the target repository, where the
// registry's referrers API lists them; the JSON result names each, with
// how it came.
func TestPushReferrers(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t) // with the OCI 1.1 referrers API
	img := seed(t, r, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom := pushSBOM(t, r, "builds", img)
	args := []string{"--plain-http", "push", "--type", "oci", "--output", "json", "from-args", "--platforms", "linux/amd64",
		"--template", r.Host + "/builds:1-OS-ARCH"}
	var res struct {
		Manifests []struct {
			Digest    string
			Referrers []struct{ Digest, ArtifactType, How string }
		}
	}
	out := mt(t, append(args, "--referrers", "--target", r.Host+"/app:1")...).out(t)
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		t.Fatal(err)
	}
	if got := res.Manifests[0].Referrers; len(got) != 1 || got[0].Digest != sbom.Digest || got[0].How == "" {
		t.Errorf("referrers in the result: %+v", got)
	}
	if body := referrersAPI(t, r.Host, "app", img.Manifest.Digest); !strings.Contains(body, sbom.Digest) {
		t.Errorf("the target's referrers API does not list the SBOM: %s", body)
	}
	// without the flag, the member comes alone
	mt(t, append(args, "--target", r.Host+"/plain:1")...).out(t)
	if body := referrersAPI(t, r.Host, "plain", img.Manifest.Digest); strings.Contains(body, sbom.Digest) {
		t.Errorf("copied without --referrers: %s", body)
	}
}

// --referrers is a switch that also takes =VALUE: given alone or =true it
// copies the referrers, =false copies none, and =required copies them;
// before or after the command's arguments, on push, from-spec, from-args
// and edit.
func TestReferrersFlagForms(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t)
	imgs := seed(t, r, "builds", "1", false, linuxAMD64, linuxARM64)
	img := imgs["1-linux-amd64"]
	sbom := pushSBOM(t, r, "builds", img)
	spec := func(repo string) string {
		return writeFile(t, repo+".yaml", "image: "+r.Host+"/"+repo+":1\nmanifests:\n  - image: "+r.Host+"/builds:1-linux-amd64\n")
	}
	fromArgs := func(repo string) []string {
		return []string{"--platforms", "linux/amd64", "--template", r.Host + "/builds:1-OS-ARCH", "--target", r.Host + "/" + repo + ":1"}
	}
	tests := []struct {
		repo string
		args []string
		copy bool
	}{
		{"spec-after", []string{"push", "from-spec", spec("spec-after"), "--referrers"}, true},
		{"spec-before", []string{"push", "from-spec", "--referrers=required", spec("spec-before")}, true},
		{"spec-on-push", []string{"push", "--referrers=true", "from-spec", spec("spec-on-push")}, true},
		{"spec-false", []string{"push", "from-spec", spec("spec-false"), "--referrers=false"}, false},
		{"spec-none", []string{"push", "from-spec", spec("spec-none")}, false},
		{"args-after", append(append([]string{"push", "from-args"}, fromArgs("args-after")...), "--referrers=required"), true},
		{"args-before", append([]string{"push", "--referrers", "from-args"}, fromArgs("args-before")...), true},
	}
	for _, tc := range tests {
		mt(t, append([]string{"--plain-http", "--type", "oci"}, tc.args...)...).ok(t)
		if got := strings.Contains(referrersAPI(t, r.Host, tc.repo, img.Manifest.Digest), sbom.Digest); got != tc.copy {
			t.Errorf("%q: SBOM copied %v, want %v", tc.args, got, tc.copy)
		}
	}
	// edit: an index of arm64, to which amd64 is added with its SBOM
	add := []string{"--add", r.Host + "/builds@" + img.Manifest.Digest}
	for repo, flags := range map[string][]string{
		"edit-before": slices.Concat([]string{"--referrers=required"}, add, []string{r.Host + "/edit-before:1"}),
		"edit-after":  slices.Concat(add, []string{r.Host + "/edit-after:1", "--referrers"}),
	} {
		arm := r.Host + "/builds@" + imgs["1-linux-arm64v8"].Manifest.Digest
		mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", arm, "--target", r.Host+"/"+repo+":1").ok(t)
		mt(t, append([]string{"--plain-http", "edit", "--settle", "10ms"}, flags...)...).ok(t)
		if body := referrersAPI(t, r.Host, repo, img.Manifest.Digest); !strings.Contains(body, sbom.Digest) {
			t.Errorf("edit %q: the SBOM was not copied: %s", flags, body)
		}
	}
}

// A referrer that cannot be read (gone between the listing and the read)
// is a warning naming the member, and the push goes on; with
// --referrers=required it is an error, exit 1.
func TestPushReferrersUnreadable(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t)
	img := seed(t, r, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom := pushSBOM(t, r, "builds", img)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if strings.HasSuffix(req.URL.Path, "/builds/manifests/"+sbom.Digest) {
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, http.StatusNotFound)
			return true
		}
		return false
	})
	args := []string{"--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64", "--template", host + "/builds:1-OS-ARCH"}
	res := mt(t, append(args, "--referrers", "--target", host+"/app:1")...)
	res.ok(t)
	if !strings.Contains(res.stderr, "warning: --platforms \"linux/amd64\": "+host+"/builds@"+img.Manifest.Digest+": copying its referrer") ||
		!strings.Contains(res.stderr, "copying its referrer "+sbom.Digest) || !strings.Contains(res.stderr, "--referrers=required makes this an error") {
		t.Errorf("no warning naming the member and the referrer:\n%s", res.stderr)
	}
	res = mt(t, append(args, "--referrers=required", "--target", host+"/app:2")...)
	want := "error: --platforms \"linux/amd64\": " + host + "/builds@" + img.Manifest.Digest + ": copying its referrer " + sbom.Digest + ": not found (MANIFEST_UNKNOWN: manifest unknown)"
	if lines := errorLines(res.stderr); res.code != 1 || len(lines) != 1 || lines[0] != want {
		t.Errorf("exit %d, error lines %q", res.code, lines)
	}
	if _, err := r.GetManifest("app", "2"); err == nil {
		t.Error("the index was pushed although a referrer required was not copied")
	}
}

// cosign's older scheme, a signature tagged sha256-<hex>.sig beside the
// image, is copied as that tag with --referrers.
func TestPushReferrersCosignTags(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	img := seed(t, r, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sig, blobs := regtest.NewArtifact("application/vnd.dev.cosign.artifact.sig.v1+json", img.Manifest.Descriptor, []byte(`{"critical":{}}`))
	for _, b := range blobs {
		if err := r.PushBlob("builds", b.Data); err != nil {
			t.Fatal(err)
		}
	}
	tag := "sha256-" + strings.TrimPrefix(img.Manifest.Digest, "sha256:") + ".sig"
	if err := r.PutManifest("builds", tag, regtest.OCIManifest, sig.Data); err != nil {
		t.Fatal(err)
	}
	mt(t, "--plain-http", "push", "--referrers", "from-args", "--platforms", "linux/amd64", "--template", r.Host+"/builds:1-OS-ARCH",
		"--target", r.Host+"/app:1").ok(t)
	if m, err := r.GetManifest("app", tag); err != nil || m.Digest != sig.Digest {
		t.Errorf("app:%s is %s (%v), want the signature %s", tag, m.Digest, err, sig.Digest)
	}
}

// inspect --referrers lists each entry's referrers under it, for an index
// and for a single image; without the flag, none are asked for.
func TestInspectReferrers(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t)
	img := seed(t, r, "app", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom := pushSBOM(t, r, "app", img)
	mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64", "--template", r.Host+"/app:1-OS-ARCH",
		"--target", r.Host+"/app:index").ok(t)
	for _, name := range []string{"app:index", "app:1-linux-amd64"} {
		t.Run(name, func(t *testing.T) {
			var v struct {
				Manifests []struct {
					Digest    string
					Referrers []struct {
						Digest, ArtifactType string
						Size                 int64
					}
				}
			}
			out := mt(t, "--plain-http", "inspect", "--referrers", "--output", "json", r.Host+"/"+name).okOut(t)
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatal(err)
			}
			if len(v.Manifests) != 1 || len(v.Manifests[0].Referrers) != 1 || v.Manifests[0].Referrers[0].Digest != sbom.Digest || v.Manifests[0].Referrers[0].Size != int64(len(sbom.Data)) {
				t.Errorf("referrers %+v", v.Manifests)
			}
			text := mt(t, "--plain-http", "inspect", "--referrers", r.Host+"/"+name).okOut(t)
			if !strings.Contains(text, "Referrers: 1") || !strings.Contains(text, sbom.Digest) {
				t.Errorf("text:\n%s", text)
			}
			if plain := mt(t, "--plain-http", "inspect", r.Host+"/"+name).okOut(t); strings.Contains(plain, "Referrers") {
				t.Errorf("without --referrers:\n%s", plain)
			}
		})
	}
}

// --append --referrers brings an appended member's referrers too, and the
// JSON result names them under the member.
func TestAppendReferrers(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t)
	img := seed(t, r, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom := pushSBOM(t, r, "builds", img)
	out := mt(t, "--plain-http", "push", "--type", "oci", "--output", "json", "from-args", "--append", "--settle", "10ms", "--referrers",
		"--member", r.Host+"/builds@"+img.Manifest.Digest, "--target", r.Host+"/app:1").out(t)
	var res struct {
		Manifests []struct {
			Digest    string
			Referrers []struct{ Digest, How string }
		}
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Manifests) != 1 || len(res.Manifests[0].Referrers) != 1 || res.Manifests[0].Referrers[0].Digest != sbom.Digest {
		t.Errorf("result %+v", res.Manifests)
	}
}

// A source whose referrers API answers garbage is not taken for one
// without referrers: push and inspect warn, naming the member and the API, and
// goes on; with --referrers=required it is an error, exit 1, and no index.
func TestPushReferrersGarbageAPI(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"cut":       `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":17}`,
		"not-index": `{"schemaVersion":2,"mediaType":"text/html","manifests":[]}`,
		"bad-entry": `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../etc","size":2}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := regtest.NewGGCR(t)
			imgs := seed(t, r, "builds", "1", false, linuxAMD64, linuxARM64)
			img := imgs["1-linux-amd64"]
			host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
				if strings.Contains(req.URL.Path, "/referrers/") {
					w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
					_, _ = io.WriteString(w, body)
					return true
				}
				return false
			})
			args := []string{"--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8", "--template", host + "/builds:1-OS-ARCHVARIANT"}
			// one at a time, so that the second member's query is one
			// regclient no longer sends
			res := mt(t, append([]string{"--concurrency", "1"}, append(args, "--referrers", "--target", host+"/app:1")...)...)
			res.ok(t)
			member := "--platforms \"linux/amd64\": " + host + "/builds@" + img.Manifest.Digest + ": listing its referrers: the referrers API of " + host
			if !strings.Contains(res.stderr, "warning: "+member) || !strings.Contains(res.stderr, "--referrers=required makes this an error") {
				t.Errorf("no warning naming the member and the API:\n%s", res.stderr)
			}
			// each member of the repository is warned about, also one whose
			// query regclient no longer sends
			if arm := "warning: --platforms \"linux/arm64/v8\": " + host + "/builds@" + imgs["1-linux-arm64v8"].Manifest.Digest + ": listing its referrers: the referrers API of " + host; !strings.Contains(res.stderr, arm) {
				t.Errorf("no warning for the second member:\n%s", res.stderr)
			}
			res = mt(t, append(args, "--referrers=required", "--target", host+"/app:2")...)
			if lines := errorLines(res.stderr); res.code != 1 || len(lines) != 2 || !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "error: "+member) }) {
				t.Errorf("exit %d, error lines %q, want one per member", res.code, lines)
			}
			if _, err := r.GetManifest("app", "2"); err == nil {
				t.Error("the index was pushed although the referrers could not be listed")
			}
			res = mt(t, "--plain-http", "inspect", "--referrers", host+"/builds:1-linux-amd64")
			if res.code != 0 || !strings.Contains(res.stderr, "warning: listing the referrers of "+host+"/builds@"+img.Manifest.Digest+": the referrers API of "+host+" answered") {
				t.Errorf("inspect --referrers: exit %d, no warning:\n%s", res.code, res.stderr)
			}
		})
	}
}
