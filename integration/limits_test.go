package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trickled answers with the headers of a manifest of n bytes at once,
// then its body a byte every gap, until the client goes away.
func trickled(n int, gap time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		rc.Flush()
		for range n {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			rc.Flush()
		}
	}
}

// A registry that sends a manifest's headers at once, then its body a
// byte a second, each soon enough for the idle limit: the time one
// request may take (2 minutes) ends it, with one line naming the
// request, not retried; --timeout ends it sooner, naming the request too.
func TestTrickledManifest(t *testing.T) {
	t.Parallel()
	h := newHostile(t, trickled(1000, time.Second))
	ref := h.Host + "/app:1"
	res := mtMeasured(t, nil, "", "--plain-http", "inspect", ref)
	res.fails(t, 1, "error: reading "+ref+": GET "+h.Host+"/v2/app/manifests/1: the answer's body took longer than 2m0s")
	t.Logf("measured: a manifest trickled a byte a second, inspect: max RSS %d KiB (%.1f MiB), %s", res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
	if res.elapsed > 3*time.Minute { // a bound on ending at all, not a speed
		t.Errorf("ended after %s, well past the request's 2 minutes", res.elapsed)
	}
	if n := h.requests(); n != 1 {
		t.Errorf("the manifest was asked %d times, want once (the request's time is spent)", n)
	}
	mt(t, "--plain-http", "--timeout", "2s", "inspect", ref).fails(t, 1,
		"error: reading "+ref+": timed out (--timeout 2s) during GET "+h.Host+"/v2/app/manifests/1")
}

// paddedManifest is an OCI image manifest of size bytes or a few more
// (an annotation pads it), with the config it names.
func paddedManifest(size int, config string, configSize int) []byte {
	b, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": configSize, "digest": config},
		"layers":        []any{},
		"annotations":   map[string]string{"pad": strings.Repeat("x", size)},
	})
	return b
}

// A manifest of 5 MiB is refused, before its body is read, by inspect
// and push alike, in one line naming the request, the limit and the flag;
// --max-manifest-size or its variable raised to 6MiB takes it.
func TestManifestSizeFlag(t *testing.T) {
	t.Parallel()
	var body []byte
	h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	config := []byte(`{"architecture":"s390x","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	body = paddedManifest(5<<20, h.serveBlob(config), len(config))
	ref := h.Host + "/app:1"
	refused := fmt.Sprintf("GET %s/v2/app/manifests/1: the manifest is %d bytes, over the limit of 4MiB (raise it with --max-manifest-size)", h.Host, len(body))
	mt(t, "--plain-http", "platforms", ref).fails(t, 1, "error: reading "+ref+": "+refused)
	spec := writeFile(t, "release.yaml", "image: "+reg.Host+"/limits/app:1\nmanifests:\n  - image: "+ref+"\n")
	mt(t, "--plain-http", "push", "from-spec", spec).fails(t, 1, "error: "+spec+":3: manifests[0]: resolving "+ref+": "+refused)
	for _, run := range [][]string{{"--max-manifest-size", "6MiB"}, {"--max-manifest-size=6000000B"}, {}} {
		var env []string
		if len(run) == 0 {
			env = []string{"MANIFEST_TOOL_MAX_MANIFEST_SIZE=6MiB"}
		}
		out := mtEnv(t, env, "", append(run, "--plain-http", "platforms", ref)...).okOut(t)
		if !strings.Contains(out, "linux/s390x") {
			t.Errorf("%v %v: platforms printed %q, want linux/s390x", env, run, out)
		}
	}
}
