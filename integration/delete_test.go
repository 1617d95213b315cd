package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// A registry that answers a manifest or blob DELETE 200 or 204 instead of
// the spec's 202, having deleted it: probe's delete and tag-delete rows
// say it works and how it answered, its cleanup leaves nothing, and push
// --untag-members removes the members' tags.
func TestDeleteAnswers2xx(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusNoContent} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t)
			p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.DeleteAnswers(r, status)})
			rep, _ := probe(t, 0, "--plain-http", p.Host+"/team/probe")
			t.Logf("requests of probe: %s", regtest.Describe(p.Counts()))
			want := fmt.Sprintf("works, answers %d %s where the spec says 202 Accepted", status, http.StatusText(status))
			for _, check := range []string{"delete", "tag-delete"} {
				if st, detail := probeRow(rep, check); st != "supported" || !strings.Contains(detail, want) {
					t.Errorf("%s: %s %q, want supported, saying %q", check, st, detail, want)
				}
			}
			if len(rep.Leftovers) != 0 {
				t.Errorf("leftovers %+v", rep.Leftovers)
			}
			if tags := tagsOf(t, r, "team/probe"); len(tags) > 0 {
				t.Errorf("tags left behind: %v", tags)
			}

			seed(t, r, "app", "1.0", false, linuxAMD64, linuxARMv7)
			res := mt(t, "--plain-http", "push", "--untag-members", "-o", "json", "from-args", "--platforms", "linux/amd64,linux/arm/v7",
				"--template", p.Host+"/app:1.0-OS-ARCHVARIANT", "--target", p.Host+"/app:1.0")
			res.ok0(t)
			for _, m := range decodeUntag(t, res.stdout).Manifests {
				if state, reason := untagged(m.Untagged); state != "true" {
					t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
				}
			}
			if tags := tagsOf(t, r, "app"); strings.Join(tags, ",") != "1.0" {
				t.Errorf("tags left: %q, want 1.0", tags)
			}
		})
	}
}

// The same on a token registry: the HEAD that confirms a DELETE carries
// the DELETE's token, which lets it read.
func TestDeleteAnswers2xxToken(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{Token: true, Users: map[string]string{authUser: authPass}})
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.DeleteAnswers(r, http.StatusOK)})
	res := mtEnv(t, nil, authPass+"\n", "--plain-http", "--username", authUser, "--password-stdin", "probe", "-o", "json", p.Host+"/team/probe")
	var rep probeJSON
	if err := json.Unmarshal([]byte(res.stdout), &rep); res.code != 0 || err != nil {
		t.Fatalf("exit %d (%v): %s", res.code, err, res.stderr)
	}
	for _, check := range []string{"delete", "tag-delete"} {
		if st, detail := probeRow(rep, check); st != "supported" || !strings.Contains(detail, "works, answers 200 OK where the spec says 202 Accepted") {
			t.Errorf("%s: %s %q", check, st, detail)
		}
	}
	if len(rep.Leftovers) != 0 {
		t.Errorf("leftovers %+v", rep.Leftovers)
	}
}
