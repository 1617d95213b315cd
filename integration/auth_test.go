package integration

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

const (
	authUser = "alice"
	authPass = "s3cret-Pa55word"
)

// dockerConfig writes a Docker config dir with base64 auth for host.
func dockerConfig(t *testing.T, host, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAuthAndTLS(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	imgs := seed(t, r, "auth/app", "1", false, linuxAMD64, linuxARM64)
	args := func(target string, extra ...string) []string {
		return append(extra, "push", "--type", "oci", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
			"--template", r.Host+"/auth/app:1-OS-ARCHVARIANT", "--target", r.Host+"/auth/app:"+target)
	}
	want := []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64), entry(imgs["1-linux-arm64v8"], &linuxARM64)}
	member := `error: --platforms "linux/amd64": resolving ` + r.Host + `/auth/app:1-linux-amd64: `

	t.Run("certificate not trusted", func(t *testing.T) {
		mt(t, args("x", "--username", authUser, "--password", authPass)...).fails(t, 1,
			member+"TLS certificate of "+r.Host+" is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/"+r.Host+"/ca.crt, or skip verification with --insecure) (and 1 more member)")
	})
	t.Run("no credentials", func(t *testing.T) {
		mt(t, args("x", "--insecure")...).fails(t, 1,
			member+"unauthorized: "+r.Host+" requires credentials and none were found (run docker login "+r.Host+", or pass --username with --password-stdin) (and 1 more member)")
	})
	t.Run("wrong password", func(t *testing.T) {
		res := mt(t, args("x", "--insecure", "--username", authUser, "--password", "wrong-password")...)
		res.fails(t, 1, member+"unauthorized as user \"alice\" (check --docker-cfg or docker login "+r.Host+", --username, and access to the repository) (and 1 more member)")
		if strings.Contains(res.stderr, "wrong-password") {
			t.Error("the password is in the output")
		}
	})
	t.Run("wrong password in docker config", func(t *testing.T) {
		cfg := dockerConfig(t, r.Host, authUser, "nope-nope")
		mt(t, args("x", "--insecure", "--docker-cfg", cfg)...).fails(t, 1,
			member+"unauthorized as user \"alice\" (check --docker-cfg or docker login "+r.Host+", --username, and access to the repository) (and 1 more member)")
	})
	t.Run("docker config dir", func(t *testing.T) {
		cfg := dockerConfig(t, r.Host, authUser, authPass)
		digest, size := mt(t, args("cfgdir", "--insecure", "--docker-cfg", cfg)...).ok(t)
		checkIndex(t, r, "auth/app", "cfgdir", regtest.OCIIndex, digest, size, want)
	})
	t.Run("docker config file via DOCKER_CONFIG", func(t *testing.T) {
		cfg := dockerConfig(t, r.Host, authUser, authPass)
		digest, size := mtEnv(t, []string{"DOCKER_CONFIG=" + cfg}, "", args("envcfg", "--insecure")...).ok(t)
		checkIndex(t, r, "auth/app", "envcfg", regtest.OCIIndex, digest, size, want)
	})
	t.Run("docker config file path", func(t *testing.T) {
		cfg := filepath.Join(dockerConfig(t, r.Host, authUser, authPass), "config.json")
		digest, size := mt(t, args("cfgfile", "--docker-cfg", cfg, "--insecure-registry", r.Host)...).ok(t)
		checkIndex(t, r, "auth/app", "cfgfile", regtest.OCIIndex, digest, size, want)
	})
	t.Run("username and password, debug shows requests and no secret", func(t *testing.T) {
		res := mt(t, args("flags", "--insecure", "--debug", "--username", authUser, "--password", authPass)...)
		digest, size := res.ok(t)
		checkIndex(t, r, "auth/app", "flags", regtest.OCIIndex, digest, size, want)
		for _, secret := range []string{authPass, base64.StdEncoding.EncodeToString([]byte(authUser + ":" + authPass))} {
			if strings.Contains(res.stderr, secret) || strings.Contains(res.stdout, secret) {
				t.Errorf("output contains a secret %q", secret)
			}
		}
		for _, line := range []string{
			"debug: GET https://" + r.Host + "/v2/auth/app/manifests/1-linux-amd64: 200 OK",
			"debug: PUT https://" + r.Host + "/v2/auth/app/manifests/flags: 201 Created",
		} {
			if !strings.Contains(res.stderr, line+"\n") {
				t.Errorf("debug output lacks %q", line)
			}
		}
	})
}

// --insecure-registry names one host: another TLS registry in the same run
// is still verified.
func TestInsecureScope(t *testing.T) {
	t.Parallel()
	a := regtest.New(t, regtest.Options{TLS: true})
	b := regtest.New(t, regtest.Options{TLS: true})
	seed(t, b, "scope/app", "1", false, linuxAMD64)
	args := []string{"push", "from-args", "--platforms", "linux/amd64", "--template", b.Host + "/scope/app:1-OS-ARCH", "--target", a.Host + "/scope/app:1"}
	mt(t, append([]string{"--insecure-registry", a.Host}, args...)...).fails(t, 1,
		fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/scope/app:1-linux-amd64: TLS certificate of %[1]s is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/%[1]s/ca.crt, or skip verification with --insecure)`, b.Host))
	// --insecure covers every registry the run names
	mt(t, append([]string{"--insecure"}, args...)...).ok(t)
}

// credHelpers and credsStore run docker-credential-<name>, as docker does.
func TestCredentialHelpers(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}})
	imgs := seed(t, r, "helper/app", "1", false, linuxAMD64)
	bin := t.TempDir()
	helper := fmt.Sprintf(`#!/bin/sh
case "$1" in
get) read host; printf '{"ServerURL":"%%s","Username":"%s","Secret":"%s"}' "$host";;
list) printf '{"%s":"%s"}';;
*) exit 1;;
esac
`, authUser, authPass, r.Host, authUser)
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-fake"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	for name, cfg := range map[string]string{
		"credHelpers": fmt.Sprintf(`{"credHelpers":{%q:"fake"}}`, r.Host),
		"credsStore":  `{"credsStore":"fake"}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			res := mtEnv(t, env, "", "--insecure", "--docker-cfg", dir, "--debug", "push", "from-args", "--platforms", "linux/amd64",
				"--template", r.Host+"/helper/app:1-OS-ARCH", "--target", r.Host+"/helper/app:"+name)
			digest, size := res.ok(t)
			checkIndex(t, r, "helper/app", name, regtest.DockerList, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})
			if strings.Contains(res.stderr, authPass) {
				t.Error("the helper's secret is in the output")
			}
		})
	}
}

// A credsStore whose list is empty (docker-credential-ecr-login before it
// has cached a token) is asked with get about every host the run names, as
// Docker does, against a TLS registry with per-repository tokens. A
// helper with no credentials leaves the run anonymous, and the 401 names
// it; a helper that fails, or prints, shows nothing of what it printed.
func TestCredsStoreGet(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}})
	seed(t, r, "store/src", "1", false, linuxAMD64)
	ca := caFile(t, r)
	bin := t.TempDir()
	helpers := map[string]string{
		// list knows nothing; get knows the test registry
		"lazy": fmt.Sprintf(`case "$1" in
get) read host; if [ "$host" = %q ]; then printf '{"ServerURL":"%%s","Username":%q,"Secret":%q}' "$host"; else echo "credentials not found in native keychain"; exit 1; fi;;
list) echo '{}';;
esac`, r.Host, authUser, authPass),
		"empty":  `echo "credentials not found in native keychain"; exit 1`,
		"fails":  fmt.Sprintf(`echo "cannot reach the keychain: %s" >&2; exit 4`, authPass),
		"chatty": fmt.Sprintf(`read host; echo "debug: found %s for $host" >&2; printf '{"Username":%q,"Secret":%q}'`, authPass, authUser, authPass),
	}
	for name, script := range helpers {
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-"+name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	run := func(t *testing.T, store string, args ...string) result {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(fmt.Sprintf(`{"credsStore":%q}`, store)), 0o600); err != nil {
			t.Fatal(err)
		}
		res := mtEnv(t, env, "", append([]string{"--ca-file", ca, "--docker-cfg", dir, "--debug"}, args...)...)
		if strings.Contains(res.stdout+res.stderr, authPass) {
			t.Errorf("the secret is in the output:\n%s", res.stderr)
		}
		return res
	}
	push := []string{"push", "--type", "oci", "from-args", "--platforms", "linux/amd64", "--template", r.Host + "/store/src:1-OS-ARCH", "--target", r.Host + "/store/app:1"}
	t.Run("get for a host list does not name", func(t *testing.T) {
		run(t, "lazy", push...).ok(t)
		if _, err := r.GetManifest("store/app", "1"); err != nil {
			t.Error(err)
		}
	})
	t.Run("a helper that prints to stderr", func(t *testing.T) {
		run(t, "chatty", "platforms", r.Host+"/store/app:1").ok0(t)
	})
	t.Run("a helper without credentials: anonymous, and the 401 names it", func(t *testing.T) {
		run(t, "empty", "platforms", r.Host+"/store/app:1").fails(t, 1,
			"error: reading "+r.Host+"/store/app:1: unauthorized anonymously: docker-credential-empty has no credentials for "+r.Host+
				" (check --docker-cfg or docker login "+r.Host+", --username, and access to the repository)")
	})
	t.Run("a helper that fails", func(t *testing.T) {
		res := run(t, "fails", "platforms", r.Host+"/store/app:1")
		res.fails(t, 1, "error: credentials for "+r.Host+": docker-credential-fails get for "+r.Host+
			" failed (exit status 4); see why with `echo "+r.Host+" | docker-credential-fails get` (what it printed is not shown here: it may hold credentials)")
	})
}

// A credential helper that hangs is given up on within --timeout, and one
// that prints garbage is an error naming it; neither's output is shown.
func TestCredentialHelperHostile(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1", false, linuxAMD64)
	bin := t.TempDir()
	for name, script := range map[string]string{
		"hangs":   "sleep 60\n",
		"garbage": "echo 'not json, and a secret: hunter2'\n",
	} {
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-"+name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	for name, want := range map[string]string{
		"hangs":   "error: credentials for " + r.Host + ": docker-credential-hangs get for " + r.Host + ": no answer before the time limit (--timeout); it may be waiting for input it cannot get here",
		"garbage": "error: credentials for " + r.Host + ": docker-credential-garbage get for " + r.Host + `: its answer is not the JSON a credential helper gives ({"Username", "Secret"})`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(fmt.Sprintf(`{"credHelpers":{%q:%q}}`, r.Host, name)), 0o600); err != nil {
				t.Fatal(err)
			}
			res := mtEnv(t, env, "", "--plain-http", "--timeout", "2s", "--docker-cfg", dir, "inspect", r.Host+"/app:1-linux-amd64")
			if lines := errorLines(res.stderr); res.code != 1 || len(lines) != 1 || lines[0] != want {
				t.Errorf("exit %d, error lines %q, want %q", res.code, lines, want)
			}
			if strings.Contains(res.stderr, "hunter2") {
				t.Error("the helper's output is shown")
			}
			t.Logf("ended after %s", res.elapsed.Round(1e6))
		})
	}
}
