package integration

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// burstPlatforms are 16 platforms, one member each, none with a variant.
var burstPlatforms = func() []regtest.Platform {
	var out []regtest.Platform
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64",
		"linux/mips64le", "linux/mips64", "linux/mipsle", "linux/mips", "linux/loong64", "freebsd/amd64", "freebsd/arm64",
		"netbsd/amd64", "openbsd/amd64", "windows/amd64"} {
		os, arch, _ := strings.Cut(p, "/")
		out = append(out, regtest.Platform{OS: os, Architecture: arch})
	}
	return out
}()

// burstArgs pushes the 16 members of src/lab/builds:1-* to target.
func burstArgs(src *regtest.Registry, target string) []string {
	var items []string
	for _, p := range burstPlatforms {
		items = append(items, p.OS+"/"+p.Architecture)
	}
	return []string{"push", "--type", "oci", "from-args", "--platforms", strings.Join(items, ","),
		"--template", src.Host + "/lab/builds:1-OS-ARCH", "--target", target, "--tags", "extra-a,extra-b"}
}

// A push of 16 members to registries that hand out tokens meets one 401
// per registry: the first request to each goes alone, and the others
// carry the token regclient got for it, instead of each meeting a
// challenge of its own. A round trip of latency makes the burst go out
// before any answer, as it does across a network.
func TestTokenFirstBurst(t *testing.T) {
	t.Parallel()
	users := map[string]string{authUser: authPass}
	opts := regtest.Options{TLS: true, Token: true, Users: users, RealmHost: "localhost"}
	src, dst := regtest.New(t, opts), regtest.New(t, opts)
	seed(t, src, "lab/builds", "1", false, burstPlatforms...)
	ca := writeFile(t, "ca.pem", string(src.CACert)+string(dst.CACert)) // both CAs
	auth := base64.StdEncoding.EncodeToString([]byte(authUser + ":" + authPass))
	cfg := filepath.Dir(writeFile(t, "config.json", fmt.Sprintf(`{"auths":{%q:{"auth":%q},%q:{"auth":%q}}}`, src.Host, auth, dst.Host, auth)))
	for _, c := range []struct {
		name     string
		target   *regtest.Registry
		want401s int // one per registry
	}{
		{"one registry", src, 1},
		{"members on another registry", dst, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			src.Traffic()
			dst.Traffic()
			src.SetLatency(20 * time.Millisecond)
			dst.SetLatency(20 * time.Millisecond)
			res := mt(t, append([]string{"--ca-file", ca, "--docker-cfg", cfg}, burstArgs(src, c.target.Host+"/lab/app:"+strings.ReplaceAll(c.name, " ", "-"))...)...)
			src.SetLatency(0)
			dst.SetLatency(0)
			res.ok(t)
			var tr regtest.Traffic
			tr.Add(src.Traffic())
			if c.target != src {
				tr.Add(dst.Traffic())
			}
			t.Logf("%s: %d registry requests, %d answered 401, %d token requests", c.name, regtest.Total(tr.Requests), tr.Unauthorized, tr.Tokens)
			if tr.Unauthorized != c.want401s {
				t.Errorf("%d answers 401, want %d (one per registry): %v", tr.Unauthorized, c.want401s, tr.Requests)
			}
		})
	}
}

// A registry that asks for no token gets the same requests as ever: the
// first answer lets the burst go, and nothing is sent to learn it.
func TestPlainNoFirstBurstRequest(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{})
	seed(t, r, "lab/builds", "1", false, burstPlatforms...)
	r.Traffic()
	r.SetLatency(20 * time.Millisecond)
	res := mt(t, append([]string{"--plain-http-registry", r.Host}, burstArgs(r, r.Host+"/lab/builds:index")...)...)
	r.SetLatency(0)
	res.ok(t)
	tr := r.Traffic()
	// per member a manifest GET and a config GET; a HEAD per tag; the
	// index PUT once per tag (members present: the target's repository)
	n := len(burstPlatforms)
	want := map[string]int{"GET manifests": n, "GET blobs": n, "HEAD manifests": 3, "PUT manifests": 3}
	if fmt.Sprint(tr.Requests) != fmt.Sprint(want) || tr.Unauthorized != 0 {
		t.Errorf("requests %v (%d answered 401), want %v and none", tr.Requests, tr.Unauthorized, want)
	}
}
