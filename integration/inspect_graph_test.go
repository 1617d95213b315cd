package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// requestCounter counts the requests a hostile registry gets, by path.
type requestCounter struct {
	mu sync.Mutex
	by map[string]int
}

// serving answers with body, of media type mediaType, counting the request.
func (c *requestCounter) serving(mediaType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if c.by == nil {
			c.by = map[string]int{}
		}
		c.by[r.URL.Path]++
		c.mu.Unlock()
		w.Header().Set("Content-Type", mediaType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}
}

// counts returns the requests counted: in all, and the paths asked more
// than once.
func (c *requestCounter) counts() (total int, repeated []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, n := range c.by {
		total += n
		if n > 1 {
			repeated = append(repeated, fmt.Sprintf("%s (%d times)", p, n))
		}
	}
	return total, repeated
}

const (
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
)

// graph is what indexGraph serves.
type graph struct {
	*hostileRegistry
	count   *requestCounter
	image   string   // the digest of the image the last index names
	indexes []string // the digests of the indexes, app:1's first
}

// indexGraph serves on a hostile registry, as app:1, a graph of n
// indexes of width entries each, every entry of index k naming index k+1
// and every entry of the last naming one image (linux/amd64):
// width^(n-1) paths to the last index, each index about 1.3 KB for a
// width of 8.
func indexGraph(t *testing.T, n, width int) graph {
	t.Helper()
	g := graph{count: &requestCounter{}}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	image, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": ociManifest,
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": regtest.Digest(config)},
		"layers": []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 32, "digest": regtest.Digest([]byte("layer"))}},
	})
	g.image = regtest.Digest(image)
	bodies := map[string][]byte{}
	child := map[string]any{"mediaType": ociManifest, "digest": g.image, "size": len(image), "platform": map[string]string{"os": "linux", "architecture": "amd64"}}
	var top []byte
	for k := n; k >= 1; k-- {
		entries := make([]any, width)
		for i := range entries {
			entries[i] = child
		}
		top, _ = json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": entries})
		d := regtest.Digest(top)
		bodies[d] = top
		g.indexes = append([]string{d}, g.indexes...)
		child = map[string]any{"mediaType": ociIndex, "digest": d, "size": len(top)}
	}
	g.hostileRegistry = newHostile(t, g.count.serving(ociIndex, top))
	for d, body := range bodies {
		g.route("/v2/app/manifests/"+d, g.count.serving(ociIndex, body))
	}
	g.route("/v2/app/manifests/"+g.image, g.count.serving(ociManifest, image))
	g.route("/v2/app/blobs/"+regtest.Digest(config), g.count.serving("application/octet-stream", config))
	return g
}

// A graph of indexes, eight of about 1.3 KB where each of the 8 entries of
// index k names index k+1 (8^7 paths), is walked by inspect and platforms
// in bounded memory: each manifest is asked for once and shown in full
// once, and every other entry that names it says where it is shown; the
// output's lines are bounded by the entries of the distinct indexes, not
// by the paths. Seven indexes end with exit 0; eight put the image 9
// manifests deep, past the bound on nesting, which inspect says (exit 1).
// The memory, time and lines measured are logged.
func TestInspectIndexGraph(t *testing.T) {
	t.Parallel()
	const rssBound = 100 << 10 // KiB
	for _, n := range []int{7, 8} {
		t.Run(fmt.Sprintf("%d indexes", n), func(t *testing.T) {
			t.Parallel()
			for _, cmd := range [][]string{{"inspect"}, {"inspect", "-o", "json"}, {"platforms"}, {"platforms", "-o", "json"}} {
				g := indexGraph(t, n, 8)
				ref := g.Host + "/app:1"
				res := mtMeasured(t, nil, "", append(append([]string{"--plain-http", "--timeout", "2m"}, cmd...), ref)...)
				lines := strings.Count(res.stdout, "\n")
				t.Logf("measured: a graph of %d indexes, %s: exit %d, max RSS %d KiB (%.1f MiB), %s, %d lines", n, strings.Join(cmd, " "), res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), lines)
				if res.maxRSS > rssBound {
					t.Errorf("%s: max RSS %d KiB, over %d KiB", cmd, res.maxRSS, rssBound)
				}
				// the 8n entries of the distinct indexes, at most 12 lines
				// each, and the top's few
				if max := 12 * (8*n + 2); lines > max {
					t.Errorf("%s: %d lines, over %d", cmd, lines, max)
				}
				total, repeated := g.count.counts()
				want := n + 1 // the indexes, and the image once
				if cmd[0] == "platforms" || n == 8 {
					want = n // platforms needs no image; 8 indexes put it past the nesting bound
				}
				if total != want || len(repeated) > 0 {
					t.Errorf("%s: %d requests, want %d, one per manifest; asked more than once: %q", cmd, total, want, repeated)
				}
				if n == 8 && cmd[0] == "inspect" {
					res.fails(t, 1, "error: "+ref+": 8 entries could not be read, the first "+g.image+": not read: nested more than 8 indexes deep")
				} else {
					res.fails(t, 0)
				}
				if res.code <= 1 && res.stdout != "" {
					checkGraphOutput(t, g, cmd, res.stdout, n)
				}
			}
		})
	}
}

// checkGraphOutput checks what inspect or platforms printed for a graph
// of n indexes of 8 entries: each index below the top is shown in full
// once, at the first entry of the index above, and the 7 other entries
// naming it say so; the image likewise, unless it is too deep.
func checkGraphOutput(t *testing.T, g graph, cmd []string, out string, n int) {
	t.Helper()
	switch strings.Join(cmd, " ") {
	case "inspect":
		refs, label := 0, ""
		for k := 1; k <= n; k++ {
			label += ".1"
			want := "Same manifest as [" + label[1:] + "], shown there"
			if k == n && n == 8 { // the image is not read
				continue
			}
			if got := strings.Count(out, want+"\n"); got != 7 {
				t.Errorf("inspect: %q %d times, want 7", want, got)
			}
			refs += 7
		}
		if got := strings.Count(out, "Same manifest as"); got != refs {
			t.Errorf("inspect: %d entries refer to another, want %d:\n%s", got, refs, out)
		}
	case "inspect -o json":
		var v struct {
			Manifests []graphEntry
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("inspect -o json: %v", err)
		}
		entries, label := v.Manifests, ""
		for k := 1; k <= n; k++ {
			label += ".1"
			if len(entries) != 8 {
				t.Fatalf("inspect -o json: %d entries at [%s], want 8", len(entries), label[1:])
			}
			for i, e := range entries[1:] {
				if want := label[1:]; (k < n || n == 7) && (e.ShownAt != want || len(e.Manifests) != 0 || len(e.Layers) != 0) {
					t.Errorf("inspect -o json: entry %d of [%s]: shownAt %q with %d entries and %d layers; want shownAt %q and nothing nested", i+2, label[1:], e.ShownAt, len(e.Manifests), len(e.Layers), want)
				}
			}
			if k == n && n == 7 && len(entries[0].Layers) != 1 {
				t.Errorf("inspect -o json: the image at [%s] is not shown in full: %+v", label[1:], entries[0])
			}
			entries = entries[0].Manifests
		}
	case "platforms":
		if !strings.Contains(out, "Platforms (8):\n"+strings.Repeat("  linux/amd64\n", 8)) {
			t.Errorf("platforms: want the image's platform for each of the last index's 8 entries:\n%s", out)
		}
	case "platforms -o json":
		var v struct{ Platforms []string }
		if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Platforms) != 8 {
			t.Errorf("platforms -o json: %d platforms (%v), want the 8 of the last index", len(v.Platforms), err)
		}
	}
}

// graphEntry is an entry of inspect's JSON, as far as the graph's test
// reads it.
type graphEntry struct {
	Digest    string
	ShownAt   string
	Layers    []any
	Manifests []graphEntry
}

// wideIndex is an OCI index of n entries, each an image manifest of a
// digest of its own (none of them served), of platform linux/amd64.
func wideIndex(n int, salt string) []byte {
	entries := make([]any, n)
	for i := range entries {
		entries[i] = map[string]any{"mediaType": ociManifest, "digest": regtest.Digest([]byte(fmt.Sprint(salt, i))), "size": 500,
			"platform": map[string]string{"os": "linux", "architecture": "amd64"}}
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": entries})
	return b
}

// The index entries inspect and platforms walk are bounded in all, each
// distinct index counted once: past the bound, one line naming it and
// how to raise it, exit 1. Six indexes of 20,000 entries each (4 MB
// apiece, under the manifest limit; 24 MB in all, with the bound on bytes
// raised past it) pass the default of 100,000, and the
// run stops there, before reading their entries, in bounded memory;
// --max-entries and MANIFEST_TOOL_MAX_ENTRIES set the bound, and an index
// of 20,000 entries is within the default.
func TestInspectEntriesLimit(t *testing.T) {
	t.Parallel()
	g := indexGraph(t, 3, 8) // 24 entries in 3 distinct indexes
	ref := g.Host + "/app:1"
	over := func(n int) string {
		return fmt.Sprintf("error: reading %s: its indexes list more than %d entries in all (raise it with --max-entries or MANIFEST_TOOL_MAX_ENTRIES)", ref, n)
	}
	mt(t, "--plain-http", "inspect", "--max-entries", "23", ref).fails(t, 1, over(23))
	mtEnv(t, []string{"MANIFEST_TOOL_MAX_ENTRIES=23"}, "", "--plain-http", "platforms", ref).fails(t, 1, over(23))
	mt(t, "--plain-http", "inspect", ref, "--max-entries", "24").ok0(t)
	mt(t, "--plain-http", "platforms", "--max-entries", "0", ref).fails(t, 2, "error: --max-entries 0: want a number above 0")

	var top []any
	var wide [][]byte
	for i := range 6 {
		b := wideIndex(20_000, fmt.Sprint("wide", i))
		if len(b) > 4<<20 {
			t.Fatalf("an index of %d bytes, over the manifest limit", len(b))
		}
		wide = append(wide, b)
		top = append(top, map[string]any{"mediaType": ociIndex, "digest": regtest.Digest(b), "size": len(b)})
	}
	body, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": top})
	count := &requestCounter{}
	h := newHostile(t, count.serving(ociIndex, body))
	for _, b := range wide {
		h.route("/v2/app/manifests/"+regtest.Digest(b), count.serving(ociIndex, b))
	}
	ref = h.Host + "/app:1"
	for _, cmd := range []string{"inspect", "platforms"} {
		// 24 MB of indexes: past the bound on bytes too, raised here
		res := mtMeasured(t, nil, "", "--plain-http", cmd, "--max-walk-size", "64MiB", ref)
		res.fails(t, 1, over(100_000))
		t.Logf("measured: 6 indexes of 20,000 entries, %s: exit %d, max RSS %d KiB (%.1f MiB), %s", cmd, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond))
		if res.maxRSS > 200<<10 {
			t.Errorf("%s: max RSS %d KiB, over 200 MiB", cmd, res.maxRSS)
		}
	}
	if total, repeated := count.counts(); total != 2*7 || len(repeated) != 7 {
		t.Errorf("%d requests for two runs, want 14: the 7 indexes each once a run (%q)", total, repeated)
	}

	h = newHostile(t, (&requestCounter{}).serving(ociIndex, wideIndex(20_000, "20k")))
	out := mt(t, "--plain-http", "platforms", h.Host+"/app:1").okOut(t)
	if !strings.Contains(out, "Platforms (20000):\n") {
		t.Errorf("platforms of an index of 20,000 entries: %.200s", out)
	}
}

// fatIndexes serves, as app:1, an index of n entries, each a distinct
// index of about size bytes that lists one image (not served) and pads
// the rest with an annotation: n manifests of size bytes, n entries.
func fatIndexes(t *testing.T, n, size int) *hostileRegistry {
	t.Helper()
	pad := strings.Repeat("x", size-400)
	var entries []any
	bodies := map[string][]byte{}
	for i := range n {
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex,
			"manifests":   []any{map[string]any{"mediaType": ociManifest, "digest": regtest.Digest([]byte(fmt.Sprint("fat", i))), "size": 500, "platform": map[string]string{"os": "linux", "architecture": "amd64"}}},
			"annotations": map[string]string{"i": strconv.Itoa(i), "pad": pad}})
		bodies[regtest.Digest(b)] = b
		entries = append(entries, map[string]any{"mediaType": ociIndex, "digest": regtest.Digest(b), "size": len(b)})
	}
	top, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": entries})
	h := newHostile(t, (&requestCounter{}).serving(ociIndex, top))
	for d, b := range bodies {
		h.route("/v2/app/manifests/"+d, (&requestCounter{}).serving(ociIndex, b))
	}
	return h
}

// layeredImages serves, as app:1, an index of n entries, each a distinct
// image manifest of the given number of layers (26,000 make 4 MB), and
// their config (linux/amd64), not their layers.
func layeredImages(t *testing.T, n, layers int) *hostileRegistry {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	list := make([]any, layers)
	for j := range list {
		list[j] = map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 32, "digest": fmt.Sprintf("sha256:%064x", j)}
	}
	var entries []any
	bodies := map[string][]byte{}
	for i := range n {
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociManifest,
			"config":      map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": regtest.Digest(config)},
			"layers":      list,
			"annotations": map[string]string{"i": strconv.Itoa(i)}})
		bodies[regtest.Digest(b)] = b
		entries = append(entries, map[string]any{"mediaType": ociManifest, "digest": regtest.Digest(b), "size": len(b), "platform": map[string]string{"os": "linux", "architecture": "amd64"}})
	}
	top, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": entries})
	h := newHostile(t, (&requestCounter{}).serving(ociIndex, top))
	for d, b := range bodies {
		h.route("/v2/app/manifests/"+d, (&requestCounter{}).serving(ociManifest, b))
	}
	h.serveBlob(config)
	return h
}

// The manifests inspect and platforms read below an index are bounded in
// bytes, in all, not only in entries: 60 distinct indexes of 2 MB with one
// entry each (60 entries), or 40 distinct images of 26,000 layers (4 MB
// each), each under the manifest limit, end past the default of 16 MiB
// with one line naming the bound and how to raise it, exit 1, in bounded
// memory (before: exit 0 and memory that grows with their count, 200 MiB
// for 30 such indexes, 1.3 GB for the 40 images); --max-walk-size and
// MANIFEST_TOOL_MAX_WALK_SIZE set it. What the images cost at the most is
// the reads in flight when the bound is passed, --concurrency (16) of
// them, each a manifest of up to --max-manifest-size parsed: about 350 MiB
// for these, whatever their count. The memory and time measured are
// logged and held.
func TestInspectWalkSize(t *testing.T) {
	t.Parallel()
	over := func(ref, limit string) string {
		return fmt.Sprintf("error: reading %s: the manifests below it are more than %s in all (raise it with --max-walk-size or MANIFEST_TOOL_MAX_WALK_SIZE)", ref, limit)
	}
	for _, tc := range []struct {
		name     string
		h        *hostileRegistry
		cmds     [][]string
		rssBound int64 // KiB
	}{
		{"60 indexes of 2 MB", fatIndexes(t, 60, 2<<20), [][]string{{"platforms"}, {"inspect", "-o", "json"}}, 200 << 10},
		{"40 images of 26,000 layers", layeredImages(t, 40, 26_000), [][]string{{"inspect"}, {"inspect", "-o", "json"}}, 400 << 10},
	} {
		ref := tc.h.Host + "/app:1"
		for _, cmd := range tc.cmds {
			res := mtMeasured(t, nil, "", append(append([]string{"--plain-http", "--timeout", "2m"}, cmd...), ref)...)
			t.Logf("measured: %s, %s: exit %d, max RSS %d KiB (%.1f MiB), %s, %d lines", tc.name, strings.Join(cmd, " "), res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), strings.Count(res.stdout, "\n"))
			res.fails(t, 1, over(ref, "16MiB"))
			if res.maxRSS > tc.rssBound {
				t.Errorf("%s, %s: max RSS %d KiB, over %d KiB", tc.name, cmd, res.maxRSS, tc.rssBound)
			}
		}
	}
	h := fatIndexes(t, 3, 1<<20)
	ref := h.Host + "/app:1"
	mt(t, "--plain-http", "platforms", "--max-walk-size", "2MiB", ref).fails(t, 1, over(ref, "2MiB"))
	mtEnv(t, []string{"MANIFEST_TOOL_MAX_WALK_SIZE=2MiB"}, "", "--plain-http", "inspect", ref).fails(t, 1, over(ref, "2MiB"))
	mt(t, "--plain-http", "platforms", ref, "--max-walk-size", "4MiB").ok0(t)
	mt(t, "--plain-http", "platforms", "--max-walk-size", "0", ref).fails(t, 2, `error: --max-walk-size "0": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`)
}
