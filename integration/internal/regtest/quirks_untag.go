package regtest

import (
	"net/http"
	"strings"
	"sync"
)

// Registry answers to a tag DELETE (DELETE /v2/<repo>/manifests/<tag>),
// for the tests of push --untag-members and of probe's tag-delete check.
// The OCI distribution spec allows deleting a tag so ("Deleting tags",
// distribution-spec spec.md, end-12); what registries do instead is
// listed in regclient#819 and docker/buildx#180.

// MoveTagBeforeHead pushes img under repo:tag in reg when the first HEAD
// of that tag arrives, then lets the HEAD through: another writer (a
// rebuild of that platform) moving the tag between a push of the index
// and the removal of its members' tags, the race --untag-members must
// lose gracefully (issue: "A tag moved by another writer between push
// and untag is kept").
func MoveTagBeforeHead(reg *Registry, repo, tag string, img Image) Hook {
	var once sync.Once
	path := "/v2/" + repo + "/manifests/" + tag
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodHead && r.URL.Path == path {
			var err error
			once.Do(func() { err = reg.PushImage(repo, tag, img) })
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return true
			}
		}
		return false
	}
}

// AcceptDeleteKeepTag answers every manifest DELETE with 202 Accepted and
// deletes nothing: a registry that says it removed a tag that stays (a
// hostile or eventually consistent one), which must not be reported as
// untagged.
func AcceptDeleteKeepTag() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/manifests/") {
			w.WriteHeader(http.StatusAccepted)
			return true
		}
		return false
	}
}

// HeadOtherDigest answers a HEAD of repo:tag with 200 and digest, which
// is not what the tag points at (a hostile registry, or a cache in front
// of one, that says another image is there); the registry never sees it.
func HeadOtherDigest(repo, tag, digest, mediaType string) Hook {
	path := "/v2/" + repo + "/manifests/" + tag
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodHead || r.URL.Path != path {
			return false
		}
		w.Header().Set("Docker-Content-Digest", digest)
		w.Header().Set("Content-Type", mediaType)
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(http.StatusOK)
		return true
	}
}

// HangDelete holds every manifest DELETE without an answer until the
// client gives up: a registry that hangs on a tag DELETE, which the run
// must leave within its time limits.
func HangDelete() Hook {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodDelete || !strings.Contains(r.URL.Path, "/manifests/") {
			return false
		}
		<-r.Context().Done()
		return true
	}
}

// RecordRequests lets every request through and keeps "METHOD /path" of
// each, for registries that do not record their own (Distribution 2.8,
// a process): the function returned gives them.
func RecordRequests() (Hook, func() []string) {
	var mu sync.Mutex
	var log []string
	return func(_ http.ResponseWriter, r *http.Request) bool {
			mu.Lock()
			log = append(log, r.Method+" "+r.URL.Path)
			mu.Unlock()
			return false
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), log...)
		}
}
