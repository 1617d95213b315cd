// Package regtest starts the CNCF Distribution registry in-process on
// 127.0.0.1 for tests and the demo, seeds it with small images made on the
// spot, and reads back what a command pushed, with a plain HTTP client
// that shares no code with the tool under test.
package regtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Options choose the registry's flavour.
type Options struct {
	// Addr to listen on; default 127.0.0.1:0 (a free port).
	Addr string
	// TLS serves HTTPS with a fresh self-signed certificate for 127.0.0.1.
	TLS bool
	// Users enables htpasswd basic auth with these user -> password pairs,
	// or, with Token, bearer tokens from a token server that checks them.
	Users map[string]string
	// Token makes the registry ask for bearer tokens (as Docker Hub, GHCR
	// or Harbor do) from a token server regtest starts.
	Token bool
	// IdentityToken is a refresh token the token server also accepts, as
	// docker login leaves in a Docker config's identitytoken.
	IdentityToken string
	// Dir stores data on disk there; default in memory.
	Dir string
	// NoDelete refuses deletes (Distribution's default; regtest enables them).
	NoDelete bool
	// ReadOnly refuses every write (Distribution's maintenance mode).
	ReadOnly bool
	// Latency is one round trip between the clients and the registry and
	// its token server: every request waits that long before it is
	// handled, and a new connection waits the round trips of its
	// handshakes (two with TLS, else one) before its first byte is read.
	// SetLatency changes it while the registry runs.
	Latency time.Duration
	// UserNamespaces makes the token server grant each user push (and
	// delete) only in the repositories under "<user>/", and pull
	// anywhere, as Docker Hub does; other actions asked for are left out
	// of the token, and the registry then refuses what needs them.
	UserNamespaces bool
	// RealmHost is the host name of the token server in the realm the
	// registry hands out; default 127.0.0.1. "localhost" makes it a name,
	// as auth.docker.io is: some clients (crane) refuse a realm that is a
	// loopback or private address other than the registry's own.
	RealmHost string
	// TokenGrant, when set, narrows what each token grants
	// (quirks_tokens.go), as some token services do.
	TokenGrant TokenGrant
}

// Registry is a running Distribution registry.
type Registry struct {
	// Host is host:port, as written in image references.
	Host string
	// CACert is the PEM certificate of the CA that signed a TLS registry's
	// certificate.
	CACert []byte
	scheme string
	srv    *http.Server
	stop   func() error // for a registry that is not Distribution v3 in-process
	client *http.Client
	user   string
	pass   string

	issuer *issuer
	link   *link

	dir      string // Options.Dir, for GarbageCollect
	noDelete bool

	mu      sync.Mutex
	log     []string
	barrier *barrier
	left    int // requests served before the registry dies; -1: never
	dead    bool
}

// barrier holds requests until all it waits for have arrived.
type barrier struct {
	want    map[string]bool
	arrived map[string]bool
	all     chan struct{}
	met     bool
}

func init() {
	// the registry logs every request through logrus' standard logger
	logrus.SetOutput(io.Discard)
	if os.Getenv("REGTEST_LOG") != "" {
		logrus.SetOutput(os.Stderr)
	}
}

// Start runs a registry until Close.
func Start(opts Options) (*Registry, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	cfg := &configuration.Configuration{}
	cfg.Storage = configuration.Storage{"delete": configuration.Parameters{"enabled": !opts.NoDelete}}
	if opts.ReadOnly {
		cfg.Storage["maintenance"] = configuration.Parameters{"readonly": map[any]any{"enabled": true}}
	}
	if opts.Dir != "" {
		cfg.Storage["filesystem"] = configuration.Parameters{"rootdirectory": opts.Dir}
	} else {
		cfg.Storage["inmemory"] = configuration.Parameters{}
	}
	cfg.HTTP.Secret = "regtest"
	cfg.Log.AccessLog.Disabled = true
	r := &Registry{scheme: "http", left: -1, link: newLink(opts.Latency, opts.TLS), dir: opts.Dir, noDelete: opts.NoDelete}
	var authority *ca
	if opts.TLS {
		var err error
		if authority, err = newCA(); err != nil {
			return nil, err
		}
		r.CACert = authority.pem
	}
	if len(opts.Users) > 0 {
		dir, err := os.MkdirTemp("", "regtest-auth")
		if err != nil {
			return nil, err
		}
		var lines []string
		for u, p := range opts.Users {
			h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
			if err != nil {
				return nil, err
			}
			lines = append(lines, u+":"+string(h))
			if r.user == "" || u < r.user { // the harness's own: the first by name
				r.user, r.pass = u, p
			}
		}
		file := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			return nil, err
		}
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "regtest", "path": file}}
		if opts.Token {
			is, bundle, err := startIssuer(opts.Users, opts.IdentityToken, dir, authority, r.link, opts.UserNamespaces, opts.RealmHost)
			if err != nil {
				return nil, err
			}
			is.grant = opts.TokenGrant
			r.issuer = is
			cfg.Auth = configuration.Auth{"token": configuration.Parameters{
				"realm": is.url, "service": tokenService, "issuer": tokenIssuer, "rootcertbundle": bundle}}
		}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	r.Host = ln.Addr().String()
	ln = r.link.listen(ln)
	app := handlers.NewApp(context.Background(), cfg)
	r.srv = &http.Server{Handler: r.record(r.link.serve(app, false)), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(logrus.StandardLogger().Out, "regtest: ", 0)}
	r.client = &http.Client{Timeout: 30 * time.Second}
	if opts.TLS {
		cert, err := authority.serverCert(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			ln.Close()
			return nil, err
		}
		r.scheme = "https"
		r.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(r.CACert)
		r.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		go r.srv.ServeTLS(ln, "", "")
	} else {
		go r.srv.Serve(ln)
	}
	return r, nil
}

// Close stops the registry (and its token server).
func (r *Registry) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.issuer != nil {
		_ = r.issuer.srv.Shutdown(ctx)
	}
	if r.stop != nil {
		return r.stop()
	}
	return r.srv.Shutdown(ctx)
}

// DieAfter makes the registry stop abruptly once it has served k more
// requests: the next one loses its connection unanswered, the open ones
// are closed, and nothing listens any more. Start a registry with the
// same Addr and Dir to bring it back with its data.
func (r *Registry) DieAfter(k int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.left = k
}

// SetLatency changes the round trip Options.Latency added, for the
// registry and its token server; 0 removes it.
func (r *Registry) SetLatency(d time.Duration) { r.link.latency.Store(int64(d)) }

// Traffic returns what the registry and its token server saw since the
// last call, and forgets it.
func (r *Registry) Traffic() Traffic { return r.link.traffic() }

// URL is the registry's base URL.
func (r *Registry) URL() string { return r.scheme + "://" + r.Host }

// record keeps "METHOD /path" of every request, and holds those a
// barrier waits for.
func (r *Registry) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		key := req.Method + " " + req.URL.Path
		r.mu.Lock()
		if r.left == 0 || r.dead {
			first := !r.dead
			r.dead = true
			r.mu.Unlock()
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			if first {
				go r.srv.Close()
			}
			return
		}
		if r.left > 0 {
			r.left--
		}
		r.log = append(r.log, key)
		b := r.barrier
		var wait chan struct{}
		if b != nil && b.want[key] && !b.arrived[key] {
			b.arrived[key] = true
			if len(b.arrived) == len(b.want) {
				b.met = true
				close(b.all)
			}
			wait = b.all
		}
		r.mu.Unlock()
		if wait != nil {
			select {
			case <-wait:
			case <-time.After(20 * time.Second):
			}
		}
		h.ServeHTTP(w, req)
	})
}

// Barrier holds each of the requests given ("PUT /v2/app/manifests/1")
// until all of them have arrived, which only happens when a client sends
// them at the same time; after 20 s a held request goes on anyway. The
// function returned reports whether they all met.
func (r *Registry) Barrier(requests ...string) (met func() bool) {
	b := &barrier{want: map[string]bool{}, arrived: map[string]bool{}, all: make(chan struct{})}
	for _, q := range requests {
		b.want[q] = true
	}
	r.mu.Lock()
	r.barrier = b
	r.mu.Unlock()
	return func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return b.met
	}
}

// Requests returns the requests received since the last call and forgets them.
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

// Writes returns, from reqs, the requests that change the registry.
func Writes(reqs []string) []string {
	var out []string
	for _, q := range reqs {
		if m, _, _ := strings.Cut(q, " "); m != "GET" && m != "HEAD" {
			out = append(out, q)
		}
	}
	return out
}

// ca signs the certificates of a TLS registry and of its token server.
type ca struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pem  []byte
}

func newCA() (*ca, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "regtest CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &ca{key: key, cert: cert, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// serverCert makes a server certificate for ip and localhost.
func (c *ca) serverCert(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "regtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{ip},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, c.cert, &key.PublicKey, c.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// do sends a request with the registry's credentials, if it has any: basic
// auth, or a token from the token server for everything the request needs.
func (r *Registry) do(req *http.Request) (*http.Response, error) {
	return r.doOn(r.client, req)
}

// doOn is do with client c, for a request that may outlast r's client's
// timeout.
func (r *Registry) doOn(c *http.Client, req *http.Request) (*http.Response, error) {
	switch {
	case r.issuer != nil:
		repo := strings.TrimPrefix(req.URL.Path, "/v2/")
		for _, sep := range []string{"/manifests/", "/blobs/", "/tags/"} {
			if i := strings.Index(repo, sep); i >= 0 {
				repo = repo[:i]
			}
		}
		treq, _ := http.NewRequest("GET", r.issuer.url+"?service="+tokenService+"&scope=repository:"+repo+":pull,push,delete", nil)
		treq.SetBasicAuth(r.user, r.pass)
		resp, err := r.client.Do(treq)
		if err != nil {
			return nil, err
		}
		var tok struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok.Token)
	case r.user != "":
		req.SetBasicAuth(r.user, r.pass)
	}
	return c.Do(req)
}

func httpErr(resp *http.Response, what string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("%s: %s: %s", what, resp.Status, strings.TrimSpace(string(b)))
}

// TB is the part of testing.TB that New needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// New starts a plain-HTTP in-memory registry for one test and stops it
// when the test ends.
func New(t TB, opts ...Options) *Registry {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	r, err := Start(o)
	if err != nil {
		t.Fatalf("starting the registry: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
