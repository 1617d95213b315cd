package integration

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// TestSubjectResume: on a registry without the referrers API, an index
// with a subject whose fallback index (sha256-<hex>) could not be written
// is a failed run (exit 1); running the same command again completes it:
// the fallback index lists the index, and inspect --referrers on the
// subject finds it. Before, the re-run found the index there (by its tag,
// or by its digest with --by-digest), said "unchanged" and wrote nothing,
// so the subject never listed it. Once complete, a run again writes
// nothing.
func TestSubjectResume(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		target string
		extra  []string
	}{
		{"tagged", "/app:rel", nil},
		{"by digest", "/app", []string{"--by-digest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			imgs := seed(t, r, "app", "1", false, linuxAMD64, linuxS390x)
			subject := imgs["1-linux-amd64"].Manifest
			fallback := "sha256-" + strings.TrimPrefix(subject.Digest, "sha256:")
			var refuse atomic.Bool
			var puts atomic.Int32
			refuse.Store(true)
			host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
				if req.Method == http.MethodPut {
					puts.Add(1)
				}
				if refuse.Load() && req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, "/manifests/"+fallback) {
					http.Error(w, `{"errors":[{"code":"DENIED","message":"refused once"}]}`, http.StatusForbidden)
					return true
				}
				return false
			})
			args := append([]string{"--plain-http", "push", "-o", "json"}, tc.extra...)
			args = append(args, "from-args", "--target", host+tc.target, "--member", host+"/app:1-linux-s390x",
				"--subject", host+"/app:1-linux-amd64", "--artifact-type", "application/vnd.example.release+json")
			if res := mt(t, args...); res.code != 1 {
				t.Fatalf("the fallback index refused: exit %d, want 1:\n%s", res.code, res.stderr)
			}
			refuse.Store(false)
			res := decodePush(t, mt(t, args...).out(t))
			m, err := r.GetManifest("app", fallback)
			if err != nil || !strings.Contains(string(m.Body), res.Digest) {
				t.Errorf("after the re-run, the fallback index %s does not list %s (%v)", fallback, res.Digest, err)
			}
			found := false
			for _, ref := range referrersOf(t, r.Host+"/app:1-linux-amd64") {
				found = found || ref.Digest == res.Digest
			}
			if !found {
				t.Errorf("inspect --referrers on the subject does not find %s", res.Digest)
			}
			// complete now: a third run writes nothing
			puts.Store(0)
			mt(t, args...).out(t)
			if n := puts.Load(); n != 0 {
				t.Errorf("a run again after it completed sent %d PUTs, want 0", n)
			}
		})
	}
}
