package regtest

import (
	"net/http"
	"strconv"
	"strings"
)

// DeleteAnswers answers status (200 or 204) where the registry answers a
// manifest or blob DELETE 202 Accepted, having deleted it. The
// distribution spec says 202 ("Deleting manifests", "Deleting blobs");
// HTTP's 200 and 204 also say a DELETE was done, and clients that take
// only 202 were asked to take any success (containerbuildsystem/
// atomic-reactor#741: "Would `if response.ok:` be alright here?";
// opencontainers/distribution-spec#570 on what a delete's answer means).
// No vendor document naming a registry that answers so was found.
func DeleteAnswers(target *Registry, status int) Hook {
	return rewritten(target, func(r *http.Request) bool {
		return r.Method == http.MethodDelete && (strings.Contains(r.URL.Path, "/manifests/") || strings.Contains(r.URL.Path, "/blobs/"))
	}, func(resp *http.Response) {
		if resp.StatusCode == http.StatusAccepted {
			resp.StatusCode, resp.Status = status, strconv.Itoa(status)+" "+http.StatusText(status)
		}
	})
}
