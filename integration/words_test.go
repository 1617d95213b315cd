package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// measured logs a run's figures for the report: exit, time, requests, last line.
func measured(t *testing.T, what string, res result, requests int) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	t.Logf("measured: %s: exit %d, %s, %d requests, last line: %s", what, res.code, res.elapsed.Round(10*time.Millisecond), requests, lines[len(lines)-1])
}

// Docker Hub's spent pull limit (429 TOOMANYREQUESTS, ratelimit-remaining:
// 0, no Retry-After) is said at once, in the registry's words, with the way
// out; it is not retried, since nothing says when the limit reopens.
func TestWordsPullLimit(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.DockerHubPullLimit()})
	ref := p.Host + "/builds:1-linux-amd64"
	start := time.Now()
	res := mt(t, "--plain-http", "inspect", ref)
	counts := p.Counts()
	measured(t, "inspect, pull limit spent", res, regtest.Total(counts))
	res.fails(t, 1, "error: reading "+ref+": GET "+p.Host+"/v2/builds/manifests/1-linux-amd64: 429 Too Many Requests "+
		"(TOOMANYREQUESTS: You have reached your pull rate limit as '<anonymous>': 0123456789abcdef. You may …), "+
		"not retried: the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After); "+
		"log in (docker login "+p.Host+", or --username with --password-stdin) for a higher limit, or wait until the limit reopens")
	if n := counts["GET manifest"]; n != 1 {
		t.Errorf("%d manifest GETs, want 1 (%s)", n, regtest.Describe(counts))
	}
	if d := time.Since(start); d > 20*time.Second { // a bound on ending at all: retries took 30 s
		t.Errorf("ended after %s", d)
	}

	// a push whose member is refused says the same, once
	res = mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64", "--template", p.Host+"/builds:1-OS-ARCH", "--target", p.Host+"/app:1")
	counts = p.Counts()
	measured(t, "push, pull limit spent", res, regtest.Total(counts))
	if res.code != 1 || !strings.Contains(res.stderr, "(TOOMANYREQUESTS: You have reached your pull rate limit") || !strings.Contains(res.stderr, "or wait until the limit reopens") {
		t.Errorf("exit %d, no registry words or way out:\n%s", res.code, res.stderr)
	}
	if n := counts["GET manifest"]; n != 1 {
		t.Errorf("%d manifest GETs, want 1 (%s)", n, regtest.Describe(counts))
	}
}

// A 429 that says the limit is spent AND when it reopens (Retry-After) is
// waited for, within the request's attempts: a limit that reopens lets
// the run succeed; one that never does ends after the attempts, naming
// the registry's words.
func TestWordsPullLimitRetryAfter(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	ref := "/builds:1-linux-amd64"

	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.PullLimitWithRetryAfter(1, 2)})
	res := mt(t, "--plain-http", "inspect", p.Host+ref)
	counts := p.Counts()
	measured(t, "inspect, limit reopens after 2 s", res, regtest.Total(counts))
	res.ok0(t)
	if n := counts["GET manifest"]; n != 3 {
		t.Errorf("%d manifest GETs, want 3: two refused, waited for (%s)", n, regtest.Describe(counts))
	}

	p = regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.PullLimitWithRetryAfter(1, 1000)})
	res = mt(t, "--plain-http", "inspect", p.Host+ref)
	counts = p.Counts()
	measured(t, "inspect, Retry-After for ever", res, regtest.Total(counts))
	res.fails(t, 1, "error: reading "+p.Host+ref+": GET "+p.Host+"/v2/builds/manifests/1-linux-amd64: 429 Too Many Requests "+
		"(TOOMANYREQUESTS: You have reached your pull rate limit as '<anonymous>': 0123456789abcdef. You may …) (10 attempts); "+
		"log in (docker login "+p.Host+", or --username with --password-stdin) for a higher limit, or wait until the limit reopens")
	if n := counts["GET manifest"]; n != 10 {
		t.Errorf("%d manifest GETs, want 10: the attempts of one request (%s)", n, regtest.Describe(counts))
	}
	if res.elapsed > time.Minute { // a bound on ending at all: 9 waits of 1 s
		t.Errorf("ended after %s", res.elapsed)
	}
}

// A push to a repository that does not exist on a registry that does not
// create one on push (Amazon ECR) says the registry's words and the way
// out: create the repository first.
func TestWordsECRMissingRepository(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.ECRMissingRepository("builds")})
	res := mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64", "--template", p.Host+"/builds:1-OS-ARCH", "--target", p.Host+"/app:1")
	measured(t, "push to a missing ECR repository", res, regtest.Total(p.Counts()))
	lines := errorLines(res.stderr)
	prefix := "error: --platforms \"linux/amd64\": uploading blob sha256:"
	want := " to " + p.Host + "/app: not found (NAME_UNKNOWN: The repository with name 'app' does not exist in the registry with id '123456789012'); " +
		"create the repository " + p.Host + "/app first: this registry does not create one on push (Amazon ECR does not)"
	if res.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], prefix) || !strings.HasSuffix(lines[0], want) {
		t.Errorf("exit %d, error lines %q, want one: %s<digest>%s", res.code, lines, prefix, want)
	}
}

// probe of a repository that does not exist on a registry that does not
// create one on push (Amazon ECR): exit 1 with the registry's words and
// the way out, not exit 3 saying the registry cannot hold lists; the rows
// it could not try say why, in text and JSON.
func TestWordsProbeECRMissingRepository(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.ECRMissingRepository("builds")})
	want := "pushing to " + p.Host + "/app: not found (NAME_UNKNOWN: The repository with name 'app' does not exist in the registry with id '123456789012'); " +
		"create the repository " + p.Host + "/app first"
	for _, output := range []string{"text", "json"} {
		res := mt(t, "--plain-http", "probe", "-o", output, p.Host+"/app")
		measured(t, "probe of a missing ECR repository", res, regtest.Total(p.Counts()))
		lines := errorLines(res.stderr)
		if res.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], want) {
			t.Errorf("%s: exit %d, error lines %q, want one with %q", output, res.code, lines, want)
		}
		if strings.Contains(res.stdout, "nothing can be pushed") || !strings.Contains(res.stdout, "not tried: the registry has no repository app") {
			t.Errorf("%s: the rows not tried do not say why:\n%s", output, res.stdout)
		}
	}
}

// Every refusal says the registry's code and message, whatever its status,
// and the way out its code names.
func TestWordsRefusals(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	push := func(host, target string) result {
		return mtEnv(t, nil, "s3cret\n", "--plain-http", "--username", "ci", "--password-stdin", "push", "from-args", "--platforms", "linux/amd64",
			"--template", host+"/builds:1-OS-ARCH", "--target", host+"/"+target)
	}
	t.Run("403 DENIED", func(t *testing.T) {
		t.Parallel()
		p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.GHCRWriteDenied()})
		res := push(p.Host, "app:1")
		measured(t, "403 DENIED", res, regtest.Total(p.Counts()))
		if res.code != 1 || !strings.Contains(res.stderr, "to "+p.Host+"/app: unauthorized as user \"ci\" (DENIED: permission_denied: write_package): the registry denies this on "+p.Host+"/app to these credentials: "+
			"check that they may push to it (a token's scopes, the repository's permissions)") {
			t.Errorf("exit %d:\n%s", res.code, res.stderr)
		}
	})
	t.Run("401 insufficient scope", func(t *testing.T) {
		t.Parallel()
		p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.InsufficientScope()})
		res := push(p.Host, "app:1")
		measured(t, "401 insufficient scope", res, regtest.Total(p.Counts()))
		if res.code != 1 || !strings.Contains(res.stderr, "to "+p.Host+"/app: unauthorized as user \"ci\" (DENIED: requested access to the resource is denied): "+
			"the token given for these credentials lacks the scope asked, repository:app:pull,push: check that they may push to "+p.Host+"/app") {
			t.Errorf("exit %d:\n%s", res.code, res.stderr)
		}
	})
	t.Run("400 TAG_INVALID", func(t *testing.T) {
		t.Parallel()
		p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.ECRImmutableTags(r)})
		push(p.Host, "immutable:1").ok0(t)
		res := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--platforms", "linux/amd64", "--template", p.Host+"/builds:1-OS-ARCH",
			"--target", p.Host+"/immutable:1")
		measured(t, "400 TAG_INVALID", res, regtest.Total(p.Counts()))
		if res.code != 1 || !strings.Contains(res.stderr, "400 Bad Request (TAG_INVALID: The image tag '1' already exists in the 'immutable' repository and cannot be …); "+
			"the repository's tags cannot be overwritten (immutable tags): push under a new tag, or make its tags mutable") {
			t.Errorf("exit %d:\n%s", res.code, res.stderr)
		}
	})
	t.Run("404 MANIFEST_UNKNOWN", func(t *testing.T) {
		t.Parallel()
		res := mt(t, "--plain-http", "inspect", r.Host+"/builds:nope")
		res.fails(t, 1, "error: reading "+r.Host+"/builds:nope: not found (MANIFEST_UNKNOWN: manifest unknown)")
	})
}

// A registry's words in a refusal stay one line of bounded length, whatever
// they are: control characters escaped, a message of megabytes or
// thousands of errors cut, in a 404 as in a 429.
func TestWordsHostileBodies(t *testing.T) {
	t.Parallel()
	const rssBound = 100 << 10 // KiB
	many := `{"errors":[` + strings.Repeat(`{"code":"NAME_UNKNOWN","message":"no"},`, 5000) + `{"code":"X","message":"end"}]}`
	tests := []struct {
		name   string
		status int
		body   string
		said   string
	}{
		{"control characters", 404, `{"errors":[{"code":"NAME_UNKNOWN","message":"line\nerror: forged\r\u001b[31mred\u0007"}]}`,
			`not found (NAME_UNKNOWN: line\nerror: forged\r\x1b[31mred\x07)`},
		{"a message of 4 MiB", 404, `{"errors":[{"code":"NAME_UNKNOWN","message":"` + strings.Repeat("no ", 4<<20/3) + `"}]}`,
			"not found (NAME_UNKNOWN: " + strings.Repeat("no ", 28) + "no…)"},
		{"5001 errors", 404, many, "not found (" + strings.Repeat("NAME_UNKNOWN: no; ", 5) + "…)"},
		{"a 429 of 4 MiB", 429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"` + strings.Repeat("no ", 4<<20/3) + `"}]}`,
			"GET HOST/v2/app/manifests/1: 429 Too Many Requests (TOOMANYREQUESTS: " + strings.Repeat("no ", 27) + "no…), not retried: the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After); log in (docker login HOST, or --username with --password-stdin) for a higher limit, or wait until the limit reopens"},
		{"a 429 with control characters", 429, "slow\x1b[2Jdown\nerror: forged",
			`GET HOST/v2/app/manifests/1: 429 Too Many Requests (slow\x1b[2Jdown\nerror: forged), not retried: the rate limit is spent (ratelimit-remaining: 0) and the registry does not say when it reopens (no Retry-After); log in (docker login HOST, or --username with --password-stdin) for a higher limit, or wait until the limit reopens`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostile(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ratelimit-remaining", "0")
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			ref := h.Host + "/app:1"
			res := mtMeasured(t, nil, "", "--plain-http", "inspect", ref)
			res.fails(t, 1, "error: reading "+ref+": "+strings.ReplaceAll(tc.said, "HOST", h.Host))
			if res.maxRSS > rssBound {
				t.Errorf("max RSS %d KiB, over %d KiB", res.maxRSS, rssBound)
			}
			if res.elapsed > time.Minute { // a bound on ending at all, not a speed
				t.Errorf("ended after %s", res.elapsed)
			}
			t.Logf("measured: %s: exit %d, stderr %d bytes, %d requests, max RSS %d KiB, %s", tc.name, res.code, len(res.stderr), h.requests(), res.maxRSS, res.elapsed.Round(10*time.Millisecond))
		})
	}
}

// A schema 1 member (Quay still serves them) is named as such, with the
// way out, instead of "config digest not available": bad input, exit 2,
// as any member that cannot be listed.
func TestWordsSchema1Member(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.Schema1Manifest("legacy", "1")})
	res := mt(t, "--plain-http", "push", "from-args", "--member", p.Host+"/builds:1-linux-amd64,"+p.Host+"/legacy:1", "--target", p.Host+"/app:1")
	measured(t, "schema 1 member", res, regtest.Total(p.Counts()))
	lines := errorLines(res.stderr)
	want := "error: --member \"" + p.Host + "/legacy:1\": " + p.Host + "/legacy:1 is a Docker schema 1 manifest (application/vnd.docker.distribution.manifest.v1+prettyjws), " +
		"deprecated and not allowed in a list or index: push the image again with a current client, which writes schema 2 or OCI"
	if res.code != 2 || len(lines) != 1 || lines[0] != want {
		t.Errorf("exit %d, error lines %q", res.code, lines)
	}
}

// detailOf is the detail of the probe's check name.
func detailOf(p probeJSON, name string) string {
	for _, c := range p.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return ""
}

// GHCR in 2026 answers a referrers request with 303 See Other to its web
// API on another origin, which is rate-limited (429): push --referrers
// falls back to the sha256-<hex> tag at once, with a warning naming the
// redirect, instead of waiting on an optional lookup; probe's
// referrers-api row names the redirect and its answer.
func TestWordsGHCRReferrersRedirect(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64, linuxARM64)
	hook, apiHits := regtest.GHCRReferrersRedirect(t)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: hook})
	res := mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8", "--template", p.Host+"/builds:1-OS-ARCHVARIANT",
		"--referrers", "--target", p.Host+"/app:1")
	counts := p.Counts()
	measured(t, "push --referrers, referrers redirected to a rate-limited API", res, regtest.Total(counts)+int(apiHits.Load()))
	t.Logf("measured: web API asked %d times; %s", apiHits.Load(), regtest.Describe(counts))
	res.ok0(t)
	if n := apiHits.Load(); n > 2 {
		t.Errorf("the rate-limited web API was asked %d times, want at most one per member", n)
	}
	if !strings.Contains(res.stderr, "the referrers API of "+p.Host+" redirected the request (303 See Other) to http://") ||
		!strings.Contains(res.stderr, "which answered 429 Too Many Requests (API rate limit exceeded for 127.0.0.1.)") {
		t.Errorf("no warning naming the redirect and its answer:\n%s", res.stderr)
	}
	if res.elapsed > 20*time.Second { // a bound on ending at all: 26 s per repository were spent retrying
		t.Errorf("ended after %s", res.elapsed)
	}

	before := apiHits.Load()
	pr, rows := probe(t, 0, "--plain-http", p.Host)
	detail := detailOf(pr, "referrers-api")
	t.Logf("measured: probe: web API asked %d times; referrers-api: %s: %s", apiHits.Load()-before, rows["referrers-api"], detail)
	if rows["referrers-api"] != "unknown" || !strings.HasPrefix(detail, "GET /v2/manifest-tool-probe/referrers/<digest> answers 303 See Other to http://") ||
		!strings.Contains(detail, ", which answers 429 Too Many Requests (API rate limit exceeded for 127.0.0.1.); the sha256-<hex> tag fallback works") {
		t.Errorf("referrers-api: %s: %s", rows["referrers-api"], detail)
	}
}

// A referrers request redirected to itself for ever ends after net/http's
// 10 redirects, said as such, and falls back to the sha256-<hex> tag.
func TestWordsReferrersRedirectLoop(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64)
	p := regtest.ProxyWith(t, r, regtest.ProxyOptions{Hook: regtest.ReferrersRedirectLoop()})
	res := mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64", "--template", p.Host+"/builds:1-OS-ARCH",
		"--referrers", "--target", p.Host+"/app:1")
	counts := p.Counts()
	measured(t, "push --referrers, referrers redirect loop", res, regtest.Total(counts))
	res.ok0(t)
	if !strings.Contains(res.stderr, "the referrers API of "+p.Host+" redirected the request 10 times, the last time to http://"+p.Host+"/v2/builds/referrers/") {
		t.Errorf("no warning naming the loop:\n%s", res.stderr)
	}
	if n := counts["GET referrers"]; n > 11 {
		t.Errorf("%d referrers requests, want at most 11 (%s)", n, regtest.Describe(counts))
	}
	pr, rows := probe(t, 0, "--plain-http", p.Host)
	detail := detailOf(pr, "referrers-api")
	t.Logf("measured: probe: referrers-api: %s: %s", rows["referrers-api"], detail)
	if rows["referrers-api"] != "unknown" || !strings.Contains(detail, "answers 303 See Other to http://"+p.Host+"/v2/manifest-tool-probe/referrers/") ||
		!strings.Contains(detail, "which redirects again: no answer after") {
		t.Errorf("referrers-api: %s: %s", rows["referrers-api"], detail)
	}
}
