package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestManyTargetsManyMembers: a spec of 1.3 MB within every default
// limit (10,000 members, 64 targets) makes a result of 640,000 member
// lines; the run holds the README's bound for specs (300 MiB) with text
// and with JSON (about 210 and 260 MiB), where JSON took 1.2 GiB: the
// JSON of all the targets (280 MB) was built whole, then copied, before
// it was printed, and each target had strings of its own for every
// member. The JSON printed is still one document, with every target.
func TestManyTargetsManyMembers(t *testing.T) {
	t.Parallel()
	const members, targets = 10_000, 64
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	cfg := h.serveBlob([]byte(`{"architecture":"amd64","os":"linux"}`))
	var spec strings.Builder
	fmt.Fprintf(&spec, "image: %s/out:1\ntargets:\n", h.Host)
	for i := range targets - 1 {
		fmt.Fprintf(&spec, "  - %s/out%d:1\n", h.Host, i)
	}
	spec.WriteString("manifests:\n")
	for i := range members {
		m := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":37},"layers":[],"annotations":{"n":"%d"}}`, cfg, i)
		h.route(fmt.Sprintf("/v2/app/manifests/m%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Content-Length", fmt.Sprint(len(m)))
			if r.Method != http.MethodHead {
				w.Write([]byte(m))
			}
		})
		fmt.Fprintf(&spec, "  - image: %s/app:m%d\n    platform: {os: linux, architecture: amd64, variant: v%d}\n", h.Host, i, i)
	}
	file := writeFile(t, "release.yaml", spec.String())
	for _, o := range []string{"text", "json"} {
		res := mtMeasured(t, nil, "", "--plain-http", "--timeout", "5m", "push", "--dry-run", "-o", o, "--allow-unknown-platform", "from-spec", file)
		t.Logf("measured: %d members, %d targets, push --dry-run -o %s: exit %d, max RSS %d KiB (%.1f MiB), %s, %d bytes out",
			members, targets, o, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), len(res.stdout))
		if res.code != 0 {
			t.Fatalf("-o %s: exit %d:\n%.2000s", o, res.code, res.stderr)
		}
		if res.maxRSS > 300<<10 {
			t.Errorf("-o %s: max RSS %d KiB, over 300 MiB", o, res.maxRSS)
		}
		if o == "text" {
			continue
		}
		var p targetsJSON
		if err := json.Unmarshal([]byte(res.stdout), &p); err != nil || len(p.Targets) != targets {
			t.Fatalf("the JSON: %v, %d targets", err, len(p.Targets))
		}
	}
}
