package integration

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Token services that grant less than a token request names: GitLab's,
// which scopes a token to one project, and a CI's push token scoped to
// its target repository (regtest/quirks_tokens.go). A token per host, for
// every scope met on it, loses the source's scope there; the runs below
// get a token per repository once the registry refuses a token a scope
// it was asked for, and copy what a mount could not bring.

// ciUser is the CI's credentials in these tests, scoped to one repository.
const (
	ciUser = "ci"
	ciPass = "ci-Pa55word-for-one-repo"
)

// tokenRegistry starts a TLS registry that asks for tokens from a token
// server granting as grant says, with users alice (authUser) and ci.
func tokenRegistry(t *testing.T, grant regtest.TokenGrant) *regtest.Registry {
	t.Helper()
	return regtest.New(t, regtest.Options{TLS: true, Token: true, RealmHost: "localhost", TokenGrant: grant,
		Users: map[string]string{authUser: authPass, ciUser: ciPass}})
}

// authConfig writes a Docker config giving each host its user's
// credentials (host, user, password, ...), and the CA file of regs.
func authConfig(t *testing.T, regs []*regtest.Registry, hostUserPass ...string) (cfgDir, caFile string) {
	t.Helper()
	var auths []string
	for i := 0; i+2 < len(hostUserPass); i += 3 {
		auth := base64.StdEncoding.EncodeToString([]byte(hostUserPass[i+1] + ":" + hostUserPass[i+2]))
		auths = append(auths, fmt.Sprintf(`%q:{"auth":%q}`, hostUserPass[i], auth))
	}
	var cas string
	for _, r := range regs {
		cas += string(r.CACert)
	}
	return filepath.Dir(writeFile(t, "config.json", `{"auths":{`+strings.Join(auths, ",")+`}}`)), writeFile(t, "ca.pem", cas)
}

// tokenRun is one measured run: exit, token requests, 401s, wall time.
type tokenRun struct {
	res     result
	traffic regtest.Traffic
}

func runTokens(t *testing.T, regs []*regtest.Registry, args ...string) tokenRun {
	t.Helper()
	for _, r := range regs {
		r.Traffic()
	}
	res := mtMeasured(t, nil, "", args...)
	var tr regtest.Traffic
	for _, r := range regs {
		tr.Add(r.Traffic())
	}
	t.Logf("measured: exit %d, %d token requests, %d registry requests (%d answered 401, %d mounts), max RSS %d KiB, %s",
		res.code, tr.Tokens, regtest.Total(tr.Requests), tr.Unauthorized, tr.Mounted, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	return tokenRun{res, tr}
}

// checkMembers fails unless repo:tag on r is an index of n members, each
// there by digest.
func checkMembers(t *testing.T, r *regtest.Registry, repo, tag string, n int) {
	t.Helper()
	_, idx, err := r.GetIndex(repo, tag)
	if err != nil {
		t.Fatalf("reading %s:%s: %v", repo, tag, err)
	}
	if len(idx.Manifests) != n {
		t.Fatalf("%s:%s lists %d members, want %d", repo, tag, len(idx.Manifests), n)
	}
	for _, d := range idx.Manifests {
		if _, err := r.GetManifest(repo, d.Digest); err != nil {
			t.Errorf("member %s of %s:%s: %v", d.Digest, repo, tag, err)
		}
	}
}

// A push from one project to another on a registry whose token service
// scopes a token to the first project a request names (GitLab): the
// cross-project mount is refused, and the members are copied, the source
// read with a token of its own. On a token service that grants what it is
// asked, the same push mounts, with one 401 in all: no token per
// repository, no round trip added.
func TestTokensCrossProject(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		grant regtest.TokenGrant
	}{
		{"one project per token", regtest.FirstRepositoryOnly()},
		{"as asked", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := tokenRegistry(t, c.grant)
			seed(t, r, "group-a/app", "1", false, linuxAMD64, linuxS390x)
			cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, authUser, authPass)
			run := runTokens(t, []*regtest.Registry{r}, "--debug", "--ca-file", ca, "--docker-cfg", cfg, "push", "from-args",
				"--platforms", "linux/amd64,linux/s390x", "--template", r.Host+"/group-a/app:1-OS-ARCH", "--target", r.Host+"/group-b/app:1")
			run.res.ok(t)
			checkMembers(t, r, "group-b/app", "1", 2)
			perRepo := strings.Contains(run.res.stderr, "a token per repository there from now on")
			if c.grant == nil {
				if perRepo || run.traffic.Unauthorized != 1 || run.traffic.Mounted == 0 {
					t.Errorf("as asked: token per repository %v, %d answers 401, %d mounts; want false, 1 and some", perRepo, run.traffic.Unauthorized, run.traffic.Mounted)
				}
				return
			}
			if !perRepo || run.traffic.Mounted != 0 {
				t.Errorf("one project per token: token per repository %v, %d mounts; want true and none", perRepo, run.traffic.Mounted)
			}
			if run.traffic.Tokens > 12 {
				t.Errorf("%d token requests for two repositories, over 12", run.traffic.Tokens)
			}
		})
	}
}

// A CI's credentials that may push to the target repository only, and
// read a source that anyone may read (docker/cli#6695): the source's
// reads do not ride on the target's token, which cannot read it.
func TestTokensRepositoryScoped(t *testing.T) {
	t.Parallel()
	r := tokenRegistry(t, regtest.RepositoryScoped(ciUser, "team/app"))
	seed(t, r, "base/app", "1", false, linuxAMD64, linuxS390x)
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, ciUser, ciPass)
	run := runTokens(t, []*regtest.Registry{r}, "--ca-file", ca, "--docker-cfg", cfg, "push", "from-args",
		"--platforms", "linux/amd64,linux/s390x", "--template", r.Host+"/base/app:1-OS-ARCH", "--target", r.Host+"/team/app:1")
	run.res.ok(t)
	checkMembers(t, r, "team/app", "1", 2)
	if run.traffic.Tokens > 12 {
		t.Errorf("%d token requests for two repositories, over 12", run.traffic.Tokens)
	}
}

// Members from two projects of a registry whose token service scopes a
// token to one project, pushed to another registry with the CI's
// credentials scoped to the target repository: each project is read with
// a token of its own.
func TestTokensCrossRegistry(t *testing.T) {
	t.Parallel()
	src := tokenRegistry(t, regtest.FirstRepositoryOnly())
	dst := tokenRegistry(t, regtest.RepositoryScoped(ciUser, "team/app"))
	seed(t, src, "group-a/app", "1", false, linuxAMD64)
	seed(t, src, "group-b/app", "1", false, linuxS390x)
	regs := []*regtest.Registry{src, dst}
	cfg, ca := authConfig(t, regs, src.Host, authUser, authPass, dst.Host, ciUser, ciPass)
	spec := writeFile(t, "release.yaml", "image: "+dst.Host+"/team/app:1\nmanifests:\n  - image: "+src.Host+"/group-a/app:1-linux-amd64\n  - image: "+src.Host+"/group-b/app:1-linux-s390x\n")
	run := runTokens(t, regs, "--ca-file", ca, "--docker-cfg", cfg, "push", "from-spec", spec)
	run.res.ok(t)
	checkMembers(t, dst, "team/app", "1", 2)
	if run.traffic.Tokens > 12 {
		t.Errorf("%d token requests for three repositories, over 12", run.traffic.Tokens)
	}
}

// Hostile: a token service that answers every request, however often
// asked, with a token that grants pull only. The push fails after a
// bounded count of token requests, with one error naming the repository
// and the scope refused.
func TestTokensNarrowedForever(t *testing.T) {
	t.Parallel()
	r := tokenRegistry(t, regtest.PullOnly(ciUser))
	seed(t, r, "base/app", "1", false, linuxAMD64, linuxS390x)
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, ciUser, ciPass)
	run := runTokens(t, []*regtest.Registry{r}, "--ca-file", ca, "--docker-cfg", cfg, "push", "from-args",
		"--platforms", "linux/amd64,linux/s390x", "--template", r.Host+"/base/app:1-OS-ARCH", "--target", r.Host+"/team/app:1")
	if run.res.code != 1 {
		t.Fatalf("exit %d, want 1", run.res.code)
	}
	lines := errorLines(run.res.stderr)
	if len(lines) != 1 {
		t.Errorf("%d error lines, want one: %q", len(lines), lines)
	}
	want := "lacks the scope asked, repository:team/app:"
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, want) || !strings.Contains(all, "refused again with a token asked for this repository alone") || strings.Count(all, `as user "ci"`) != 1 {
		t.Errorf("the error does not name the repository, the scope refused and the credentials (%q): %q", want, lines)
	}
	if n := strings.Count(all, "repository:team/app:"); n != 1 {
		t.Errorf("the scope refused is named %d times, want once: %q", n, lines)
	}
	if run.traffic.Tokens > 16 || run.res.elapsed > time.Minute || run.res.maxRSS > 200<<10 {
		t.Errorf("%d token requests, %s, %d KiB: over 16, a minute or 200 MiB", run.traffic.Tokens, run.res.elapsed, run.res.maxRSS)
	}
}

// Hostile: members from many projects of a registry whose token service
// scopes a token to one project, into another project there. Each project
// gets its tokens, a bounded count of them, and the push succeeds.
func TestTokensManyProjects(t *testing.T) {
	t.Parallel()
	const projects = 12
	r := tokenRegistry(t, regtest.FirstRepositoryOnly())
	spec := "image: " + r.Host + "/group/app:1\nmanifests:\n"
	for i, p := range burstPlatforms[:projects] {
		repo := fmt.Sprintf("project-%02d/app", i)
		seed(t, r, repo, "1", false, p)
		spec += "  - image: " + r.Host + "/" + repo + ":1-" + p.OS + "-" + p.Architecture + "\n"
	}
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, authUser, authPass)
	run := runTokens(t, []*regtest.Registry{r}, "--ca-file", ca, "--docker-cfg", cfg, "push", "from-spec", writeFile(t, "release.yaml", spec))
	run.res.ok(t)
	checkMembers(t, r, "group/app", "1", projects)
	// per project a few (its reads, a per-host token before the switch),
	// and the target's
	if bound := 4 * (projects + 1); run.traffic.Tokens > bound {
		t.Errorf("%d token requests for %d projects, over %d", run.traffic.Tokens, projects+1, bound)
	}
	if run.res.elapsed > time.Minute || run.res.maxRSS > 200<<10 {
		t.Errorf("%s, %d KiB: over a minute or 200 MiB", run.res.elapsed, run.res.maxRSS)
	}
}

// --untag-members on a registry whose token service scopes a token to
// one project: the members' tags, in other projects than the target, are
// read and deleted with a token per repository too, and go.
func TestTokensUntagMembers(t *testing.T) {
	t.Parallel()
	r := tokenRegistry(t, regtest.FirstRepositoryOnly())
	seed(t, r, "group-a/app", "1", false, linuxAMD64)
	seed(t, r, "group-b/app", "1", false, linuxS390x)
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, authUser, authPass)
	spec := writeFile(t, "release.yaml", "image: "+r.Host+"/team/app:1\nmanifests:\n  - image: "+r.Host+"/group-a/app:1-linux-amd64\n  - image: "+r.Host+"/group-b/app:1-linux-s390x\n")
	run := runTokens(t, []*regtest.Registry{r}, "--ca-file", ca, "--docker-cfg", cfg, "push", "--untag-members", "-o", "json", "from-spec", spec)
	run.res.ok0(t)
	checkMembers(t, r, "team/app", "1", 2)
	for _, m := range decodeUntag(t, run.res.stdout).Manifests {
		if state, reason := untagged(m.Untagged); state != "true" {
			t.Errorf("%s: untagged %s (%s), want true", m.Image, state, reason)
		}
	}
	for _, tag := range []string{"group-a/app:1-linux-amd64", "group-b/app:1-linux-s390x"} {
		repo, ref, _ := strings.Cut(tag, ":")
		if exists(t, r, repo, ref) {
			t.Errorf("%s is still there", tag)
		}
	}
	if run.traffic.Tokens > 16 {
		t.Errorf("%d token requests for three repositories, over 16", run.traffic.Tokens)
	}
}

// probe on a registry whose token service scopes a token to one project:
// its blob-mount row says why the mount is refused (a token covers one
// repository), not that the credentials are wrong; the rest works.
func TestTokensProbeMount(t *testing.T) {
	t.Parallel()
	r := tokenRegistry(t, regtest.FirstRepositoryOnly())
	cfg, ca := authConfig(t, []*regtest.Registry{r}, r.Host, authUser, authPass)
	res := mt(t, "--ca-file", ca, "--docker-cfg", cfg, "probe", "-o", "json", r.Host+"/team/probe")
	var rep probeJSON
	if err := json.Unmarshal([]byte(res.stdout), &rep); res.code != 0 || err != nil {
		t.Fatalf("exit %d (%v): %s", res.code, err, res.stderr)
	}
	if st, detail := probeRow(rep, "blob-mount"); st != "unsupported" || !strings.Contains(detail, "the token service left out a scope it was asked for (") ||
		!strings.Contains(detail, "its tokens cover one repository") {
		t.Errorf("blob-mount: %s %q", st, detail)
	}
	if len(rep.Leftovers) != 0 {
		t.Errorf("leftovers %+v", rep.Leftovers)
	}
}
