package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// forgedDigest is what a hostile registry puts after a newline, for
// pipelines that read `manifest-tool ... 2>&1 | grep ^Digest:`.
var forgedDigest = "Digest: sha256:" + strings.Repeat("ab", 32) + " 1"

// terminalBad carries what drives a terminal or forges lines: clear the
// screen, bell, carriage return, newline with a forged line after it, a
// C1 CSI, a line separator and a right-to-left override.
var terminalBad = "clear\x1b[2J\x1b[H bell\x07 cr\r lf\n" + forgedDigest + " csi\u009b31m sep\u2028 rlo\u202e end"

// rawControls lists what in out a terminal would act on, or that ends,
// breaks or reorders a line, beside the newlines that end lines: C0
// controls, DEL, C1 controls, the line and paragraph separators, the
// bidirectional controls, bytes that are not UTF-8.
func rawControls(out string) []string {
	var found []string
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			found = append(found, fmt.Sprintf("byte %#x at %d", out[i], i))
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029,
			r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			found = append(found, fmt.Sprintf("%U at %d", r, i))
		}
		i += size
	}
	return found
}

// digestLines are the lines of out that start with "Digest:", as `grep
// ^Digest:` finds them.
func digestLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Digest:") {
			lines = append(lines, l)
		}
	}
	return lines
}

// checkTerminalSafe checks a run's stdout and stderr, as `2>&1` joins
// them: no raw control character anywhere, and no "Digest:" line but the
// ones in want.
func checkTerminalSafe(t *testing.T, what string, res result, want ...string) {
	t.Helper()
	out := res.stdout + res.stderr
	if found := rawControls(out); len(found) > 0 {
		t.Errorf("%s: %d raw control characters written, the first %s", what, len(found), found[0])
	}
	if got := digestLines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: Digest: lines %q, want %q", what, got, want)
	}
}

// serveManifest answers HEAD and GET with body as a manifest of media type
// mt.
func serveManifest(mt string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", mt)
		w.Header().Set("Docker-Content-Digest", regtest.Digest(body))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}
}

// blobOf is data with its descriptor.
func blobOf(mediaType string, data []byte) regtest.Blob {
	return regtest.Blob{Descriptor: regtest.Descriptor{MediaType: mediaType, Digest: regtest.Digest(data), Size: int64(len(data))}, Data: data}
}

// withFields is the JSON object b with fields added.
func withFields(t *testing.T, b []byte, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// What a registry or a layout sends (annotations, platform fields, an
// artifact type, a config's platform) is shown by inspect and platforms
// with every control character escaped: nothing reaches the terminal that
// it acts on, and no line starts with "Digest:" but the real one. The
// memory and time measured are logged and held.
func TestHostileTextEscaped(t *testing.T) {
	t.Parallel()
	hostile := regtest.Platform{OS: "linux\n" + forgedDigest, Architecture: "amd64\r\x1b[1A", Variant: "v8\x07",
		OSVersion: "10.0\x1b[31m", OSFeatures: []string{"f\u2028" + forgedDigest}}
	img := regtest.NewImage(hostile, false)
	image := blobOf(regtest.OCIManifest, withFields(t, img.Manifest.Data, map[string]any{
		"annotations": map[string]string{"org.opencontainers.image.title": terminalBad, "key\x1b]0;title\x07": "v\u202e"}}))
	entry := image.Descriptor
	entry.Platform = &hostile
	entry.Annotations = map[string]string{"org.opencontainers.image.description": terminalBad}
	index := blobOf(regtest.OCIIndex, withFields(t, regtest.NewIndex(false, entry).Data, map[string]any{
		"artifactType": "application/x\x1b[31m", "annotations": map[string]string{"org.opencontainers.image.source": terminalBad}}))

	h := newHostile(t, serveManifest(index.MediaType, index.Data))
	h.route("/v2/app/manifests/"+image.Digest, serveManifest(image.MediaType, image.Data))
	h.route("/v2/app/manifests/img", serveManifest(image.MediaType, image.Data))
	for _, b := range append([]regtest.Blob{img.Config}, img.Layers...) {
		h.serveBlob(b.Data)
	}
	layout := t.TempDir()
	if err := regtest.WriteLayout(layout, "1", index, append([]regtest.Blob{image}, img.Blobs()...)...); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		digest string // of what is shown
	}{
		{"inspect an index", []string{"--plain-http", "inspect", h.Host + "/app:1"}, index.Digest},
		{"platforms of an index", []string{"--plain-http", "platforms", h.Host + "/app:1"}, index.Digest},
		{"inspect an image", []string{"--plain-http", "inspect", h.Host + "/app:img"}, image.Digest},
		{"platforms of an image", []string{"--plain-http", "platforms", h.Host + "/app:img"}, image.Digest},
		{"inspect a layout", []string{"inspect", "ocidir://" + layout + ":1"}, index.Digest},
		{"platforms of a layout", []string{"platforms", "ocidir://" + layout + ":1"}, index.Digest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mtMeasured(t, nil, "", tc.args...)
			t.Logf("measured: %s: exit %d, %d raw control characters, %d Digest: lines, max RSS %d KiB (%.1f MiB), %s",
				tc.name, res.code, len(rawControls(res.stdout+res.stderr)), len(digestLines(res.stdout+res.stderr)),
				res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			if res.code != 0 || res.stderr != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", res.code, res.stderr)
			}
			checkTerminalSafe(t, tc.name, res, "Digest: "+tc.digest)
			// shown, escaped, on one line
			if want := `linux\n` + forgedDigest; !strings.Contains(res.stdout, want) {
				t.Errorf("the config's os is not shown as %q:\n%s", want, res.stdout)
			}
			if res.maxRSS > 200<<10 {
				t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
			}
			if res.elapsed > time.Minute {
				t.Errorf("ended after %s, over a minute", res.elapsed)
			}
		})
	}
	// every field, escaped where it is shown (a long annotation wrapped
	// at its spaces, on lines that start with spaces)
	out := mt(t, "--plain-http", "inspect", h.Host+"/app:1").stdout + mt(t, "--plain-http", "inspect", h.Host+"/app:img").stdout
	for _, want := range []string{
		"\n  os: linux\\n" + forgedDigest + "\n",
		"\n  architecture: amd64\\r\\x1b[1A\n",
		"\n  variant: v8\\x07\n",
		"\n  os.version: 10.0\\x1b[31m\n",
		"\n  os.features: f\\u2028" + forgedDigest + "\n",
		"\nArtifact type: application/x\\x1b[31m\n",
		"\n  key\\x1b]0;title\\x07: v\\u202e\n",
		"\n    clear\\x1b[2J\\x1b[H bell\\x07 cr\\r lf\\nDigest:\n",
		" csi\\u009b31m sep\\u2028 rlo\\u202e end\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect does not show %q:\n%s", want, out)
		}
	}
}

// An error body with control characters in it (a JSON error message, or
// plain text) ends the run in exactly one error line, the body escaped in
// it, in text and in JSON logs; nothing raw reaches stderr.
func TestHostileErrorBodyEscaped(t *testing.T) {
	t.Parallel()
	const message = "denied\x1b[2J\x07\r\nerror: forged line\u2028\u009b2J\u202e"
	const shown = `denied\x1b[2J\x07\r\nerror: forged line\u2028\u009b2J\u202e`
	jsonBody, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": message}}})
	for _, tc := range []struct {
		name, body, want string
	}{
		{"JSON error", string(jsonBody), "400 Bad Request (DENIED: " + shown + ")"},
		{"plain text", "raw\x1b]0;pwned\x07 csi\x9b2J \xff", `400 Bad Request (raw\x1b]0;pwned\x07 csi\x9b2J \xff)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(tc.body))
			})
			ref := h.Host + "/app:1"
			want := "error: reading " + ref + ": " + tc.want
			res := mtMeasured(t, nil, "", "--plain-http", "inspect", ref)
			t.Logf("measured: %s, text: exit %d, %d stderr lines, %d raw control characters, max RSS %d KiB (%.1f MiB), %s",
				tc.name, res.code, strings.Count(res.stderr, "\n"), len(rawControls(res.stdout+res.stderr)), res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			if res.code != 1 || res.stdout != "" || res.stderr != want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and the one line %q", res.code, res.stdout, res.stderr, want)
			}
			checkTerminalSafe(t, tc.name, res)
			if res.maxRSS > 200<<10 {
				t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
			}
			if res.elapsed > time.Minute {
				t.Errorf("ended after %s, over a minute", res.elapsed)
			}

			// a JSON log: one record, which decodes to what was said
			res = mt(t, "--plain-http", "--log-format", "json", "inspect", ref)
			checkTerminalSafe(t, tc.name+", JSON log", res)
			var rec struct{ Level, Msg string }
			if res.code != 1 || strings.Count(res.stderr, "\n") != 1 || json.Unmarshal([]byte(res.stderr), &rec) != nil || rec.Level != "error" ||
				!strings.HasPrefix(rec.Msg, "reading "+ref+": 400 Bad Request (") {
				t.Errorf("exit %d, stderr %q: want one JSON record of the error", res.code, res.stderr)
			}
			if tc.name == "JSON error" && rec.Msg != "reading "+ref+": 400 Bad Request (DENIED: "+message+")" {
				t.Errorf("JSON log message %q, want the registry's words as they were", rec.Msg)
			}
		})
	}
}

// A member whose config declares an os with a newline and a forged
// "Digest:" line after it: whether the push refuses the platform or
// takes it (--allow-unknown-platform), in text or JSON logs, at the
// default level or --debug, stdout and stderr together hold no line
// starting with "Digest:" but the real one, and no raw control character.
func TestForgedDigestLine(t *testing.T) {
	t.Parallel()
	img := regtest.NewImage(regtest.Platform{OS: "linux\n" + forgedDigest, Architecture: "amd64"}, false)
	h := newHostile(t, serveManifest(img.Manifest.MediaType, img.Manifest.Data))
	h.route("/v2/app/manifests/"+img.Manifest.Digest, serveManifest(img.Manifest.MediaType, img.Manifest.Data))
	for _, b := range img.Blobs() {
		h.serveBlob(b.Data)
	}
	r := regtest.New(t)
	for i, flags := range [][]string{nil, {"--debug"}, {"--log-format", "json"}, {"--debug", "--log-format", "json"}} {
		for _, allow := range []bool{false, true} {
			name := strings.Join(append([]string{"push"}, flags...), " ")
			args := append([]string{"--plain-http"}, flags...)
			args = append(args, "push", "--type", "oci", "from-args", "--member", h.Host+"/app:1", "--target", fmt.Sprintf("%s/forged/app:%d", r.Host, i))
			if allow {
				name += " --allow-unknown-platform"
				args = append(args, "--allow-unknown-platform")
			}
			res := mtMeasured(t, nil, "", args...)
			t.Logf("measured: %s: exit %d, Digest: lines %q, %d raw control characters, max RSS %d KiB (%.1f MiB), %s", name, res.code,
				digestLines(res.stdout+res.stderr), len(rawControls(res.stdout+res.stderr)), res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
			if res.maxRSS > 200<<10 {
				t.Errorf("%s: max RSS %d KiB, over 200 MiB", name, res.maxRSS)
			}
			if res.elapsed > time.Minute {
				t.Errorf("%s: ended after %s, over a minute", name, res.elapsed)
			}
			if !allow {
				if res.code != 2 {
					t.Errorf("%s: exit %d, want 2 (unknown os)", name, res.code)
				}
				checkTerminalSafe(t, name, res)
				continue
			}
			if res.code != 0 {
				t.Errorf("%s: exit %d, want 0", name, res.code)
				continue
			}
			m, err := r.GetManifest("forged/app", strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			checkTerminalSafe(t, name, res, fmt.Sprintf("Digest: %s %d", regtest.Digest(m.Body), len(m.Body)))
		}
	}
}
