package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// hosts is the bottom of the stack: it sends each attempt with its host's
// connections and TLS settings, made on first use, and keeps which hosts
// answered in this run and which were given up on.
type hosts struct {
	Options // its TLS settings, timeouts and log
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)

	mu       sync.Mutex
	byHost   map[string]*http.Transport
	answered map[string]bool        // hosts that have answered in this run
	down     map[string]*RetryError // hosts given up on, and the request that showed it
}

// RoundTrip sends one attempt to its host; an answer marks the host as
// answering, and takes it back when it was given up on.
func (h *hosts) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.transport(req.URL.Host).RoundTrip(req)
	if err == nil {
		h.mu.Lock()
		h.answered[req.URL.Host] = true
		delete(h.down, req.URL.Host)
		h.mu.Unlock()
	}
	return resp, err
}

// giveUp notes that e, a request that could not connect, gave up on its host.
func (h *hosts) giveUp(e *RetryError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down[e.Host] == nil {
		h.down[e.Host] = e
	}
}

// givenUpOn is the request that gave up on host, nil if none did.
func (h *hosts) givenUpOn(host string) *RetryError {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down[host]
}

// hasAnswered reports whether host has answered in this run.
func (h *hosts) hasAnswered(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.answered[host]
}

// transport is a host's transport, made on first use with its TLS settings.
func (h *hosts) transport(host string) *http.Transport {
	h.mu.Lock()
	defer h.mu.Unlock()
	if tr, ok := h.byHost[host]; ok {
		return tr
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: h.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	if h.dial != nil { // the tests' own
		tr.DialContext = h.dial
	}
	tr.ResponseHeaderTimeout = h.HeaderTimeout
	tr.TLSClientConfig = h.tlsConfig(host)
	h.byHost[host] = tr
	return tr
}

// tlsConfig is what a host's certificate is checked against, and the
// client certificates presented to it.
func (h *hosts) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	// Docker's layout: certs.d/<host:port>/ (or <host>/ on 443)
	dir := filepath.Join(h.CertsDir, host)
	// a client certificate: NAME.cert with its key NAME.key
	certs, _ := filepath.Glob(filepath.Join(dir, "*.cert"))
	for _, f := range certs {
		pair, err := tls.LoadX509KeyPair(f, strings.TrimSuffix(f, ".cert")+".key")
		if err != nil {
			h.Log.Warnf("client certificate %s: %v", f, err)
			continue
		}
		cfg.Certificates = append(cfg.Certificates, pair)
	}
	if slices.Contains(h.Insecure, host) {
		cfg.InsecureSkipVerify = true // #nosec G402 -- the user named this host --insecure
		return cfg
	}
	var extra [][]byte
	if len(h.CA) > 0 {
		extra = append(extra, h.CA)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			extra = append(extra, b)
		} else {
			h.Log.Warnf("reading %s: %v", f, err)
		}
	}
	if len(extra) == 0 {
		return cfg // the system roots
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, pem := range extra {
		pool.AppendCertsFromPEM(pem)
	}
	cfg.RootCAs = pool
	return cfg
}
