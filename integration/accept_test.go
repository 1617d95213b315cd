package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Registries that answer a write with another success status than the
// spec's, or a manifest HEAD without a manifest media type, still work:
// push, a re-push with --append, and probe, end to end. Each test logs the
// requests the proxy saw.

// acceptPush pushes an index of two members of src/app into app:1 and
// app:latest through host, appends a third with --append, then pushes the
// first again, which reads both tags first (a HEAD each) and points them
// back at the first index; it returns that index's digest.
func acceptPush(t *testing.T, r *regtest.Registry, host string) string {
	t.Helper()
	seed(t, r, "src/app", "1", false, linuxAMD64, linuxARM64, linuxARMv7)
	member := func(p string) string { return host + "/src/app:1-linux-" + p }
	first := []string{"--plain-http", "push", "--type", "oci", "from-args", "--target", host + "/app:1", "--tags", "latest",
		"--member", member("amd64"), "--member", member("arm64v8")}
	digest, _ := mt(t, first...).ok(t)
	appended, _ := mt(t, "--plain-http", "push", "from-args", "--append", "--target", host+"/app:1", "--member", member("armv7")).ok(t)
	if _, idx, err := r.GetIndex("app", "1"); err != nil || len(idx.Manifests) != 3 {
		t.Errorf("after --append (%s) the registry holds %+v (%v), want 3 entries", appended, idx, err)
	}
	if again, _ := mt(t, first...).ok(t); again != digest {
		t.Errorf("pushed again: %s, want %s", again, digest)
	}
	for _, tag := range []string{"1", "latest"} {
		if m, err := r.GetManifest("app", tag); err != nil || m.Digest != digest {
			t.Errorf("app:%s holds %s (%v), want %s", tag, m.Digest, err, digest)
		}
	}
	return digest
}

// probeRow returns the status and detail of one of probe's rows.
func probeRow(p probeJSON, name string) (string, string) {
	for _, c := range p.Checks {
		if c.Name == name {
			return c.Status, c.Detail
		}
	}
	return "", ""
}

func TestAcceptManifestPut2xx(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusAccepted} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.ManifestPutAnswers(r, status)})
			acceptPush(t, r, p.Host)
			t.Logf("requests of push and --append: %s", regtest.Describe(p.Counts()))
			rep, _ := probe(t, 0, "--plain-http", p.Host)
			t.Logf("requests of probe: %s", regtest.Describe(p.Counts()))
			want := fmt.Sprintf("works, answers %d %s where the spec says 201 Created", status, http.StatusText(status))
			for _, check := range []string{"docker-manifest-list", "oci-index"} {
				if st, detail := probeRow(rep, check); st != "supported" || !strings.Contains(detail, want) {
					t.Errorf("%s: %s %q, want supported, saying %q", check, st, detail, want)
				}
			}
			if len(rep.Leftovers) != 0 {
				t.Errorf("leftovers %+v", rep.Leftovers)
			}
		})
	}
}

// A blob upload answered 200: members copied from another registry, and
// probe's blob-upload row.
func TestAcceptBlobPut200(t *testing.T) {
	t.Parallel()
	src, r := regtest.New(t), regtest.New(t)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.BlobPutAnswers200(r)})
	seed(t, src, "src/app", "1", false, linuxAMD64, linuxARM64)
	mt(t, "--plain-http", "push", "from-args", "--target", p.Host+"/app:1",
		"--member", src.Host+"/src/app:1-linux-amd64", "--member", src.Host+"/src/app:1-linux-arm64v8").ok(t)
	t.Logf("requests of push: %s", regtest.Describe(p.Counts()))
	rep, _ := probe(t, 0, "--plain-http", p.Host)
	t.Logf("requests of probe: %s", regtest.Describe(p.Counts()))
	if st, detail := probeRow(rep, "blob-upload"); st != "supported" || !strings.Contains(detail, "works, answers 200 OK where the spec says 201 Created") {
		t.Errorf("blob-upload: %s %q", st, detail)
	}
	if len(rep.Leftovers) != 0 {
		t.Errorf("leftovers %+v", rep.Leftovers)
	}
}

// A mount answered 200: members from another repository are mounted, not
// copied, and probe's blob-mount row says it works.
func TestAcceptMount200(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.MountAnswers200(r)})
	seed(t, r, "src/app", "1", false, linuxAMD64, linuxARM64)
	out := mt(t, "--plain-http", "push", "from-args", "--output", "json", "--target", p.Host+"/app:1",
		"--member", p.Host+"/src/app:1-linux-amd64", "--member", p.Host+"/src/app:1-linux-arm64v8")
	out.ok0(t)
	counts := p.Counts()
	t.Logf("requests of push: %s", regtest.Describe(counts))
	var res struct {
		Manifests []struct{ Image, How string }
	}
	if err := json.Unmarshal([]byte(out.stdout), &res); err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Manifests {
		if m.How != "mounted" {
			t.Errorf("%s: %s, want mounted", m.Image, m.How)
		}
	}
	if n := counts["PATCH upload"] + counts["PUT upload"]; n != 0 {
		t.Errorf("%d upload requests: the mounts were not taken", n)
	}
	rep, _ := probe(t, 0, "--plain-http", p.Host)
	if st, detail := probeRow(rep, "blob-mount"); st != "supported" || !strings.Contains(detail, "works, answers 200 OK where the spec says 201 Created") {
		t.Errorf("blob-mount: %s %q", st, detail)
	}
}

// A manifest HEAD without Content-Type and Content-Length (Harbor before
// 2.1.3), or with application/octet-stream and no digest (Artifactory):
// the re-push reads the tag with a GET, and probe finds what it pushed.
func TestAcceptHeadWithoutManifestType(t *testing.T) {
	t.Parallel()
	for name, hook := range map[string]func(*regtest.Registry) regtest.Hook{
		"no Content-Type": regtest.HeadWithoutType,
		"octet-stream":    regtest.HeadOctetStream,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: hook(r)})
			acceptPush(t, r, p.Host)
			t.Logf("requests of push and --append: %s", regtest.Describe(p.Counts()))
			rep, _ := probe(t, 0, "--plain-http", p.Host)
			t.Logf("requests of probe: %s", regtest.Describe(p.Counts()))
			if st, detail := probeRow(rep, "delete"); st != "supported" {
				t.Errorf("delete: %s %q", st, detail)
			}
			if len(rep.Leftovers) != 0 {
				t.Errorf("leftovers %+v", rep.Leftovers)
			}
			if tags := tagsOf(t, r, "manifest-tool-probe"); len(tags) != 0 {
				t.Errorf("tags left: %v", tags)
			}
		})
	}
}

// A registry whose manifest HEAD fails (not a 404): probe does not say
// "nothing was pushed", deletes no blob under the manifests that stay, and
// lists them.
func TestProbeHeadFails(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/") {
			w.WriteHeader(http.StatusBadRequest)
			return true
		}
		return false
	})
	rep, _ := probe(t, 0, "--plain-http", host)
	if st, detail := probeRow(rep, "delete"); st != "unknown" || !strings.HasPrefix(detail, "not tried: what the probe pushed could not be read back: ") {
		t.Errorf("delete: %s %q", st, detail)
	}
	tags := tagsOf(t, r, "manifest-tool-probe")
	listed := map[string]bool{}
	blobs := 0
	for _, l := range rep.Leftovers {
		switch {
		case l.Kind == "manifest" && l.Tag != "":
			listed[l.Tag] = true
		case l.Kind == "blob":
			blobs++
			if ok, err := r.HasBlob(l.Repository, l.Digest); err != nil || !ok {
				t.Errorf("blob %s listed, not there (%v)", l.Digest, err)
			}
		}
	}
	for _, tag := range tags {
		if !listed[tag] {
			t.Errorf("tag %s stays and is not listed", tag)
		}
	}
	if len(tags) < 6 || blobs == 0 {
		t.Errorf("%d tags stay, %d blobs listed; leftovers %+v", len(tags), blobs, rep.Leftovers)
	}
}

// probe's mixed-list row: supported where a registry takes an index that
// mixes Docker and OCI manifests, unsupported with the registry's words
// where it refuses it, as Quay, Nexus and Google Artifact Registry do.
func TestProbeMixedList(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	rep, _ := probe(t, 0, "--plain-http", r.Host)
	if st, detail := probeRow(rep, "mixed-list"); st != "supported" {
		t.Errorf("mixed-list: %s %q", st, detail)
	}
	host := regtest.Proxy(t, r, regtest.RefuseMixedLists())
	rep, _ = probe(t, 0, "--plain-http", host)
	st, detail := probeRow(rep, "mixed-list")
	if st != "unsupported" || !strings.Contains(detail, "manifest invalid") || !strings.Contains(detail, "--type oci") {
		t.Errorf("mixed-list: %s %q, want unsupported with the registry's words and the way out", st, detail)
	}
	if len(rep.Leftovers) != 0 {
		t.Errorf("leftovers %+v", rep.Leftovers)
	}
}

// Hostile forms of a write answered 202 (the index's PUT): a registry
// that stored nothing, one whose HEAD then shows another digest, one whose
// HEAD lies about the size. Each run fails, naming the registry and what
// it found, in bounded time and memory.
func TestAcceptHostile(t *testing.T) {
	t.Parallel()
	other := "sha256:" + strings.Repeat("ab", 32)
	isIndexPut := func(req *http.Request) bool {
		return req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, "/manifests/1")
	}
	tests := []struct {
		name string
		hook func(r *regtest.Registry) regtest.Hook
		want string // after "HOST answered 202 Accepted, but "
	}{
		{"stored nothing", func(*regtest.Registry) regtest.Hook {
			return func(w http.ResponseWriter, req *http.Request) bool {
				if isIndexPut(req) {
					w.WriteHeader(http.StatusAccepted)
					return true
				}
				return false
			}
		}, "HEAD /v2/app/manifests/1 answers 404 Not Found"},
		{"another digest", func(*regtest.Registry) regtest.Hook {
			var stored atomic.Bool
			return func(w http.ResponseWriter, req *http.Request) bool {
				switch {
				case isIndexPut(req):
					stored.Store(true)
					w.WriteHeader(http.StatusAccepted)
					return true
				case stored.Load() && req.Method == http.MethodHead && strings.HasSuffix(req.URL.Path, "/manifests/1"):
					w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
					w.Header().Set("Docker-Content-Digest", other)
					return true
				}
				return false
			}
		}, "HEAD /v2/app/manifests/1 shows " + other + ", not INDEX that was sent"},
		{"HEAD lies about size", func(r *regtest.Registry) regtest.Hook {
			accepted := regtest.ManifestPutAnswers(r, http.StatusAccepted)
			return func(w http.ResponseWriter, req *http.Request) bool {
				switch {
				case isIndexPut(req):
					return accepted(w, req)
				case req.Method == http.MethodHead && strings.HasSuffix(req.URL.Path, "/manifests/1"):
					w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
					w.Header().Set("Content-Length", "3000000")
					return true
				}
				return false
			}
		}, "HEAD /v2/app/manifests/1 says 3000000 bytes, not the SIZE sent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			seed(t, r, "app", "1", false, linuxAMD64, linuxARM64)
			p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: tc.hook(r)})
			args := []string{"--plain-http", "push", "--type", "oci", "from-args", "--target", p.Host + "/app:1",
				"--member", p.Host + "/app:1-linux-amd64", "--member", p.Host + "/app:1-linux-arm64v8"}
			dry := mt(t, append(args, "--dry-run")...)
			index, size := dry.ok(t)
			res := mtMeasured(t, nil, "", args...)
			want := "error: pushing the index to " + p.Host + "/app:1: PUT " + p.Host + "/v2/app/manifests/1: " + p.Host + " answered 202 Accepted, but " +
				strings.NewReplacer("INDEX", index, "SIZE", strconv.Itoa(size)).Replace(tc.want) + ": the registry did not store what was sent"
			res.fails(t, 1, want)
			t.Logf("measured: %s: exit %d, max RSS %d KiB (%.1f MiB), %s; requests: %s", tc.name, res.code, res.maxRSS, float64(res.maxRSS)/1024,
				res.elapsed.Round(10*time.Millisecond), regtest.Describe(p.Counts()))
			if res.maxRSS > 60<<10 {
				t.Errorf("max RSS %d KiB, over 60 MiB", res.maxRSS)
			}
			if res.elapsed > 20*time.Second {
				t.Errorf("ended after %s, over 20 s", res.elapsed)
			}
		})
	}
}
