package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// referrerRegistry is a registry on loopback, over plain HTTP, that
// holds an image src:1 and takes pushes into any repository, and whose
// referrers API makes up fresh referrers for any manifest asked about:
// each query for a digest answers an index of fresh(digest) new
// artifacts whose subject it is, each of them served afterwards. It
// counts the referrers queries, by digest.
type referrerRegistry struct {
	Host  string
	image string // the digest of src:1

	mu        sync.Mutex
	manifests map[string][]byte // "repo@digest" or "repo:tag" -> body
	blobs     map[string][]byte // digest -> content, in every repository
	queries   map[string]int    // digest -> referrers queries for it
	made      int               // referrers made up so far
	fresh     func(subject string) int
	paged     bool     // each answer links to a next page, without end
	tags      []string // the tags of src, besides 1
}

func newReferrerRegistry(t *testing.T, fresh func(subject string) int) *referrerRegistry {
	t.Helper()
	r := &referrerRegistry{manifests: map[string][]byte{}, blobs: map[string][]byte{}, queries: map[string]int{}, fresh: fresh}
	img := regtest.NewImage(linuxAMD64, false)
	for _, b := range append(img.Blobs(), emptyConfig, payload) {
		r.blobs[b.Digest] = b.Data
	}
	r.manifests["src:1"] = img.Manifest.Data
	r.manifests["src@"+img.Manifest.Digest] = img.Manifest.Data
	r.image = img.Manifest.Digest
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Host = ln.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(r.serve)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r
}

var (
	emptyConfig = regtest.Blob{Descriptor: regtest.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: regtest.Digest([]byte("{}")), Size: 2}, Data: []byte("{}")}
	payload     = regtest.Blob{Descriptor: regtest.Descriptor{MediaType: "application/vnd.example.signature", Digest: regtest.Digest([]byte("signed")), Size: 6}, Data: []byte("signed")}
)

// put stores a manifest under repo, by digest and by tag when one is
// given, and returns its digest.
func (r *referrerRegistry) put(repo, tag string, body []byte) string {
	d := regtest.Digest(body)
	r.manifests[repo+"@"+d] = body
	if tag != "" {
		r.manifests[repo+":"+tag] = body
	}
	return d
}

func (r *referrerRegistry) serve(w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	if p == "/v2/" || p == "/v2" {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Write([]byte("{}"))
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	for _, kind := range []string{"/manifests/", "/blobs/uploads/", "/blobs/", "/referrers/", "/tags/list"} {
		repo, what, found := strings.Cut(rest, kind)
		if !found {
			continue
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch kind {
		case "/manifests/":
			r.manifest(w, req, repo, what)
		case "/blobs/uploads/":
			// every blob asked for is known: a mount is created at once
			d := req.URL.Query().Get("mount")
			if _, ok := r.blobs[d]; !ok || req.Method != http.MethodPost {
				http.Error(w, `{"errors":[{"code":"UNSUPPORTED"}]}`, http.StatusMethodNotAllowed)
				return
			}
			w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d)
			w.Header().Set("Docker-Content-Digest", d)
			w.WriteHeader(http.StatusCreated)
		case "/blobs/":
			b, ok := r.blobs[what]
			if !ok {
				http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Header().Set("Docker-Content-Digest", what)
			if req.Method == http.MethodGet {
				w.Write(b)
			}
		case "/referrers/":
			r.queries[what]++
			r.referrers(w, repo, what)
		case "/tags/list":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"name": repo, "tags": append([]string{"1"}, r.tags...)})
		}
		return
	}
	http.NotFound(w, req)
}

// manifest answers a manifest's GET, HEAD or PUT.
func (r *referrerRegistry) manifest(w http.ResponseWriter, req *http.Request, repo, reference string) {
	key := repo + ":" + reference
	if strings.HasPrefix(reference, "sha256:") {
		key = repo + "@" + reference
	}
	if req.Method == http.MethodPut {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 4<<20))
		tag := ""
		if !strings.HasPrefix(reference, "sha256:") {
			tag = reference
		}
		d := r.put(repo, tag, body)
		var m struct{ Subject *regtest.Descriptor }
		if json.Unmarshal(body, &m) == nil && m.Subject != nil {
			w.Header().Set("OCI-Subject", m.Subject.Digest)
		}
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Location", "/v2/"+repo+"/manifests/"+d)
		w.WriteHeader(http.StatusCreated)
		return
	}
	body, ok := r.manifests[key]
	if !ok {
		http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
		return
	}
	var m struct{ MediaType string }
	_ = json.Unmarshal(body, &m)
	w.Header().Set("Content-Type", m.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Docker-Content-Digest", regtest.Digest(body))
	if req.Method == http.MethodGet {
		w.Write(body)
	}
}

// referrers answers a referrers query for subject in repo with fresh
// artifacts, made up and kept for the GETs that follow.
func (r *referrerRegistry) referrers(w http.ResponseWriter, repo, subject string) {
	sub, ok := r.manifests[repo+"@"+subject]
	if !ok {
		http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
		return
	}
	var entries []any
	for range r.fresh(subject) {
		r.made++
		b, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": regtest.OCIManifest, "artifactType": "application/vnd.example.signature",
			"config": emptyConfig.Descriptor, "layers": []regtest.Descriptor{payload.Descriptor},
			"subject":     regtest.Descriptor{MediaType: regtest.OCIManifest, Digest: subject, Size: int64(len(sub))},
			"annotations": map[string]string{"n": strconv.Itoa(r.made)}})
		d := r.put(repo, "", b)
		entries = append(entries, map[string]any{"mediaType": regtest.OCIManifest, "digest": d, "size": len(b), "artifactType": "application/vnd.example.signature"})
	}
	if r.paged {
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/referrers/%s?page=%d>; rel="next"`, repo, subject, r.queries[subject]))
	}
	w.Header().Set("Content-Type", regtest.OCIIndex)
	json.NewEncoder(w).Encode(map[string]any{"schemaVersion": 2, "mediaType": regtest.OCIIndex, "manifests": entries})
}

// counts returns the referrers queries in all, the most for one digest,
// and the referrers made up.
func (r *referrerRegistry) counts() (queries, most, made int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.queries {
		queries += n
		most = max(most, n)
	}
	return queries, most, r.made
}

// A registry where every manifest has 200 fresh referrers, whose
// referrers have 200 more each, without end: push --referrers copies
// them within the bounds (10,000 listed in all), warns once that the
// bound cut them, and ends in bounded memory; each manifest is asked
// about once. The memory, time and queries measured are logged.
//
// It copies 10,000 referrers, and runs alone (not in parallel): beside
// the rest of the suite on two cores it took over its 2 minutes, where
// alone it takes about 10 s.
func TestReferrersFresh(t *testing.T) {
	r := newReferrerRegistry(t, func(string) int { return 200 })
	res := mtMeasured(t, nil, "", "--plain-http", "--timeout", "2m", "push", "--type", "oci", "--referrers", "from-args",
		"--member", r.Host+"/src:1", "--target", r.Host+"/app:1")
	queries, most, made := r.counts()
	t.Logf("measured: 200 fresh referrers on every manifest, push --referrers: exit %d, max RSS %d KiB (%.1f MiB), %s, %d referrers queries (%d at most for one digest), %d referrers made up",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), queries, most, made)
	res.ok(t)
	if res.maxRSS > 100<<10 {
		t.Errorf("max RSS %d KiB, over 100 MiB", res.maxRSS)
	}
	want := "warning: --member \"" + r.Host + "/src:1\": " + r.Host + "/src@" + r.image + ": listing the referrers of its referrer "
	cut := "more than 10000 referrers (or pages of them) listed in all; the rest are not listed (raise it with --max-referrers-total or MANIFEST_TOOL_MAX_REFERRERS_TOTAL); pushing on without the rest (--referrers=required makes this an error)"
	if n := strings.Count(res.stderr, cut); n != 1 || !strings.Contains(res.stderr, want) {
		t.Errorf("the bound on referrers in all is said %d times, want once, as %q … %q:\n%.2000s", n, want, cut, res.stderr)
	}
	if most != 1 || queries > 10_000/200+1 {
		t.Errorf("%d referrers queries, %d at most for one digest; want each digest asked once, for 10,000 referrers", queries, most)
	}
	// inspect lists one level, within the bounds per manifest and in all
	for _, tc := range []struct {
		flag, cut string
		n         int
	}{
		{"--max-referrers=50", "listing the referrers of " + r.Host + "/src@" + r.image + ": more than 50 referrers (or pages of them) listed; the first 50 are taken (raise it with --max-referrers or MANIFEST_TOOL_MAX_REFERRERS)", 50},
		{"--max-referrers-total=30", "listing the referrers of " + r.Host + "/src:1: more than 30 referrers (or pages of them) listed in all; the rest are not listed (raise it with --max-referrers-total or MANIFEST_TOOL_MAX_REFERRERS_TOTAL)", 30},
	} {
		res := mt(t, "--plain-http", "inspect", "--referrers", "-o", "json", tc.flag, r.Host+"/src:1")
		var v struct {
			Manifests []struct{ Referrers []struct{ Digest string } }
		}
		if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || res.code != 0 || len(v.Manifests) != 1 || len(v.Manifests[0].Referrers) != tc.n {
			t.Errorf("inspect --referrers %s: exit %d, want %d referrers listed (%v)", tc.flag, res.code, tc.n, err)
		}
		if !strings.Contains(res.stderr, "warning: "+tc.cut+"\n") {
			t.Errorf("inspect --referrers %s: no warning %q:\n%s", tc.flag, tc.cut, res.stderr)
		}
	}
	// the bound per manifest, lower than the 200 listed
	r = newReferrerRegistry(t, func(string) int { return 200 })
	res = mtEnv(t, []string{"MANIFEST_TOOL_MAX_REFERRERS=50", "MANIFEST_TOOL_MAX_REFERRERS_TOTAL=120"}, "", "--plain-http", "push", "--type", "oci", "--referrers=required", "from-args",
		"--member", r.Host+"/src:1", "--target", r.Host+"/app:1")
	res.fails(t, 1, "error: --member \""+r.Host+"/src:1\": "+r.Host+"/src@"+r.image+": listing its referrers: more than 50 referrers (or pages of them) listed; the first 50 are taken (raise it with --max-referrers or MANIFEST_TOOL_MAX_REFERRERS)")
	if _, ok := r.manifests["app:1"]; ok {
		t.Error("the index was pushed although --referrers=required and a bound cut the referrers")
	}
}

// A chain of referrers that never ends (each manifest has one, fresh)
// ends at the bound on depth (8): eight copied, a warning, exit 0; with
// --referrers=required an error, exit 1, and no index. inspect --referrers
// asks one level only.
func TestReferrersChain(t *testing.T) {
	t.Parallel()
	r := newReferrerRegistry(t, func(string) int { return 1 })
	args := []string{"--plain-http", "--timeout", "2m", "push", "--type", "oci", "--output", "json", "from-args", "--member", r.Host + "/src:1"}
	res := mtMeasured(t, nil, "", append(args, "--referrers", "--target", r.Host+"/app:1")...)
	queries, most, made := r.counts()
	t.Logf("measured: a chain of referrers without end, push --referrers: exit %d, max RSS %d KiB (%.1f MiB), %s, %d referrers queries (%d at most for one digest), %d referrers made up",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), queries, most, made)
	res.ok0(t)
	cut := "referrers of referrers nested more than 8 deep; the deeper ones are not copied (raise it with --max-referrers-depth or MANIFEST_TOOL_MAX_REFERRERS_DEPTH)"
	if !strings.Contains(res.stderr, "warning: --member \""+r.Host+"/src:1\": "+r.Host+"/src@"+r.image+": copying the referrers of its referrer sha256:") ||
		strings.Count(res.stderr, cut+"; pushing on without the rest") != 1 {
		t.Errorf("no warning of the bound on depth:\n%s", res.stderr)
	}
	if queries != 9 || made != 9 || most != 1 {
		t.Errorf("%d referrers queries, %d referrers made up; want 9 of each: the member and 8 referrers, each asked once", queries, made)
	}
	copied := 0
	for k := range r.manifests {
		if strings.HasPrefix(k, "app@") {
			copied++
		}
	}
	if copied != 1+8+1 { // the member, 8 referrers, the index
		t.Errorf("%d manifests in the target, want 10: the member, 8 referrers and the index", copied)
	}
	r = newReferrerRegistry(t, func(string) int { return 1 })
	args = []string{"--plain-http", "push", "--type", "oci", "from-args", "--member", r.Host + "/src:1"}
	res = mt(t, append(args, "--referrers=required", "--max-referrers-depth", "3", "--target", r.Host+"/app:2")...)
	res.fails(t, 1, "error: --member \""+r.Host+"/src:1\": "+r.Host+"/src@"+r.image+": copying the referrers of its referrer "+r.chain(3)+": "+strings.Replace(cut, "8 deep", "3 deep", 1))
	if _, ok := r.manifests["app:2"]; ok {
		t.Error("the index was pushed although --referrers=required and the bound on depth cut the referrers")
	}
}

// chain is the n-th referrer below the image, in a registry that made up
// one referrer per manifest asked about.
func (r *referrerRegistry) chain(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.image
	for range n {
		for k, body := range r.manifests {
			var m struct{ Subject *regtest.Descriptor }
			if strings.HasPrefix(k, "src@") && json.Unmarshal(body, &m) == nil && m.Subject != nil && m.Subject.Digest == d {
				d = strings.TrimPrefix(k, "src@")
				break
			}
		}
	}
	return d
}

// An index of 1,000 entries, all one image: inspect --referrers asks for
// the image's referrers once, not 1,000 times (and the index's own once),
// and lists them under the first entry; push --referrers with it as a
// member asks once too.
func TestReferrersOneDigest(t *testing.T) {
	t.Parallel()
	var r *referrerRegistry
	r = newReferrerRegistry(t, func(subject string) int { // 2 for the image, none below
		if subject == r.image {
			return 2
		}
		return 0
	})
	entries := make([]regtest.Descriptor, 1000)
	for i := range entries {
		entries[i] = regtest.Descriptor{MediaType: regtest.OCIManifest, Digest: r.image, Size: int64(len(r.manifests["src:1"])),
			Platform: &regtest.Platform{OS: "linux", Architecture: fmt.Sprint("arch", i)}}
	}
	idx := regtest.NewIndex(false, entries...)
	r.mu.Lock()
	r.put("src", "many", idx.Data)
	r.mu.Unlock()
	res := mtMeasured(t, nil, "", "--plain-http", "inspect", "--referrers", "-o", "json", r.Host+"/src:many")
	queries, _, _ := r.counts()
	t.Logf("measured: an index of 1,000 entries of one image, inspect --referrers: exit %d, max RSS %d KiB (%.1f MiB), %s, %d referrers queries",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), queries)
	out := res.okOut(t)
	if queries != 2 {
		t.Errorf("%d referrers queries, want 2: the image's and the index's", queries)
	}
	var v struct {
		Manifests []struct {
			Digest, ShownAt string
			Referrers       []struct{ Digest string }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Manifests) != 1000 || len(v.Manifests[0].Referrers) != 2 || len(v.Manifests[1].Referrers) != 0 || v.Manifests[999].ShownAt != "1" {
		t.Errorf("%d entries; the first with %d referrers, the second %d, the last shown at %q; want 1000, 2, 0, \"1\"",
			len(v.Manifests), len(v.Manifests[0].Referrers), len(v.Manifests[1].Referrers), v.Manifests[999].ShownAt)
	}
	r.mu.Lock()
	r.queries = map[string]int{}
	r.mu.Unlock()
	res = mtMeasured(t, nil, "", "--plain-http", "push", "--type", "oci", "--referrers", "--allow-unknown-platform", "--output", "json", "from-args", "--member", r.Host+"/src:many", "--target", r.Host+"/app:1")
	queries, _, _ = r.counts()
	t.Logf("measured: an index of 1,000 entries of one image, push --referrers: exit %d, max RSS %d KiB (%.1f MiB), %s, %d referrers queries",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), queries)
	res.ok0(t)
	var pushed struct {
		Manifests []struct{ Referrers []struct{ Digest string } }
	}
	if err := json.Unmarshal([]byte(res.stdout), &pushed); err != nil || queries != 3 || len(pushed.Manifests) != 1000 || len(pushed.Manifests[999].Referrers) != 2 {
		t.Errorf("%d referrers queries, want 3: the image, and its 2 referrers for their own; %d members, the last with referrers %v (%v)",
			queries, len(pushed.Manifests), pushed.Manifests[len(pushed.Manifests)-1].Referrers, err)
	}
}

// A referrers API whose pages never end, each listing a fresh referrer:
// the listing is cut after the bound per manifest (referrers or pages),
// with a warning, and the push goes on with the first ones; later
// listings in that repository, which regclient no longer asks the API
// for, are said to be incomplete, once.
func TestReferrersPagesWithoutEnd(t *testing.T) {
	t.Parallel()
	r := newReferrerRegistry(t, func(string) int { return 1 })
	r.paged = true
	res := mtMeasured(t, nil, "", "--plain-http", "--timeout", "2m", "push", "--type", "oci", "--output", "json", "--referrers", "from-args",
		"--member", r.Host+"/src:1", "--target", r.Host+"/app:1", "--max-referrers", "20")
	queries, most, made := r.counts()
	t.Logf("measured: referrers pages without end, push --referrers --max-referrers 20: exit %d, max RSS %d KiB (%.1f MiB), %s, %d referrers requests (%d at most for one digest), %d referrers made up",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), queries, most, made)
	res.ok0(t)
	member := "warning: --member \"" + r.Host + "/src:1\": " + r.Host + "/src@" + r.image + ": listing its referrers: "
	if !strings.Contains(res.stderr, member+"more than 20 referrers (or pages of them) listed; the first 20 are taken (raise it with --max-referrers or MANIFEST_TOOL_MAX_REFERRERS); pushing on without the rest") {
		t.Errorf("no warning of the bound per manifest:\n%.3000s", res.stderr)
	}
	if most > 21 || made > 21+20*21 {
		t.Errorf("%d pages asked for one digest, %d referrers made up: the listing was not cut at 20", most, made)
	}
	var out struct {
		Manifests []struct{ Referrers []struct{ Digest string } }
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || len(out.Manifests) != 1 || len(out.Manifests[0].Referrers) != 20 {
		t.Errorf("want the first 20 referrers copied (%v): %.500s", err, res.stdout)
	}
}

// cosign's tags beside an image (sha256-<hex>.sig and the like) count
// against the bound on referrers in all: past it, the rest are not
// copied, and a warning says so.
func TestReferrersCosignTagsBound(t *testing.T) {
	t.Parallel()
	r := newReferrerRegistry(t, func(string) int { return 0 })
	r.mu.Lock()
	prefix := "sha256-" + strings.TrimPrefix(r.image, "sha256:") + ".sig"
	for i := range 30 {
		sig, blobs := regtest.NewArtifact("application/vnd.dev.cosign.artifact.sig.v1+json", regtest.Descriptor{MediaType: regtest.OCIManifest, Digest: r.image, Size: 1}, []byte(fmt.Sprint("sig", i)))
		for _, b := range blobs {
			r.blobs[b.Digest] = b.Data
		}
		tag := fmt.Sprintf("%s%d", prefix, i)
		r.put("src", tag, sig.Data)
		r.tags = append(r.tags, tag)
	}
	r.mu.Unlock()
	res := mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "--max-referrers-total", "10", "from-args", "--member", r.Host+"/src:1", "--target", r.Host+"/app:1")
	res.ok0(t)
	copied := 0
	r.mu.Lock()
	for k := range r.manifests {
		if strings.HasPrefix(k, "app:"+prefix) {
			copied++
		}
	}
	r.mu.Unlock()
	cut := ": copying its sha256-<hex>.* tags (cosign): more than 10 referrers (or pages of them) listed in all; the rest are not listed (raise it with --max-referrers-total or MANIFEST_TOOL_MAX_REFERRERS_TOTAL); pushing on without them"
	if copied != 10 || !strings.Contains(res.stderr, cut) {
		t.Errorf("%d of 30 cosign tags copied with a bound of 10, want 10 and a warning %q:\n%s", copied, cut, res.stderr)
	}
}

// A registry whose referrers API answers every query with an empty page
// that links to another, without end, for each of 20 members in
// repositories of their own: the pages past each listing's first count
// against the bound on referrers in all, as the referrers do, so that the
// run asks for about that many pages, not the bound per manifest times
// the members (420 pages with --max-referrers 20, and 16,000 a repository
// at the defaults, before). A warning names the bound in all. The memory,
// time and pages asked are logged.
func TestReferrersEmptyPagesCountInAll(t *testing.T) {
	t.Parallel()
	const members, perSubject, total = 20, 20, 100
	img := regtest.NewImage(linuxAMD64, false)
	blobs := map[string][]byte{}
	for _, b := range img.Blobs() {
		blobs[b.Digest] = b.Data
	}
	var pages atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		parts := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/v2/"), "/", 3) // repo, kind, rest
		switch {
		case len(parts) < 3:
			w.Write([]byte("{}"))
		case parts[1] == "manifests":
			w.Header().Set("Content-Type", ociManifest)
			w.Header().Set("Docker-Content-Digest", img.Manifest.Digest)
			w.Header().Set("Content-Length", strconv.Itoa(len(img.Manifest.Data)))
			if req.Method == http.MethodGet {
				w.Write(img.Manifest.Data)
			}
		case parts[1] == "blobs" && blobs[parts[2]] != nil:
			w.Header().Set("Content-Length", strconv.Itoa(len(blobs[parts[2]])))
			if req.Method == http.MethodGet {
				w.Write(blobs[parts[2]])
			}
		case parts[1] == "referrers":
			n := pages.Add(1)
			w.Header().Set("Content-Type", ociIndex)
			w.Header().Set("Link", fmt.Sprintf(`<%s?last=%d>; rel="next"`, req.URL.Path, n))
			w.Write([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`))
		case parts[1] == "tags":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"name":%q,"tags":["1"]}`, parts[0])
		default:
			http.NotFound(w, req)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	host := ln.Addr().String()
	layout := t.TempDir()
	var spec strings.Builder
	for i := range members {
		fmt.Fprintf(&spec, "---\nimage: ocidir://%s:t%d\nmanifests:\n  - image: %s/r%d:1\n", layout, i, host, i)
	}
	res := mtMeasured(t, nil, "", "--plain-http", "--timeout", "2m", "push", "--referrers", "--max-referrers", strconv.Itoa(perSubject), "--max-referrers-total", strconv.Itoa(total),
		"from-spec", writeFile(t, "release.yaml", spec.String()))
	t.Logf("measured: empty referrers pages without end for %d members: exit %d, max RSS %d KiB (%.1f MiB), %s, %d pages asked",
		members, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), pages.Load())
	if res.code != 0 {
		t.Errorf("exit %d, want 0 (warnings)", res.code)
	}
	// the pages counted against the bound, each listing's first, and one
	// in flight for each listing at once (--concurrency 16)
	if got, most := pages.Load(), int64(total+members+16); got > most {
		t.Errorf("%d pages asked, over %d", got, most)
	}
	if !strings.Contains(res.stderr, fmt.Sprintf("more than %d referrers (or pages of them) listed in all", total)) {
		t.Errorf("no warning of the bound in all:\n%.3000s", res.stderr)
	}
	if res.maxRSS > 200<<10 {
		t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
	}
}
