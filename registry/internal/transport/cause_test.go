package transport

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/errs"
)

// produced is a failure made for real: the error regclient returned, the
// registry asked, whose credentials were used, and the words a test's
// want may name (REG for the registry's host:port, OTHER for another
// host's, and any the failure adds).
type produced struct {
	err   error
	creds string
	vars  map[string]string
}

// say is want with the failure's words in place.
func (p produced) say(want string) string {
	var pairs []string
	for k, v := range p.vars {
		pairs = append(pairs, k, v)
	}
	return strings.NewReplacer(pairs...).Replace(want)
}

// failureCase is a failure of a request to a registry and what [Cause]
// says of it. Its name is the name of the cause rule that says it, alone
// or followed by ": " and what differs.
type failureCase struct {
	name string
	make func(t *testing.T) produced
	want string
}

// failures are made by the real regclient over a Transport, one or more
// for each rule of [causes], in their order.
var failures = []failureCase{
	{"plain HTTP refused", func(t *testing.T) produced {
		r := newRegistry(t, true, nil)
		r.intercept = answerWith("POST", "/blobs/uploads/", func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Location", "http://"+r.host()+"/v2/app/blobs/uploads/1?_state=secret") // a proxy that does not forward the scheme
			w.WriteHeader(http.StatusAccepted)
		})
		tr, _ := newTransport(t, Options{Retry: fast, CA: r.ca(), PlainHTTP: []string{}})
		blob := []byte("a layer")
		_, err := client(tr, tlsHost(r.host())).BlobPut(context.Background(), mustRef(t, r.host()+"/app:1"), descOf("", blob), bytes.NewReader(blob))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "refused to send PATCH http://REG/v2/app/blobs/uploads/1 in plain HTTP: REG is spoken to over HTTPS and its answer named this http:// URL (a proxy in front of it may not forward the scheme); --plain-http-registry REG would allow it"},

	{"plain HTTP refused by regclient", func(t *testing.T) produced {
		r := newRegistry(t, true, nil)
		r.intercept = answerWith("GET", "/manifests/1", func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, "http://"+r.host()+"/elsewhere?sig=secret", http.StatusTemporaryRedirect)
		})
		tr, _ := newTransport(t, Options{Retry: fast, CA: r.ca(), PlainHTTP: []string{}})
		return getManifest(t, tr, tlsHost(r.host()), "1")
	}, "REG sent the request on to http://REG/elsewhere (a redirect, or its token realm) in plain HTTP, refused from HTTPS: credentials and data would go in clear text"},

	{"stopped answering", func(t *testing.T) produced {
		r := newRegistry(t, false, nil)
		tr, _ := newTransport(t, Options{Retry: few})
		rc := client(tr, plainHost(r.host()))
		newImage(t, 10).push(t, rc, mustRef(t, r.host()+"/app:1")) // it answered
		r.Close()
		_, err := rc.ManifestGet(context.Background(), mustRef(t, r.host()+"/app:1"))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "GET REG/v2/app/manifests/1: connection refused (3 attempts) (the registry stopped answering; run again once it is back)"},
	{"stopped answering: a redirect target", func(t *testing.T) produced {
		storage := httptest.NewServer(ok("blob"))
		r := newRegistry(t, false, redirectTo(storage.URL+"/blob"))
		tr, _ := newTransport(t, Options{Retry: few})
		rc := client(tr, plainHost(r.host()))
		rr, d := mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob"))
		if err := readAll(rc, rr, d); err != nil { // it answered
			t.Fatal(err)
		}
		storage.Close()
		return produced{err: readAll(rc, rr, d), vars: map[string]string{"REG": r.host(), "OTHER": storage.Listener.Addr().String()}}
	}, "GET OTHER/blob: connection refused (3 attempts) (the redirect target stopped answering; run again once it is back)"},

	{"retries", func(t *testing.T) produced {
		r := newRegistry(t, false, answerWith("GET", "/manifests/1", status(http.StatusServiceUnavailable)))
		tr, _ := newTransport(t, Options{Retry: few})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "GET REG/v2/app/manifests/1: 503 Service Unavailable (503 says the server) (3 attempts)"},
	{"retries: stalled", func(t *testing.T) produced {
		r := newRegistry(t, false, answerWith("GET", "/manifests/1", stallAfter(10)))
		tr, _ := newTransport(t, Options{Retry: Policy{Attempts: 2, Delay: time.Millisecond}, IdleTimeout: 100 * time.Millisecond})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "GET REG/v2/app/manifests/1: stalled, no byte moved for 100ms (--idle-timeout) (2 attempts)"},

	{"unconfirmed write", func(t *testing.T) produced {
		img := newImage(t, 10)
		r := newRegistry(t, false, answerWith("PUT", "/manifests/1", status(http.StatusAccepted)))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := client(tr, plainHost(r.host())).ManifestPut(context.Background(), mustRef(t, r.host()+"/app:1"), img.manifest)
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "PUT REG/v2/app/manifests/1: REG answered 202 Accepted, but HEAD /v2/app/manifests/1 answers 404 Not Found: the registry did not store what was sent"},

	{"altered", func(t *testing.T) produced {
		img := newImage(t, 10)
		body, _ := img.manifest.RawBody()
		altered := bytes.Replace(body, []byte(`"schemaVersion":2`), []byte(`"schemaVersion": 2`), 1)
		want := img.manifest.GetDescriptor().Digest
		r := newRegistry(t, false, answerWith("GET", "/manifests/"+want.String(), func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", img.manifest.GetDescriptor().MediaType)
			w.Write(altered)
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		p := getManifest(t, tr, plainHost(r.host()), want.String())
		p.vars["EXPECTED"], p.vars["RECEIVED"] = want.String(), digest.FromBytes(altered).String()
		return p
	}, "the bytes received do not match their digest (EXPECTED expected, RECEIVED received): REG, or something between, is altering data"},
	{"altered: a blob", func(t *testing.T) produced {
		blob := []byte("the layer as pushed")
		altered := []byte("the layer as served")
		d := descOf("", blob)
		r := newRegistry(t, false, answerWith("GET", "/blobs/"+d.Digest.String(), ok(string(altered))))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), d)
		return produced{err: err, vars: map[string]string{"REG": r.host(), "EXPECTED": d.Digest.String(), "RECEIVED": digest.FromBytes(altered).String()}}
	}, "the bytes received do not match their digest (EXPECTED expected, RECEIVED received): REG, or something between, is altering data"},

	{"interrupted", func(t *testing.T) produced {
		reached := make(chan struct{})
		r := newRegistry(t, false, answerWith("GET", "/manifests/1", func(w http.ResponseWriter, req *http.Request) {
			close(reached)
			<-req.Context().Done()
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-reached; cancel() }()
		_, err := client(tr, plainHost(r.host())).ManifestGet(ctx, mustRef(t, r.host()+"/app:1"))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "interrupted"},

	{"--timeout", func(t *testing.T) produced { return cutByDeadline(t, 2*time.Second) },
		"timed out (--timeout 2s) during GET REG/v2/app/manifests/1"},
	{"--timeout: no limit said", func(t *testing.T) produced { return cutByDeadline(t, 0) },
		"timed out (--timeout) during GET REG/v2/app/manifests/1"},
	{"--timeout: after it passed", func(t *testing.T) produced {
		r := newRegistry(t, false, nil)
		tr, _ := newTransport(t, Options{Retry: fast, Timeout: 2 * time.Second})
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := client(tr, plainHost(r.host())).ManifestGet(ctx, mustRef(t, r.host()+"/app:1"))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "timed out (--timeout)"},

	{"not found", func(t *testing.T) produced {
		r := newRegistry(t, false, nil)
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(r.host()), "missing")
	}, "not found (NAME_UNKNOWN: Unknown name)"},

	{"no credentials", func(t *testing.T) produced {
		r := newRegistry(t, false, basicAuth)
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "unauthorized: REG requires credentials and none were found (run docker login REG, or pass --username with --password-stdin)"},

	{"credentials refused", func(t *testing.T) produced {
		r := newRegistry(t, false, basicAuth)
		tr, _ := newTransport(t, Options{Retry: fast})
		h := plainHost(r.host())
		h.User, h.Pass = "ci", "wrong"
		p := getManifest(t, tr, h, "1")
		p.creds = `as user "ci"`
		return p
	}, `unauthorized as user "ci" (check --docker-cfg or docker login REG, --username, and access to the repository)`},
	{"credentials refused: by the token server", func(t *testing.T) produced {
		auth := httptest.NewServer(status(http.StatusUnauthorized))
		t.Cleanup(auth.Close)
		r := newRegistry(t, false, bearerAuth(auth.URL+"/token"))
		tr, _ := newTransport(t, Options{Retry: fast})
		h := plainHost(r.host())
		h.User, h.Pass = "ci", "wrong"
		p := getManifest(t, tr, h, "1")
		p.creds = `as user "ci"`
		return p
	}, `unauthorized as user "ci" (check --docker-cfg or docker login REG, --username, and access to the repository)`},

	{"untrusted", func(t *testing.T) produced {
		r := newRegistry(t, true, nil)
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, tlsHost(r.host()), "1")
	}, "TLS certificate of REG is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/REG/ca.crt, or skip verification with --insecure)"},
	{"untrusted: a redirect target", func(t *testing.T) produced {
		storage := tlsServer(t, ok("blob"))
		r := newRegistry(t, true, redirectTo(storage.URL+"/blob?sig=secret"))
		tr, _ := newTransport(t, Options{Retry: fast, Insecure: []string{r.host()}})
		err := readAll(client(tr, tlsHost(r.host())), mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob")))
		return produced{err: err, vars: map[string]string{"REG": r.host(), "OTHER": storage.Listener.Addr().String()}}
	}, "TLS certificate of OTHER (a redirect target of REG) is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/OTHER/ca.crt, or skip verification with --insecure-registry OTHER)"},
	{"untrusted: the token server", func(t *testing.T) produced {
		auth := tlsServer(t, ok(`{"token":"t"}`))
		r := newRegistry(t, false, bearerAuth(auth.URL+"/token"))
		tr, _ := newTransport(t, Options{Retry: fast})
		p := getManifest(t, tr, plainHost(r.host()), "1")
		p.vars["OTHER"] = auth.Listener.Addr().String()
		return p
	}, "TLS certificate of the token server OTHER (the realm of REG) is not trusted: signed by an unknown authority (trust its CA with --ca-file or in /etc/docker/certs.d/OTHER/ca.crt, or skip verification with --insecure-registry OTHER; --insecure covers registries, not their token servers)"},
	{"untrusted: Docker Hub, asked as docker.io", func(t *testing.T) produced {
		hub := tlsServer(t, ok("{}"))
		tr, _ := newTransport(t, Options{Retry: fast})
		dialAs(tr, map[string]string{"registry-1.docker.io:443": hub.Listener.Addr().String()})
		_, err := client(tr, config.Host{Name: "docker.io", TLS: config.TLSEnabled}).ManifestGet(context.Background(), mustRef(t, "docker.io/library/alpine:3"))
		// the test certificate is not for registry-1.docker.io, as x509 says
		return produced{err: err, vars: map[string]string{"REG": "docker.io", "DETAIL": errorAs[x509.HostnameError](err).Error()}}
	}, "TLS certificate of docker.io is not trusted: DETAIL (trust its CA with --ca-file or in /etc/docker/certs.d/docker.io/ca.crt, or skip verification with --insecure)"},

	{"plain HTTP at another host", func(t *testing.T) produced {
		storage := httptest.NewServer(ok("blob"))
		t.Cleanup(storage.Close)
		other := storage.Listener.Addr().String()
		r := newRegistry(t, false, redirectTo("https://"+other+"/blob"))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob")))
		return produced{err: err, vars: map[string]string{"REG": r.host(), "OTHER": other}}
	}, "OTHER (a redirect target of REG) answers in plain HTTP, not HTTPS, at the https URL REG sent the request to"},
	{"plain HTTP", func(t *testing.T) produced {
		r := newRegistry(t, false, nil)
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, tlsHost(r.host()), "1")
	}, "REG answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"},

	{"no such host", func(t *testing.T) produced {
		tr, _ := newTransport(t, Options{Retry: fast})
		tr.hosts.dial = (&net.Dialer{Resolver: &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no name server in the tests")
		}}}).DialContext
		_, err := client(tr, plainHost("reg.example.com:5000")).ManifestGet(context.Background(), mustRef(t, "reg.example.com:5000/app:1"))
		return produced{err: err, vars: map[string]string{"REG": "reg.example.com:5000"}}
	}, "cannot resolve host reg.example.com"},
	{"no such host: a redirect target", func(t *testing.T) produced {
		r := newRegistry(t, false, redirectTo("http://nowhere-.invalid/blob")) // not a host name: no lookup is sent
		tr, _ := newTransport(t, Options{Retry: fast})
		err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob")))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "cannot resolve host nowhere-.invalid (a redirect target of REG)"},

	{"refused by the token server", func(t *testing.T) produced {
		down := closedPort(t)
		r := newRegistry(t, false, bearerAuth("http://"+down+"/token"))
		tr, _ := newTransport(t, Options{Retry: fast})
		p := getManifest(t, tr, plainHost(r.host()), "1")
		p.vars["OTHER"] = down
		return p
	}, "connection refused by the token server OTHER (the realm of REG; is it running?)"},
	{"refused by a redirect target", func(t *testing.T) produced {
		down := closedPort(t)
		r := newRegistry(t, false, redirectTo("http://"+down+"/blob"))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob")))
		return produced{err: err, vars: map[string]string{"REG": r.host(), "OTHER": down}}
	}, "connection refused by OTHER (a redirect target of REG; is the server it redirects to running?)"},
	{"refused", func(t *testing.T) produced {
		down := closedPort(t)
		tr, _ := newTransport(t, Options{Retry: fast})
		p := getManifest(t, tr, plainHost(down), "1")
		return p
	}, "connection refused by REG (is the registry running, and is the address right?)"},
	{"refused: the registry, with its port 443 written", func(t *testing.T) produced {
		tr, _ := newTransport(t, Options{Retry: fast})
		dialAs(tr, map[string]string{"reg.example.com:443": closedPort(t)})
		_, err := client(tr, tlsHost("reg.example.com:443")).ManifestGet(context.Background(), mustRef(t, "reg.example.com:443/app:1"))
		return produced{err: err, vars: map[string]string{"REG": "reg.example.com"}}
	}, "connection refused by reg.example.com (is the registry running, and is the address right?)"},

	{"cannot connect to another host", func(t *testing.T) produced {
		storage := httptest.NewServer(ok("blob"))
		t.Cleanup(storage.Close)
		other := storage.Listener.Addr().String()
		r := newRegistry(t, false, redirectTo(storage.URL+"/blob"))
		tr, _ := newTransport(t, Options{Retry: fast})
		tr.hosts.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := &net.Dialer{}
			if addr == other {
				d.Timeout = time.Nanosecond // out of time at once
			}
			return d.DialContext(ctx, network, addr)
		}
		err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), descOf("", []byte("blob")))
		return produced{err: err, vars: map[string]string{"REG": r.host(), "OTHER": other}}
	}, "cannot connect to OTHER (a redirect target of REG; timed out; is it reachable from here?)"},
	{"cannot connect", func(t *testing.T) produced {
		r := newRegistry(t, false, nil)
		tr, _ := newTransport(t, Options{Retry: fast, DialTimeout: time.Nanosecond})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "cannot connect to REG (timed out; is the address right, and the registry reachable from here?)"},

	{"reset", func(t *testing.T) produced { return cutBlob(t, true) }, "connection reset by REG"},
	{"not HTTP", func(t *testing.T) produced {
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(garbageServer(t)), "1")
	}, "REG closed the connection without an HTTP answer (if it serves HTTPS, drop --plain-http for it)"},
	{"closed early", func(t *testing.T) produced { return cutBlob(t, false) }, "REG closed the connection before a whole answer"},

	{"no token", func(t *testing.T) produced {
		auth := httptest.NewServer(ok("<html>"))
		t.Cleanup(auth.Close)
		r := newRegistry(t, false, bearerAuth(auth.URL+"/token"))
		tr, _ := newTransport(t, Options{Retry: fast})
		p := getManifest(t, tr, plainHost(r.host()), "1")
		p.vars["OTHER"] = auth.Listener.Addr().String()
		return p
	}, "the token server of REG answered with something that is not a token (invalid character '<' looking for beginning of value)"},
	{"bad JSON", func(t *testing.T) produced {
		r := newRegistry(t, false, answerWith("GET", "/manifests/1", func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			fmt.Fprint(w, `{"schemaVersion": 2, "config`)
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "the manifest received is not valid JSON (unexpected end of JSON input): REG, or something between, sent it cut short or corrupted"},
	{"the token server failed", func(t *testing.T) produced {
		auth := handshakeRefused(t)
		r := newRegistry(t, false, bearerAuth("https://"+auth+"/token"))
		tr, _ := newTransport(t, Options{Retry: fast, Insecure: []string{auth}})
		p := getManifest(t, tr, plainHost(r.host()), "1")
		p.vars["OTHER"] = auth
		return p
	}, `the token server OTHER (the realm of REG): failed to get manifest REG/app:1: failed to request auth token (get): Get "https://OTHER/token": remote error: tls: handshake failure`},

	{"mislabelled", func(t *testing.T) produced {
		img := newImage(t, 10)
		r := newRegistry(t, false, serveManifest(img, "application/vnd.oci.image.index.v1+json"))
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, "REG labels the manifest application/vnd.oci.image.index.v1+json (Content-Type) but it says it is application/vnd.oci.image.manifest.v1+json"},
	{"not a manifest media type", func(t *testing.T) produced {
		img := newImage(t, 10)
		r := newRegistry(t, false, serveManifest(img, "text/plain"))
		tr, _ := newTransport(t, Options{Retry: fast})
		return getManifest(t, tr, plainHost(r.host()), "1")
	}, `REG answered "text/plain" for a manifest (Content-Type), not a manifest media type`},
	{"network", func(t *testing.T) produced {
		host := handshakeRefused(t)
		tr, _ := newTransport(t, Options{Retry: fast, Insecure: []string{host}})
		return getManifest(t, tr, tlsHost(host), "1")
	}, "tls: handshake failure"},

	{"status", func(t *testing.T) produced {
		img := newImage(t, 10)
		r := newRegistry(t, false, answerWith("DELETE", "", func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed) // as Distribution with deletes off
			fmt.Fprint(w, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`)
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := client(tr, plainHost(r.host())).ManifestDelete(context.Background(), mustRef(t, r.host()+"/app@"+img.manifest.GetDescriptor().Digest.String()))
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)"},
	{"status: a page", func(t *testing.T) produced {
		img := newImage(t, 10)
		r := newRegistry(t, false, answerWith("PUT", "/manifests/1", func(w http.ResponseWriter, req *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<html>bad request</html>")
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := client(tr, plainHost(r.host())).ManifestPut(context.Background(), mustRef(t, r.host()+"/app:1"), img.manifest)
		return produced{err: err, vars: map[string]string{"REG": r.host()}}
	}, "400 Bad Request (<html>bad request</html>)"},
	// what a registry's error says is cut at 100 bytes, before the word
	// the cut would split, its JSON messages (of any length) as its pages
	{"status: a long JSON message", func(t *testing.T) produced {
		return deleteRefused(t, `{"errors":[{"code":"DENIED","message":"`+strings.Repeat("no ", 5000)+`"}]}`)
	}, "405 Method Not Allowed (DENIED: " + strings.Repeat("no ", 30) + "no…)"},
	{"status: a page cut inside a word", func(t *testing.T) produced {
		return deleteRefused(t, strings.Repeat("no ", 33)+"secret-of-the-run")
	}, "405 Method Not Allowed (" + strings.Repeat("no ", 33) + "…)"},
	{"status: a page cut inside a character", func(t *testing.T) produced {
		return deleteRefused(t, strings.Repeat("x", 98)+" éé")
	}, "405 Method Not Allowed (" + strings.Repeat("x", 98) + " …)"},
	// redacted before it is cut, a credential across the cut is not shown
	// in part
	{"status: a token across the cut", func(t *testing.T) produced {
		return deleteRefused(t, strings.Repeat("x", 80)+` "token":"4f3a9c1e7b2d8a6f0e5c4b3a2918f7e6d5c4b3a2"`)
	}, "405 Method Not Allowed (" + strings.Repeat("x", 80) + ` "token":"***")`},
	// no rule holds: regclient's words, redacted
	{"", func(t *testing.T) produced {
		img := newImage(t, 10)
		other := digest.FromString("another manifest")
		r := newRegistry(t, false, answerWith("PUT", "/manifests/1", func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Docker-Content-Digest", other.String())
			w.WriteHeader(http.StatusCreated)
		}))
		tr, _ := newTransport(t, Options{Retry: fast})
		err := client(tr, plainHost(r.host())).ManifestPut(context.Background(), mustRef(t, r.host()+"/app:1"), img.manifest)
		return produced{err: err, vars: map[string]string{"REG": r.host(), "PUSHED": img.manifest.GetDescriptor().Digest.String(), "ANSWERED": other.String()}}
	}, "failed to put manifest, unexpected digest returned, expected PUSHED, received ANSWERED"},
}

// TestCause says each failure made for real, with the way out, naming
// the host that failed: the registry, a host it redirected the request to,
// or its token server.
func TestCause(t *testing.T) {
	t.Parallel()
	for _, tc := range failures {
		t.Run(cmp.Or(tc.name, "no rule"), func(t *testing.T) {
			t.Parallel()
			p := tc.make(t)
			if p.err == nil {
				t.Fatal("no error")
			}
			if got, want := Cause(p.err, p.vars["REG"], p.creds), p.say(tc.want); got != want {
				t.Errorf("Cause(%.300q)\n got: %s\nwant: %s", p.err, got, want)
			}
		})
	}
}

// Every rule of Cause says a failure of TestCause, and the failures are
// in the order of the rules: a rule that no failure shows, or one put
// before another that it would hide, fails here or in TestCause.
func TestCauseRulesAreShown(t *testing.T) {
	t.Parallel()
	at := map[string]int{}
	for i, r := range causes {
		at[r.name] = i
	}
	shown, last := map[string]bool{}, 0
	for _, tc := range failures {
		if tc.name == "" {
			continue
		}
		rule, _, _ := strings.Cut(tc.name, ": ")
		i, ok := at[rule]
		switch {
		case !ok:
			t.Errorf("failure %q: no rule %q", tc.name, rule)
		case i < last:
			t.Errorf("failure %q: its rule comes before the rule of the failure before it", tc.name)
		default:
			shown[rule], last = true, i
		}
	}
	for _, r := range causes {
		if !shown[r.name] {
			t.Errorf("rule %q: no failure of TestCause shows it", r.name)
		}
	}
}

// failureNamed makes the failure of failures named name.
func failureNamed(t *testing.T, name string) produced {
	t.Helper()
	for _, tc := range failures {
		if tc.name == name {
			return tc.make(t)
		}
	}
	t.Fatalf("no failure %q", name)
	return produced{}
}

// deleteRefused is the failure of a manifest DELETE that the registry
// refuses, 405, with body.
func deleteRefused(t *testing.T, body string) produced {
	img := newImage(t, 10)
	r := newRegistry(t, false, answerWith("DELETE", "", func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprint(w, body)
	}))
	tr, _ := newTransport(t, Options{Retry: fast})
	err := client(tr, plainHost(r.host())).ManifestDelete(context.Background(), mustRef(t, r.host()+"/app@"+img.manifest.GetDescriptor().Digest.String()))
	return produced{err: err, vars: map[string]string{"REG": r.host()}}
}

// getManifest asks the registry h for app:tag with the real regclient
// over tr.
func getManifest(t *testing.T, tr *Transport, h config.Host, tag string) produced {
	t.Helper()
	sep := ":"
	if strings.HasPrefix(tag, "sha256:") {
		sep = "@"
	}
	_, err := client(tr, h).ManifestGet(context.Background(), mustRef(t, h.Name+"/app"+sep+tag))
	return produced{err: err, vars: map[string]string{"REG": h.Name}}
}

// cutByDeadline is a manifest GET in flight when its context's deadline
// passes, the user's time limit being limit.
func cutByDeadline(t *testing.T, limit time.Duration) produced {
	r := newRegistry(t, false, answerWith("GET", "/manifests/1", func(w http.ResponseWriter, req *http.Request) { <-req.Context().Done() }))
	tr, _ := newTransport(t, Options{Retry: fast, Timeout: limit})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := client(tr, plainHost(r.host())).ManifestGet(ctx, mustRef(t, r.host()+"/app:1"))
	return produced{err: err, vars: map[string]string{"REG": r.host()}}
}

// cutBlob is the failure of a blob's read, the blob too large to be read
// whole by the transport: its answer stops after 1 MiB, the connection
// reset or closed, and the registry does not send the rest when asked.
func cutBlob(t *testing.T, reset bool) produced {
	blob := bytes.Repeat([]byte("a layer "), (9<<20)/8)
	d := descOf("", blob)
	r := newRegistry(t, false, answerWith("GET", "/blobs/"+d.Digest.String(), func(w http.ResponseWriter, req *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(blob))
		buf.Write(blob[:1<<20])
		buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			tc.SetLinger(0) // an RST, not a FIN
		}
		conn.Close()
	}))
	tr, _ := newTransport(t, Options{Retry: fast})
	err := readAll(client(tr, plainHost(r.host())), mustRef(t, r.host()+"/app:1"), d)
	return produced{err: err, vars: map[string]string{"REG": r.host()}}
}

// redirectTo answers every blob GET with a redirect to u.
func redirectTo(u string) func(http.ResponseWriter, *http.Request) bool {
	return answerWith("GET", "/blobs/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, u, http.StatusTemporaryRedirect)
	})
}

// basicAuth answers every request 401, asking for Basic credentials.
func basicAuth(w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
	w.WriteHeader(http.StatusUnauthorized)
	return true
}

// bearerAuth answers every request without a token 401, sending the
// client to the token server at realm.
func bearerAuth(realm string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`",service="registry"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
}

// serveManifest answers GETs of app:1 with img's manifest, labelled
// contentType.
func serveManifest(img image, contentType string) func(http.ResponseWriter, *http.Request) bool {
	return answerWith("GET", "/manifests/1", func(w http.ResponseWriter, r *http.Request) {
		body, _ := img.manifest.RawBody()
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

// stallAfter sends an answer's headers and its first n bytes, then stalls
// until the client goes away.
func stallAfter(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(n+100))
		w.WriteHeader(http.StatusOK)
		w.Write(bytes.Repeat([]byte("x"), n))
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
}

// tlsServer starts an HTTPS server whose certificate nobody trusts.
func tlsServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// handshakeRefused starts an HTTPS server that ends every handshake with
// an alert (it wants a client certificate, and speaks TLS 1.2, where that
// is said in the handshake), and returns its host:port.
func handshakeRefused(t *testing.T) string {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// garbageServer starts a server that answers each request with a TLS
// alert, not HTTP, and returns its host:port.
func garbageServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Read(make([]byte, 512))                       // the request
			conn.Write([]byte("\x15\x03\x01\x00\x02\x02\x46")) // a TLS alert
			conn.Close()
		}
	}()
	return ln.Addr().String()
}

// dialAs makes tr dial each address of as at another (host:port names
// that are not on this machine).
func dialAs(tr *Transport, as map[string]string) {
	d := &net.Dialer{}
	tr.hosts.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := as[addr]; ok {
			addr = to
		}
		return d.DialContext(ctx, network, addr)
	}
}

// An OCI layout is named by its directory; what regclient says of a
// layout it reads is said as the layout's, not as a host's.
func TestLayoutCause(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rc := regclient.New()
	img := newImage(t, 100)
	lr := mustRef(t, "ocidir://"+dir+"/app:1")
	img.push(t, rc, lr)
	manifestFile := filepath.Join(dir, "app", "blobs", "sha256", img.manifest.GetDescriptor().Digest.Encoded())
	layer := descOf("", img.layer)
	layerFile := filepath.Join(dir, "app", "blobs", "sha256", layer.Digest.Encoded())
	pushed, err := os.ReadFile(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	write := func(file string, b []byte) {
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	getManifest := func() error { _, err := rc.ManifestGet(context.Background(), lr); return err }
	getLayer := func() error { return readAll(rc, lr, layer) }
	flipped := bytes.Clone(pushed)
	flipped[bytes.Index(flipped, []byte("sha256:"))+7] ^= 1 // same length, other bytes
	altered := bytes.Clone(img.layer)
	altered[0] ^= 1
	tests := []struct {
		name  string
		setup func()
		read  func() error
		want  string
	}{
		{"not found", func() {}, func() error {
			_, err := rc.ManifestGet(context.Background(), mustRef(t, "ocidir://"+dir+"/app:missing"))
			return err
		}, "not found"},
		{"an altered manifest", func() { write(manifestFile, flipped) }, getManifest,
			"the layout at DIR holds bytes that do not match their digest (" + img.manifest.GetDescriptor().Digest.String() + " expected, " + digest.FromBytes(flipped).String() + " received)"},
		{"an altered layer", func() { write(manifestFile, pushed); write(layerFile, altered) }, getLayer,
			"the layout at DIR holds bytes that do not match their digest (" + layer.Digest.String() + " expected, " + digest.FromBytes(altered).String() + " received)"},
		// a file cut short is no connection closed by a host
		{"a manifest cut short", func() { write(manifestFile, pushed[:len(pushed)/2]) }, getManifest,
			"the layout at DIR holds a manifest that is not valid JSON (unexpected end of JSON input)"},
		// no rule holds: regclient's words
		{"a manifest longer than said", func() { write(manifestFile, append(bytes.Clone(pushed), ' ')) }, getManifest,
			"failed to read manifest: read limit exceeded"},
	}
	for _, tc := range tests { // in order: each changes the layout
		tc.setup()
		err := tc.read()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got, want := LayoutCause(err, dir), strings.ReplaceAll(tc.want, "DIR", dir); got != want {
			t.Errorf("%s: LayoutCause(%q)\n got: %s\nwant: %s", tc.name, err, got, want)
		}
	}
}

// Says finds a code in the registry's answer that an error quotes, and
// nothing in a 404 without one.
func TestSays(t *testing.T) {
	t.Parallel()
	ecr := fmt.Errorf("failed: request failed: %w [http 404]: %s", errs.ErrNotFound, `{"errors":[{"code":"NAME_UNKNOWN","message":"The repository with name 'app' does not exist"}]}`)
	plain := fmt.Errorf("failed: request failed: %w [http 404]: %s", errs.ErrNotFound, "404 page not found")
	if !Says(ecr, "NAME_UNKNOWN") || Says(ecr, "DENIED") || Says(plain, "NAME_UNKNOWN") || Says(nil, "NAME_UNKNOWN") {
		t.Errorf("Says: %v %v %v", Says(ecr, "NAME_UNKNOWN"), Says(ecr, "DENIED"), Says(plain, "NAME_UNKNOWN"))
	}
}

// A refused scope reads the same whatever order the registry named its
// actions in.
func TestSortedActions(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"repository:team/app:push,pull":                          "repository:team/app:pull,push",
		"repository:a:pull repository:team/app:push,pull,delete": "repository:a:pull repository:team/app:delete,pull,push",
		"":                   "",
		"registry:catalog:*": "registry:catalog:*",
	} {
		if got := sortedActions(in); got != want {
			t.Errorf("sortedActions(%q) = %q, want %q", in, got, want)
		}
	}
}
