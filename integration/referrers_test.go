package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// push --referrers copies a member's referrers (an SBOM attached with a
// subject) with the member into the target repository, where the
// registry's referrers API lists them; the JSON result names each, with
// how it came.
func TestPushReferrers(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t) // with the OCI 1.1 referrers API
	img := seed(t, r, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
	sbom, blobs := regtest.NewArtifact("application/spdx+json", img.Manifest.Descriptor, []byte(`{"spdxVersion":"SPDX-2.3"}`))
	for _, b := range blobs {
		if err := r.PushBlob("builds", b.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.PutManifest("builds", sbom.Digest, regtest.OCIManifest, sbom.Data); err != nil {
		t.Fatal(err)
	}
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
	resp, err := http.Get("http://" + r.Host + "/v2/app/referrers/" + img.Manifest.Digest)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), sbom.Digest) {
		t.Errorf("the target's referrers API does not list the SBOM: %s", body)
	}
	// without the flag, the member comes alone
	mt(t, append(args, "--target", r.Host+"/plain:1")...).out(t)
	resp, err = http.Get("http://" + r.Host + "/v2/plain/referrers/" + img.Manifest.Digest)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), sbom.Digest) {
		t.Errorf("copied without --referrers: %s", body)
	}
}
