package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// redirector is a TLS registry front on 127.0.0.1 (with a certificate of
// its own, trusted by nobody) that answers the API check itself and
// redirects (307) every other request to the same path at base, the way
// a registry sends blob reads to its storage.
func redirector(t *testing.T, base string) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.WriteHeader(http.StatusOK)
			return
		}
		u := base + r.URL.Path
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, u, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// A registry given --insecure (or --insecure-registry) redirects to a host
// whose certificate is not trusted: the error names that host, as a
// redirect target, with the ways to trust it (which work), not the
// registry and the --insecure already given.
func TestRedirectTargetUntrusted(t *testing.T) {
	t.Parallel()
	store := regtest.New(t, regtest.Options{TLS: true})
	seed(t, store, "redir/app", "1", false, linuxAMD64)
	_, port, _ := strings.Cut(store.Host, ":")
	target := "localhost:" + port // the storage's certificate names localhost too
	front := redirector(t, "https://"+target)
	img := front + "/redir/app:1-linux-amd64"
	want := "error: reading " + img + ": TLS certificate of " + target + " (a redirect target of " + front + ") is not trusted: " +
		"signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/" + target + "/ca.crt, " +
		"or skip verification with --insecure-registry " + target + ")"
	mt(t, "--insecure", "platforms", img).fails(t, 1, want)
	mt(t, "--insecure-registry", front, "platforms", img).fails(t, 1, want)
	// both ways out
	mt(t, "--insecure", "--insecure-registry", target, "platforms", img).ok0(t)
	mt(t, "--insecure", "--ca-file", caFile(t, store), "platforms", img).ok0(t)
}

// A token server whose certificate is not trusted is said to be so, in
// one line naming it, not "unauthorized": TLS is verified at the realm
// even with --insecure for the registry, and --insecure-registry for the
// token server's host, or its CA, is the way out.
func TestTokenServerUntrusted(t *testing.T) {
	t.Parallel()
	r := regtest.New(t, regtest.Options{TLS: true, Token: true, Users: map[string]string{authUser: authPass}})
	seed(t, r, "realm/app", "1", false, linuxAMD64)
	realm := r.TokenHost()
	img := r.Host + "/realm/app:1-linux-amd64"
	want := "error: reading " + img + ": TLS certificate of the token server " + realm + " (the realm of " + r.Host + ") is not trusted: " +
		"signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/" + realm + "/ca.crt, " +
		"or skip verification with --insecure-registry " + realm + "; --insecure covers registries, not their token servers)"
	mtEnv(t, nil, authPass, "--insecure", "--username", authUser, "--password-stdin", "platforms", img).fails(t, 1, want)
	mt(t, "--insecure", "platforms", img).fails(t, 1, want) // anonymous: a token is asked for all the same
	mtEnv(t, nil, authPass, "--insecure", "--insecure-registry", realm, "--username", authUser, "--password-stdin", "platforms", img).ok0(t)
	mtEnv(t, nil, authPass, "--insecure", "--ca-file", caFile(t, r), "--username", authUser, "--password-stdin", "platforms", img).ok0(t)
}

// A registry that answers, and redirects to a port where nothing listens:
// the error names the host:port that refused, as a redirect target, not
// the registry that answered.
func TestRedirectTargetRefused(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "gone/app", "1", false, linuxAMD64)
	down := freeAddr(t)
	front := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == "GET" && strings.Contains(req.URL.Path, "/manifests/") {
			http.Redirect(w, req, (&url.URL{Scheme: "http", Host: down, Path: req.URL.Path}).String(), http.StatusTemporaryRedirect)
			return true
		}
		return false
	})
	img := front + "/gone/app:1-linux-amd64"
	mt(t, "--plain-http", "platforms", img).fails(t, 1, fmt.Sprintf(
		"error: reading %s: connection refused by %s (a redirect target of %s; is the server it redirects to running?)", img, down, front))
}
