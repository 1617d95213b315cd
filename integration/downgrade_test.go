package integration

import (
	"bufio"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// plainRecorder is a plain-HTTP handler that records every request it is
// sent ("METHOD PATH", with " with credentials" when it carried an
// Authorization header), and hands it on to next when there is one (as a
// proxy in front of a registry would, so that a client that speaks plain
// HTTP there gets on with its job).
type plainRecorder struct {
	mu   sync.Mutex
	seen []string
	next http.Handler
}

func (p *plainRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seen := r.Method + " " + r.URL.Path
	if r.Header.Get("Authorization") != "" {
		seen += " with credentials"
	}
	p.mu.Lock()
	p.seen = append(p.seen, seen)
	p.mu.Unlock()
	if p.next == nil {
		http.Error(w, "plain HTTP is not served here", http.StatusForbidden)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *plainRecorder) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// chanListener is a net.Listener whose connections are handed to it.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// peeked is a connection whose first bytes were read to tell TLS from
// plain HTTP, and are read again from r.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (c *peeked) Read(b []byte) (int, error) { return c.r.Read(b) }

// dualPort serves, on one loopback port, HTTPS with tlsHandler and plain
// HTTP with plain: a connection whose first byte opens a TLS handshake
// (0x16) goes to TLS, any other to plain HTTP, as on a port behind a
// proxy that terminates TLS and answers http:// as well. It returns the
// host:port and the PEM certificate that signs the HTTPS side (httptest's,
// for 127.0.0.1).
func dualPort(t *testing.T, tlsHandler, plain http.Handler) (host, caPEM string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsSide := &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	plainSide := &chanListener{addr: ln.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				br := bufio.NewReader(c)
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				first, err := br.Peek(1)
				c.SetReadDeadline(time.Time{})
				if err != nil {
					c.Close()
					return
				}
				to := plainSide
				if first[0] == 0x16 {
					to = tlsSide
				}
				select {
				case to.conns <- &peeked{Conn: c, r: br}:
				case <-to.done:
					c.Close()
				}
			}()
		}
	}()
	srv := httptest.NewUnstartedServer(tlsHandler)
	srv.Listener = tlsSide
	srv.StartTLS()
	plainSrv := &http.Server{Handler: plain, ReadHeaderTimeout: 10 * time.Second}
	go plainSrv.Serve(plainSide)
	t.Cleanup(func() {
		ln.Close()
		srv.Close()
		plainSrv.Close()
	})
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	return ln.Addr().String(), ca
}

// plainListener serves plain HTTP with h on a port of its own.
func plainListener(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// moved is loc (absolute or relative to the request it answers) at
// scheme://host, its path and query kept.
func moved(loc string, req *http.Request, scheme, host string) string {
	u, err := req.URL.Parse(loc)
	if err != nil {
		return loc
	}
	u.Scheme, u.Host = scheme, host
	return u.String()
}

// An HTTPS registry (a Distribution registry with basic auth behind a TLS
// proxy of ours) answers with a plain-HTTP URL on its own host: on the
// same port (a proxy that terminates TLS and does not forward the
// scheme) or on another (443 to 80), as the upload Location of a POST, of
// a declined mount, or of a PATCH (probe's upload in chunks is the one
// made of PATCHes), as the next page of a referrers list (Link), or as
// its token realm. No request goes out in plain HTTP: the push ends in
// exit 1, on one line naming the registry, the URL without its query, and
// the flag that would allow it (probe and inspect --referrers say it in
// their row or warning; for a realm, which regclient refuses too, nothing
// can), and the plain-HTTP side records nothing. The memory and time of
// each run are measured and held.
func TestNoPlainHTTPFromHTTPS(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	seed(t, reg, "downgrade/src", "1", false, linuxAMD64, linuxARM64)
	tests := []struct {
		name     string
		samePort bool   // the plain URL is on the registry's host:port, else on another port
		how      string // what names it: "POST" (an upload's Location), "mount", "PATCH", "link", "realm"
	}{
		{"upload Location, same port", true, "POST"},
		{"upload Location, another port", false, "POST"},
		{"declined mount's Location", true, "mount"},
		{"PATCH answer's Location", true, "PATCH"},
		{"referrers' next page", true, "link"},
		{"token realm, another port", false, "realm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			back := regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}})
			backURL, _ := url.Parse(back.URL())
			var plainHost, frontHost atomic.Value // string: set before the first request
			rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(backURL)
				r.Out.Host = r.In.Host // as the proxy in front of a registry keeps it
				if q := r.Out.URL.Query(); tc.how == "mount" && r.Out.Method == http.MethodPost {
					q.Del("mount") // declined: an upload starts instead
					q.Del("from")
					r.Out.URL.RawQuery = q.Encode()
				}
			}}
			rp.ModifyResponse = func(resp *http.Response) error {
				// the backend, spoken to in plain HTTP, writes http://<our
				// host>/... Locations: on our HTTPS, but for the answers
				// the case turns plain
				loc := resp.Header.Get("Location")
				method := resp.Request.Method
				if tc.how == "mount" {
					method = "mount"
				}
				switch {
				case loc == "" || resp.StatusCode != http.StatusAccepted:
				case method == tc.how:
					resp.Header.Set("Location", moved(loc, resp.Request, "http", plainHost.Load().(string)))
				default:
					resp.Header.Set("Location", moved(loc, resp.Request, "https", frontHost.Load().(string)))
				}
				return nil
			}
			front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case tc.how == "realm" && r.Header.Get("Authorization") != "Bearer from-the-realm":
					w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+plainHost.Load().(string)+`/token",service="reg"`)
					http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
				case tc.how == "realm":
					r.Header.Del("Authorization")
					r.SetBasicAuth(authUser, authPass)
					rp.ServeHTTP(w, r)
				case tc.how == "link" && strings.Contains(r.URL.Path, "/referrers/"):
					w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
					w.Header().Set("Link", `<http://`+plainHost.Load().(string)+r.URL.Path+`?n=1&last=x>; rel="next"`)
					fmt.Fprint(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
				default:
					rp.ServeHTTP(w, r)
				}
			})
			plain := &plainRecorder{next: httputil.NewSingleHostReverseProxy(backURL)}
			host, ca := dualPort(t, front, plain)
			frontHost.Store(host)
			plainHost.Store(host)
			if !tc.samePort {
				plainHost.Store(plainListener(t, plain))
			}
			at := plainHost.Load().(string)
			flags := []string{"--plain-http-registry", reg.Host, "--ca-file", writeFile(t, "ca.pem", ca), "--username", authUser, "--password-stdin"}
			// two members, whose copies both meet the refusal: one line
			src := reg.Host + "/downgrade/src:1-OS-ARCHVARIANT"
			if tc.how == "mount" || tc.how == "link" {
				seed(t, back, "downgrade/src", "1", false, linuxAMD64, linuxARM64)
				src = host + "/downgrade/src:1-OS-ARCHVARIANT"
			}
			args := append(flags, "push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8", "--template", src, "--target", host+"/downgrade/app:1")
			path := "/v2/downgrade/app/blobs/uploads/"
			switch tc.how {
			case "PATCH":
				args, path = append(flags, "probe", "-o", "json", host+"/downgrade/probe"), "/v2/downgrade/probe/blobs/uploads/"
			case "link":
				args, path = append(flags, "inspect", "--referrers", host+"/downgrade/src:1-linux-amd64"), "/v2/downgrade/src/referrers/"
			case "realm":
				args, path = append(flags, "inspect", host+"/downgrade/src:1-linux-amd64"), "/token"
			}
			res := mtMeasured(t, nil, authPass+"\n", args...)
			t.Logf("measured: %s: exit %d, max RSS %d KiB (%.1f MiB), %s; plain HTTP received %q", tc.name, res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), plain.requests())
			if got := plain.requests(); len(got) > 0 {
				t.Errorf("requests went out over plain HTTP to %s: %q", at, got)
			}
			said := ""
			switch tc.how {
			case "PATCH":
				var probe struct {
					Checks []struct{ Name, Status, Detail string }
				}
				if err := json.Unmarshal([]byte(res.stdout), &probe); err != nil {
					t.Fatalf("probe -o json: %v", err)
				}
				for _, c := range probe.Checks {
					if c.Name == "blob-upload-chunked" {
						said = c.Detail
					}
				}
			case "link":
				said = res.stderr
			default:
				lines := errorLines(res.stderr)
				if res.code != 1 || len(lines) != 1 {
					t.Fatalf("exit %d with error lines %q; want exit 1 and one line", res.code, lines)
				}
				said = lines[0]
			}
			wants := []string{host, "http://" + at + path, "--plain-http-registry " + at}
			if tc.how == "realm" { // nothing can allow it: the registry is HTTPS
				wants = []string{host + " sent the request on to http://" + at + path + " (a redirect, or its token realm) in plain HTTP, refused from HTTPS"}
			}
			for _, want := range wants {
				if !strings.Contains(said, want) {
					t.Errorf("%q does not say %q", said, want)
				}
			}
			if strings.Contains(said, "?") || strings.Contains(said, "_state") {
				t.Errorf("%q shows the URL's query", said)
			}
			if res.maxRSS > rssBound {
				t.Errorf("max RSS %d KiB, over %d KiB", res.maxRSS, rssBound)
			}
			if res.elapsed > time.Minute {
				t.Errorf("ended after %s, over a minute", res.elapsed)
			}
		})
	}
}

// schemeSlip is an HTTPS registry, back behind a proxy of ours on a dual
// port, whose upload POST answers carry "Location: http://<its own
// host:port>/…", as a proxy that terminates TLS and does not forward the
// scheme writes them (other Locations stay https). It returns the
// proxy's host:port, the PEM certificate of its HTTPS side, and the
// recorder of its plain-HTTP side, which hands what it gets on to back.
func schemeSlip(t *testing.T, back *regtest.Registry) (host, ca string, plain *plainRecorder) {
	t.Helper()
	backURL, _ := url.Parse(back.URL())
	var frontHost atomic.Value // string: set before the first request
	rp := httputil.NewSingleHostReverseProxy(backURL)
	rp.ModifyResponse = func(resp *http.Response) error {
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode == http.StatusAccepted {
			scheme := "https"
			if resp.Request.Method == http.MethodPost {
				scheme = "http" // the proxy's slip: the upload goes on in plain HTTP
			}
			resp.Header.Set("Location", moved(loc, resp.Request, scheme, frontHost.Load().(string)))
		}
		return nil
	}
	plain = &plainRecorder{next: httputil.NewSingleHostReverseProxy(backURL)}
	host, ca = dualPort(t, rp, plain)
	frontHost.Store(host)
	return host, ca, plain
}

// A registry named plain HTTP (--plain-http-registry) whose answers name
// an http:// URL on the host:port of an HTTPS registry of the same run (a
// Link header here; an upload Location, a redirect or a token realm would
// do as well) does not open that registry to plain HTTP: when the HTTPS
// registry, behind a proxy that does not forward the scheme, answers its
// upload POST with "Location: http://<its host>/…", the PUT that would
// carry the blob and the registry's Basic credentials is refused as it is
// without the plain registry, exit 1 on one line naming the registry and
// the URL, and nothing reaches the plain-HTTP side. The memory and time of
// the run are measured and held.
func TestPlainAnswerDoesNotOpenHTTPSRegistry(t *testing.T) {
	t.Parallel()
	const rssBound = 200 << 10 // KiB
	seed(t, reg, "handed/src", "1", false, linuxAMD64, linuxARM64)
	host, ca, plain := schemeSlip(t, regtest.New(t, regtest.Options{Users: map[string]string{authUser: authPass}}))

	// the plain registry: the shared one, behind a proxy whose every
	// answer links to http://<the HTTPS registry's host:port>
	regURL, _ := url.Parse(reg.URL())
	named := httputil.NewSingleHostReverseProxy(regURL)
	named.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Add("Link", `<http://`+host+`/v2/handed/app/blobs/uploads/>; rel="next"`)
		return nil
	}
	plainReg := plainListener(t, named)

	res := mtMeasured(t, nil, authPass+"\n", "--plain-http-registry", plainReg, "--ca-file", writeFile(t, "ca.pem", ca),
		"--username", authUser, "--password-stdin",
		"push", "from-args", "--platforms", "linux/amd64,linux/arm64/v8",
		"--template", plainReg+"/handed/src:1-OS-ARCHVARIANT", "--target", host+"/handed/app:1")
	t.Logf("measured: an HTTPS registry's plain Location after a plain registry named its host: exit %d, max RSS %d KiB (%.1f MiB), %s; plain HTTP received %q",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), plain.requests())
	if got := plain.requests(); len(got) > 0 {
		t.Errorf("requests went out over plain HTTP to %s: %q", host, got)
	}
	lines := errorLines(res.stderr)
	if res.code != 1 || len(lines) != 1 {
		t.Fatalf("exit %d with error lines %q; want exit 1 and one line", res.code, lines)
	}
	for _, want := range []string{host + " is spoken to over HTTPS", "http://" + host + "/v2/handed/app/blobs/uploads/", "--plain-http-registry " + host} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("%q does not say %q", lines[0], want)
		}
	}
	if res.maxRSS > rssBound {
		t.Errorf("max RSS %d KiB, over %d KiB", res.maxRSS, rssBound)
	}
	if res.elapsed > time.Minute {
		t.Errorf("ended after %s, over a minute", res.elapsed)
	}
}

// probe of an HTTPS registry whose upload POST answers with an http://
// Location (a proxy that does not forward the scheme): the upload is not
// sent in plain HTTP, and that is no finding about the registry. The
// upload row is unknown with the refusal as its cause, every check that
// needs it unknown too, and the run a failure (exit 1) that says the
// refusal, not "cannot hold Docker manifest lists or OCI indexes" (exit
// 3). The memory and time of the run are measured and held.
func TestProbePlainLocationIsNoFinding(t *testing.T) {
	t.Parallel()
	host, ca, plain := schemeSlip(t, regtest.New(t))
	res := mtMeasured(t, nil, "", "--ca-file", writeFile(t, "ca.pem", ca), "probe", "-o", "json", host+"/downgrade/probe")
	t.Logf("measured: probe of an HTTPS registry whose upload Location is plain HTTP: exit %d, max RSS %d KiB (%.1f MiB), %s; plain HTTP received %q",
		res.code, res.maxRSS, float64(res.maxRSS)/1024, res.elapsed.Round(10*time.Millisecond), plain.requests())
	if got := plain.requests(); len(got) > 0 {
		t.Errorf("requests went out over plain HTTP: %q", got)
	}
	var p probeJSON
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("probe -o json: %v\n%s", err, res.stdout)
	}
	for _, c := range p.Checks {
		switch c.Name {
		case "api", "auth", "tag-list", "delete":
		default:
			if c.Status != "unknown" {
				t.Errorf("%s is %s (%s), want unknown: the tool refused the request, the registry did not", c.Name, c.Status, c.Detail)
			}
		}
		if c.Name == "blob-upload" && !regexp.MustCompile(`refused to send (PUT|PATCH) http://`+regexp.QuoteMeta(host)+`/v2/downgrade/probe/blobs/uploads/`).MatchString(c.Detail) {
			t.Errorf("blob-upload says %q, not the refusal", c.Detail)
		}
	}
	lines := errorLines(res.stderr)
	if res.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "could not tell whether "+host+" holds Docker manifest lists or OCI indexes: blob-upload: ") {
		t.Errorf("exit %d with error lines %q; want exit 1 and one line saying whether lists work could not be told", res.code, lines)
	}
	if res.maxRSS > 200<<10 {
		t.Errorf("max RSS %d KiB, over 200 MiB", res.maxRSS)
	}
}
