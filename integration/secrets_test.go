package integration

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// caFile writes a registry's CA certificate to a file.
func caFile(t *testing.T, r *regtest.Registry) string {
	t.Helper()
	return writeFile(t, "ca.pem", string(r.CACert))
}

// TLS is verified against the CA given with --ca-file (or in
// /etc/docker/certs.d/<host>/), without --insecure.
func TestCAFile(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	imgs := seed(t, r, "ca/app", "1", false, linuxAMD64)
	args := []string{"--username", authUser, "--password", authPass, "push", "from-args", "--platforms", "linux/amd64",
		"--template", r.Host + "/ca/app:1-OS-ARCH", "--target", r.Host + "/ca/app:1"}
	digest, size := mt(t, append([]string{"--ca-file", caFile(t, r)}, args...)...).ok(t)
	checkIndex(t, r, "ca/app", "1", regtest.DockerList, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})

	notPEM := writeFile(t, "ca.txt", "not a certificate")
	mt(t, append([]string{"--ca-file", notPEM}, args...)...).fails(t, 2, fmt.Sprintf(`error: --ca-file %q: no PEM certificate in it`, notPEM))
	mt(t, append([]string{"--ca-file", "/nonexistent/ca.pem"}, args...)...).fails(t, 2, `error: --ca-file "/nonexistent/ca.pem": no such file or directory`)

	// Docker's own place for a registry's CA, when this test may write there;
	// it removes what it creates
	dir := filepath.Join("/etc/docker/certs.d", r.Host)
	created := ""
	for _, d := range []string{"/etc/docker", "/etc/docker/certs.d", dir} {
		if _, err := os.Stat(d); os.IsNotExist(err) && created == "" {
			created = d
		}
	}
	if created == "" || os.MkdirAll(dir, 0o755) != nil {
		t.Skipf("cannot use %s here", dir)
	}
	defer os.RemoveAll(created)
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), r.CACert, 0o644); err != nil {
		t.Skipf("cannot write %s: %v", dir, err)
	}
	mt(t, args...).ok(t)
}

// Bearer-token registries: a token per repository scope, pull on a source
// repository, pull and push on the target.
func TestTokenAuth(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}})
	src := seed(t, r, "token/src", "1", false, linuxAMD64)
	r.TokenScopes()
	ca := caFile(t, r)
	res := mtEnv(t, nil, authPass+"\n", "--ca-file", ca, "--username", authUser, "--password-stdin", "push", "--type", "oci", "from-args",
		"--platforms", "linux/amd64", "--template", r.Host+"/token/src:1-OS-ARCH", "--target", r.Host+"/token/app:1")
	digest, size := res.ok(t)
	checkIndex(t, r, "token/app", "1", regtest.OCIIndex, digest, size, []regtest.Descriptor{entry(src["1-linux-amd64"], &linuxAMD64)})
	scopes := r.TokenScopes()
	for _, want := range []string{authUser + " repository:token/src:pull", authUser + " repository:token/app:pull,push"} {
		if !slices.Contains(scopes, want) {
			t.Errorf("no token asked for %q; scopes asked: %q", want, scopes)
		}
	}
	for _, s := range scopes {
		if strings.Contains(s, "token/src") && strings.Contains(s, "push") {
			t.Errorf("push asked on the source: %q", s)
		}
	}
	mtEnv(t, nil, "wrong\n", "--ca-file", ca, "--username", authUser, "--password-stdin", "platforms", r.Host+"/token/app:1").fails(t, 1,
		"error: reading "+r.Host+"/token/app:1: unauthorized as user \"alice\" (check --docker-cfg or docker login "+r.Host+", --username, and access to the repository)")
	mt(t, "--ca-file", ca, "inspect", r.Host+"/token/app:1").fails(t, 1,
		"error: reading "+r.Host+"/token/app:1: unauthorized: "+r.Host+" requires credentials and none were found (run docker login "+r.Host+", or pass --username with --password-stdin)")
}

// Credentials on the command line: how they may be given, and how not.
func TestPasswordFlags(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	seed(t, r, "pw/app", "1", false, linuxAMD64)
	ca := caFile(t, r)
	img := r.Host + "/pw/app:1-linux-amd64"
	res := mt(t, "--ca-file", ca, "--debug", "--username", authUser, "--password", authPass, "platforms", img)
	res.ok0(t)
	if !strings.Contains(res.stderr, "warning: --password is visible to anyone who can list processes; --password-stdin is not\n") {
		t.Errorf("no warning about --password:\n%s", res.stderr)
	}
	mtEnv(t, nil, authPass+"\r\n", "--ca-file", ca, "--username", authUser, "--password-stdin", "platforms", img).ok0(t)
	mtEnv(t, nil, authPass, "--ca-file", ca, "--username", authUser, "--password-stdin", "--password", authPass, "platforms", img).fails(t, 2,
		"error: --password and --password-stdin cannot be used together")
	mtEnv(t, nil, "", "--ca-file", ca, "--username", authUser, "--password-stdin", "platforms", img).fails(t, 2, "error: --password-stdin: standard input is empty")
	mtEnv(t, nil, authPass, "--ca-file", ca, "--password-stdin", "platforms", img).fails(t, 2, "error: a password needs --username")
	mtEnv(t, nil, "image: a/b\nmanifests: [{image: a/c}]\n", "--username", authUser, "--password-stdin", "push", "from-spec", "-").fails(t, 2,
		"error: --password-stdin and a spec read from stdin (-) cannot share standard input")
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"auths":{"`+r.Host+`":{"auth":"not base64!"}}}`), 0o600)
	mt(t, "--ca-file", ca, "--docker-cfg", bad, "platforms", img).fails(t, 2,
		fmt.Sprintf(`error: reading Docker config %s: auths[%q].auth is not base64 "user:password" (log in again with docker login %s)`, filepath.Join(bad, "config.json"), r.Host, r.Host))
}

// TestSecretsNeverShown runs every command at --debug against registries
// that need credentials (basic and bearer token), with the credentials
// given every way, in runs that work and runs that fail, and looks for the
// secrets in everything printed.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const wrong = "Wr0ng-Pa55word-for-alice"
	for _, token := range []bool{false, true} {
		r := regtest.New(t, regtest.Options{TLS: true, Token: token, Users: map[string]string{authUser: authPass}})
		seed(t, r, "secret/app", "1", false, linuxAMD64, linuxARM64)
		seed(t, r, "secret/src", "1", false, linuxS390x)
		ca := caFile(t, r)
		cfg := dockerConfig(t, r.Host, authUser, authPass)
		wrongCfg := dockerConfig(t, r.Host, authUser, wrong)
		spec := writeFile(t, "release.yaml", fmt.Sprintf(`image: %[1]s/secret/app:2
tags: [latest]
type: oci
manifests:
  - image: %[1]s/secret/app:1-linux-amd64
  - image: %[1]s/secret/app:1-linux-arm64v8
  - image: %[1]s/secret/src:1-linux-s390x
`, r.Host))
		ref := r.Host + "/secret/app:2"
		type run struct {
			stdin string
			args  []string
		}
		var runs []run
		for _, how := range [][]string{
			{"--username", authUser, "--password", authPass},
			{"--docker-cfg", cfg},
			{"--username", authUser, "--password", wrong},
			{"--docker-cfg", wrongCfg},
			{},
		} {
			for _, cmd := range [][]string{
				{"push", "from-spec", spec},
				{"push", "--dry-run", "from-spec", spec},
				{"push", "from-args", "--platforms", "linux/amd64", "--template", r.Host + "/secret/app:1-OS-ARCH", "--target", r.Host + "/secret/app:3"},
				{"inspect", ref}, {"inspect", "--raw", ref}, {"inspect", "-o", "json", ref},
				{"platforms", "--require", "linux/riscv64", ref},
				{"probe", r.Host + "/secret/probe"},
			} {
				runs = append(runs, run{args: append(append([]string{"--debug", "--ca-file", ca}, how...), cmd...)})
			}
		}
		runs = append(runs,
			run{stdin: authPass + "\n", args: []string{"--debug", "--ca-file", ca, "--username", authUser, "--password-stdin", "push", "from-spec", spec}},
			run{stdin: wrong + "\n", args: []string{"--debug", "--log-format", "json", "--ca-file", ca, "--username", authUser, "--password-stdin", "inspect", ref}},
			run{args: []string{"--debug", "--insecure", "--username", authUser, "--password", authPass, "probe", r.Host}},
		)
		var all strings.Builder
		worked, failed := 0, 0
		for _, x := range runs {
			res := mtEnv(t, nil, x.stdin, x.args...)
			all.WriteString(res.stdout + res.stderr)
			if res.code == 0 {
				worked++
			} else {
				failed++
			}
		}
		secrets := append([]string{authPass, wrong,
			base64.StdEncoding.EncodeToString([]byte(authUser + ":" + authPass)),
			base64.StdEncoding.EncodeToString([]byte(authUser + ":" + wrong))}, r.Tokens()...)
		if token && len(r.Tokens()) == 0 {
			t.Error("no token was handed out: the runs did not use the token server")
		}
		for _, s := range secrets {
			if strings.Contains(all.String(), s) {
				t.Errorf("token=%v: a secret appears in the output: %.12s…", token, s)
			}
			// tokens are JWTs: their parts must not appear either
			for _, part := range strings.Split(s, ".") {
				if len(part) > 20 && strings.Contains(all.String(), part) {
					t.Errorf("token=%v: part of a token appears in the output: %.12s…", token, part)
				}
			}
		}
		if worked < 10 || failed < 10 {
			t.Errorf("token=%v: %d runs worked and %d failed; both kinds are needed", token, worked, failed)
		}
	}
}

// A Docker config with an identitytoken (what docker login leaves for some
// registries) gets bearer tokens with it.
func TestIdentityToken(t *testing.T) {
	t.Parallel()
	const idToken = "identity-token-0123456789abcdef"
	r := regtest.New(t, regtest.Options{TLS: true, Token: true, IdentityToken: idToken, Users: map[string]string{authUser: authPass}})
	imgs := seed(t, r, "id/app", "1", false, linuxAMD64)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"identitytoken":%q}}}`, r.Host, idToken)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	res := mt(t, "--debug", "--ca-file", caFile(t, r), "--docker-cfg", dir, "push", "from-args", "--platforms", "linux/amd64",
		"--template", r.Host+"/id/app:1-OS-ARCH", "--target", r.Host+"/id/app:1")
	digest, size := res.ok(t)
	checkIndex(t, r, "id/app", "1", regtest.DockerList, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})
	if strings.Contains(res.stderr, idToken) {
		t.Error("the identity token is in the output")
	}
}

// Registries that echo what they were sent (the Authorization header, a
// signed URL) in their error bodies, and a credential helper that prints
// on stderr: nothing of it reaches the output, at any level, in any format.
func TestSecretsEchoed(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}}) // basic auth over HTTP, behind the proxy
	seed(t, r, "echo/app", "1", false, linuxAMD64)
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == "PUT" && strings.Contains(req.URL.Path, "/manifests/") && req.Header.Get("Authorization") != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"refusing Authorization: %s and https://s3.example.com/b?X-Amz-Signature=SIGSECRET123"}]}`, req.Header.Get("Authorization"))
			return true
		}
		return false
	})
	helperPass := "helper-only-Pa55"
	bin := t.TempDir()
	helper := fmt.Sprintf(`#!/bin/sh
echo "helper debug: password=%[2]s" >&2
case "$1" in
get) read host; printf '{"ServerURL":"%%s","Username":"%[1]s","Secret":"%[2]s"}' "$host";;
*) exit 1;;
esac
`, authUser, helperPass)
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-echo"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	helperCfg := t.TempDir()
	os.WriteFile(filepath.Join(helperCfg, "config.json"), []byte(fmt.Sprintf(`{"credHelpers":{%q:"echo"}}`, host)), 0o600)
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	push := []string{"push", "from-args", "--platforms", "linux/amd64", "--template", host + "/echo/app:1-OS-ARCH", "--target", host + "/echo/app:2"}
	var all strings.Builder
	for _, creds := range [][]string{{"--username", authUser, "--password", authPass}, {"--docker-cfg", helperCfg}} {
		for _, format := range []string{"text", "json"} {
			for _, cmd := range [][]string{push, {"probe", host + "/echo/probe"}, {"probe", "-o", "json", host + "/echo/probe"}} {
				args := append(append([]string{"--plain-http", "--debug", "--log-format", format}, creds...), cmd...)
				res := mtEnv(t, env, "", args...)
				all.WriteString(res.stdout + res.stderr)
				if cmd[0] == "push" && res.code != 1 {
					t.Errorf("%v: exit %d", args, res.code)
				}
			}
		}
	}
	out := all.String()
	for _, secret := range []string{authPass, helperPass, "SIGSECRET123",
		base64.StdEncoding.EncodeToString([]byte(authUser + ":" + authPass)),
		base64.StdEncoding.EncodeToString([]byte(authUser + ":" + helperPass))} {
		if strings.Contains(out, secret) {
			t.Errorf("%q appears in the output", secret)
		}
	}
	if !strings.Contains(out, "refusing Authorization: Basic ***") || !strings.Contains(out, "credential helper: helper debug: password=***") {
		t.Errorf("the echoed answer or the helper's line is not shown, scrubbed:\n%.3000s", out)
	}
}
