package integration

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// credSource puts credentials in one of the places the tool reads them.
type credSource struct {
	name  string // as --debug names it, HOST for the registry, DIR for a directory the source made
	apply func(t *testing.T, host, user, pass string) (args, env []string, stdin, dir string)
}

// authJSON is a Docker config (or containers auth.json) giving user:pass for host.
func authJSON(host, user, pass string) string {
	return fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
}

// writeAuth writes content to dir/rel and returns dir.
func writeAuth(t *testing.T, rel, content string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// credSources are the sources, highest precedence first.
var credSources = []credSource{
	{"--username", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		return []string{"--username", user, "--password-stdin"}, nil, pass + "\n", ""
	}},
	{"--docker-cfg DIR", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		dir := writeAuth(t, "config.json", authJSON(host, user, pass))
		return []string{"--docker-cfg", dir}, nil, "", dir
	}},
	{"DOCKER_AUTH_CONFIG", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		return nil, []string{"DOCKER_AUTH_CONFIG=" + authJSON(host, user, pass)}, "", ""
	}},
	{"DOCKER_CONFIG (DIR/config.json)", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		dir := writeAuth(t, "config.json", authJSON(host, user, pass))
		return nil, []string{"DOCKER_CONFIG=" + dir}, "", dir
	}},
	{"REGISTRY_AUTH_FILE (DIR/auth.json)", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		dir := writeAuth(t, "auth.json", authJSON(host, user, pass))
		return nil, []string{"REGISTRY_AUTH_FILE=" + filepath.Join(dir, "auth.json")}, "", dir
	}},
	{"the containers auth.json (DIR/containers/auth.json)", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		dir := writeAuth(t, "containers/auth.json", authJSON(host, user, pass))
		return nil, []string{"XDG_RUNTIME_DIR=" + dir}, "", dir
	}},
	{"the containers auth.json (DIR/.config/containers/auth.json)", func(t *testing.T, host, user, pass string) ([]string, []string, string, string) {
		dir := writeAuth(t, ".config/containers/auth.json", authJSON(host, user, pass))
		return nil, []string{"HOME=" + dir}, "", dir
	}},
}

// credRun reads ref with the sources given, each with its password, and
// --debug; nothing else is a source (empty DOCKER_CONFIG, HOME and
// XDG_RUNTIME_DIR, no DOCKER_AUTH_CONFIG or REGISTRY_AUTH_FILE).
func credRun(t *testing.T, r *regtest.Registry, ca, ref string, srcs []credSource, passes []string) (result, []string) {
	t.Helper()
	args := []string{"--ca-file", ca, "--debug"}
	env := []string{"XDG_RUNTIME_DIR=" + t.TempDir(), "XDG_CONFIG_HOME=", "DOCKER_AUTH_CONFIG=", "REGISTRY_AUTH_FILE="}
	stdin := ""
	var names []string
	for i, src := range srcs {
		a, e, in, dir := src.apply(t, r.Host, authUser, passes[i])
		args, env, stdin = append(args, a...), append(env, e...), stdin+in
		names = append(names, strings.ReplaceAll(src.name, "DIR", dir))
	}
	return mtEnv(t, env, stdin, append(args, "platforms", ref)...), names
}

// noSecret fails the test if a password, or its Basic encoding, is in
// what the run printed.
func noSecret(t *testing.T, res result, passes ...string) {
	t.Helper()
	for _, p := range passes {
		for _, s := range []string{p, base64.StdEncoding.EncodeToString([]byte(authUser + ":" + p))} {
			if strings.Contains(res.stdout+res.stderr, s) {
				t.Errorf("the output holds a secret %q", s)
			}
		}
	}
}

// Credentials from each source CI hands them over in, alone, against a
// registry with basic auth and one with a token server: the run works,
// --debug names the source, and the password is never printed; then
// between each source and the next lower one, the higher wins: its right
// password works over a wrong one below, and its wrong one fails over a
// right one below, so that the lower is not asked.
func TestCredentialSources(t *testing.T) {
	t.Parallel()
	for _, auth := range []struct {
		name string
		opts regtest.Options
	}{
		{"basic", regtest.Options{TLS: true, Users: map[string]string{authUser: authPass}}},
		{"token", regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}}},
	} {
		t.Run(auth.name, func(t *testing.T) {
			t.Parallel()
			r := regtest.New(t, auth.opts)
			seed(t, r, "creds/app", "1", false, linuxAMD64)
			ca := caFile(t, r)
			ref := r.Host + "/creds/app:1-linux-amd64"
			unauthorized := "error: reading " + ref + ": unauthorized as user \"alice\" (check --docker-cfg or docker login " + r.Host + ", --username, and access to the repository)"
			for _, src := range credSources {
				t.Run("alone: "+src.name, func(t *testing.T) {
					res, names := credRun(t, r, ca, ref, []credSource{src}, []string{authPass})
					res.ok0(t)
					if !strings.Contains(res.stderr, "debug: credentials for "+r.Host+" from "+names[0]+"\n") {
						t.Errorf("--debug does not name the source %q:\n%s", names[0], res.stderr)
					}
					noSecret(t, res, authPass)
					wrong := "wrong-" + strings.Fields(src.name)[0] + "-Zq9x"
					res, _ = credRun(t, r, ca, ref, []credSource{src}, []string{wrong})
					res.fails(t, 1, unauthorized)
					noSecret(t, res, wrong)
				})
			}
			if auth.name == "token" {
				return // the order does not depend on the scheme
			}
			// --docker-cfg says where the Docker config is: the default one
			// is not read, so a run given one needs nothing of it
			t.Run("--docker-cfg replaces DOCKER_CONFIG", func(t *testing.T) {
				res, _ := credRun(t, r, ca, ref, []credSource{credSources[1], credSources[3]}, []string{"not-the-password-Kw7", authPass})
				res.fails(t, 1, unauthorized)
				broken := writeAuth(t, "config.json", `{"auths": [`)
				other := writeAuth(t, "config.json", authJSON(r.Host, authUser, authPass))
				mtEnv(t, []string{"DOCKER_CONFIG=" + broken, "XDG_RUNTIME_DIR=" + t.TempDir()}, "", "--ca-file", ca, "--docker-cfg", other, "platforms", ref).ok0(t)
			})
			for i := 0; i+1 < len(credSources); i++ {
				hi, lo := credSources[i], credSources[i+1]
				t.Run(hi.name+" over "+lo.name, func(t *testing.T) {
					const wrong = "not-the-password-Kw7"
					res, names := credRun(t, r, ca, ref, []credSource{hi, lo}, []string{authPass, wrong})
					res.ok0(t)
					if !strings.Contains(res.stderr, "debug: credentials for "+r.Host+" from "+names[0]+"\n") {
						t.Errorf("--debug does not name the higher source %q:\n%s", names[0], res.stderr)
					}
					noSecret(t, res, authPass, wrong)
					res, names = credRun(t, r, ca, ref, []credSource{hi, lo}, []string{wrong, authPass})
					res.fails(t, 1, unauthorized)
					if !strings.Contains(res.stderr, "debug: credentials for "+r.Host+" from "+names[0]+"\n") {
						t.Errorf("--debug does not name the higher source %q:\n%s", names[0], res.stderr)
					}
					noSecret(t, res, authPass, wrong)
				})
			}
		})
	}
}

// A DOCKER_AUTH_CONFIG or REGISTRY_AUTH_FILE that is not a config of
// credentials is one line naming it, exit 2, before any request, and
// never shows the secret it holds: JSON cut short, an auth that is not
// base64 user:password, a value over 64 KiB, a helper name that is a
// path, a file of 5 MiB, /dev/zero, a directory. Memory and time are
// logged and bounded.
func TestCredentialSourcesHostile(t *testing.T) {
	t.Parallel()
	const secret = "Hostile-Secret-4f9a"
	b64 := base64.StdEncoding.EncodeToString([]byte("alice:" + secret))
	ref := reg.Host + "/creds/none:1"
	const what = "DOCKER_AUTH_CONFIG (a Docker config's JSON): "
	big := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(big, []byte(`{"auths":{"h":{"auth":"`+b64+`"}},"x":"`+strings.Repeat("y", 5<<20)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name string
		env  string
		want string
	}{
		{"JSON cut short", `DOCKER_AUTH_CONFIG={"auths":{"h":{"password":"` + secret + `"`, what + "unexpected end of JSON input"},
		{"auth not base64", `DOCKER_AUTH_CONFIG={"auths":{"reg.example.com":{"auth":"` + secret + `"}}}`, what + `auths["reg.example.com"].auth is not base64 "user:password" (log in again with docker login reg.example.com)`},
		{"auth without a colon", `DOCKER_AUTH_CONFIG={"auths":{"reg.example.com":{"auth":"` + base64.StdEncoding.EncodeToString([]byte(secret)) + `"}}}`, what + `auths["reg.example.com"].auth is not base64 "user:password" (log in again with docker login reg.example.com)`},
		{"a type that is wrong", `DOCKER_AUTH_CONFIG={"auths":{"h":{"auth":["` + secret + `"]}}}`, what + "json: cannot unmarshal array into Go struct field dockerAuth.auths.auth of type string"},
		{"over 64 KiB", `DOCKER_AUTH_CONFIG={"auths":{"h":{"auth":"` + b64 + `"}},"x":"` + strings.Repeat("y", 100<<10) + `"}`, "DOCKER_AUTH_CONFIG: more than 64KiB, a fixed limit far above what credentials take (a few KB); is it a Docker config's JSON?"},
		{"a helper name that is a path", `DOCKER_AUTH_CONFIG={"credHelpers":{"reg.example.com":"../../../tmp/x"},"auths":{"h":{"auth":"` + b64 + `"}}}`, what + `credHelpers["reg.example.com"] is not a credential helper's name (the NAME of docker-credential-NAME on PATH: letters, digits, '.', '_' and '-')`},
		{"REGISTRY_AUTH_FILE of 5 MiB", "REGISTRY_AUTH_FILE=" + big, "reading REGISTRY_AUTH_FILE " + big + ": more than 4MiB, a fixed limit far above what credentials take (a few KB); is it the right file?"},
		{"REGISTRY_AUTH_FILE /dev/zero", "REGISTRY_AUTH_FILE=/dev/zero", "reading REGISTRY_AUTH_FILE /dev/zero: more than 4MiB, a fixed limit far above what credentials take (a few KB); is it the right file?"},
		{"REGISTRY_AUTH_FILE a directory", "REGISTRY_AUTH_FILE=" + dir, "reading REGISTRY_AUTH_FILE " + dir + ": a directory, where an auth.json file was expected"},
		{"REGISTRY_AUTH_FILE cut short", "REGISTRY_AUTH_FILE=" + filepath.Join(writeAuth(t, "auth.json", `{"auths":{"h":{"auth":"`+b64), "auth.json"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mtMeasured(t, []string{tc.env, "XDG_RUNTIME_DIR=" + t.TempDir()}, "", "--plain-http", "--debug", "platforms", ref)
			if tc.want == "" {
				if res.code != 2 || len(errorLines(res.stderr)) != 1 || !strings.Contains(res.stderr, "error: reading REGISTRY_AUTH_FILE ") {
					t.Errorf("exit %d, want 2 and one line naming REGISTRY_AUTH_FILE:\n%s", res.code, res.stderr)
				}
			} else {
				res.fails(t, 2, "error: "+tc.want)
			}
			if strings.Contains(res.stderr, "GET ") {
				t.Errorf("a request went out:\n%s", res.stderr)
			}
			noSecret(t, res, secret)
			if strings.Contains(res.stdout+res.stderr, b64) {
				t.Error("the output holds the auth value")
			}
			t.Logf("measured: %s: exit %d, max RSS %d KiB, %s", tc.name, res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
			if res.maxRSS > 100<<10 || res.elapsed > 30*time.Second {
				t.Errorf("max RSS %d KiB, %s: over 100 MiB or 30 s", res.maxRSS, res.elapsed)
			}
		})
	}
}
