package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/scheme/reg"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/ref"
)

// The errors these tests say are made by the real regclient (v0.11.7),
// over a Transport, against go-containerregistry's in-memory registry
// or small handlers of our own: what regclient words, and how it wraps
// what net/http and the transport return, is its own, not an imitation.

// registry is a registry for the tests: go-containerregistry's in-memory
// one, in plain HTTP or over TLS, whose requests a test may answer first
// (intercept returns true when it did).
type registry struct {
	*httptest.Server
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

func newRegistry(t *testing.T, tls bool, intercept func(w http.ResponseWriter, r *http.Request) bool) *registry {
	t.Helper()
	mem := ggcr.New(ggcr.Logger(stdlog.New(io.Discard, "", 0)))
	r := &registry{intercept: intercept}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.intercept == nil || !r.intercept(w, req) {
			mem.ServeHTTP(w, req)
		}
	}))
	r.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // refused handshakes
	if tls {
		r.StartTLS()
	} else {
		r.Start()
	}
	t.Cleanup(r.Close)
	return r
}

// host is the registry's host:port.
func (r *registry) host() string { return r.Listener.Addr().String() }

// ca is the registry's certificate, to trust (over TLS).
func (r *registry) ca() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate().Raw})
}

// client is the real regclient over tr, as the registry package makes it
// (the transport retries, regclient tries once), for the hosts given.
func client(tr *Transport, hosts ...config.Host) *regclient.RegClient {
	return regclient.New(regclient.WithConfigHost(hosts...), regclient.WithRegOpts(
		reg.WithHTTPClient(&http.Client{Transport: tr}), reg.WithRetryLimit(1), reg.WithDelay(time.Millisecond, 10*time.Millisecond)))
}

// plainHost and tlsHost are a host's regclient settings.
func plainHost(host string) config.Host { return config.Host{Name: host, TLS: config.TLSDisabled} }
func tlsHost(host string) config.Host   { return config.Host{Name: host, TLS: config.TLSEnabled} }

// mustRef parses a reference.
func mustRef(t *testing.T, s string) ref.Ref {
	t.Helper()
	r, err := ref.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// image is a small OCI image: its manifest and the blobs it names.
type image struct {
	manifest rcmanifest.Manifest
	config   []byte
	layer    []byte
}

// newImage makes an image whose layer is n bytes.
func newImage(t *testing.T, n int) image {
	t.Helper()
	layer := bytes.Repeat([]byte("layer "), n/6+1)[:n]
	cfg, _ := json.Marshal(map[string]any{"os": "linux", "architecture": "amd64",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromBytes(layer).String()}}})
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest,
		Config: descOf(mediatype.OCI1ImageConfig, cfg), Layers: []descriptor.Descriptor{descOf(mediatype.OCI1Layer, layer)}}))
	if err != nil {
		t.Fatal(err)
	}
	return image{manifest: m, config: cfg, layer: layer}
}

func descOf(mt string, b []byte) descriptor.Descriptor {
	return descriptor.Descriptor{MediaType: mt, Digest: digest.FromBytes(b), Size: int64(len(b))}
}

// push pushes img to r (a reference in a registry rc reaches).
func (img image) push(t *testing.T, rc *regclient.RegClient, r ref.Ref) {
	t.Helper()
	ctx := context.Background()
	for _, b := range [][]byte{img.config, img.layer} {
		if _, err := rc.BlobPut(ctx, r, descOf("", b), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rc.ManifestPut(ctx, r, img.manifest); err != nil {
		t.Fatal(err)
	}
}

// closedPort is the address of a port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// readAll reads a blob through regclient, and returns the error of
// getting or reading it.
func readAll(rc *regclient.RegClient, r ref.Ref, d descriptor.Descriptor) error {
	b, err := rc.BlobGet(context.Background(), r, d)
	if err != nil {
		return err
	}
	defer b.Close()
	_, err = io.Copy(io.Discard, b)
	return err
}

// answerWith is an intercept that answers with handle the requests of
// method whose path has path in it.
func answerWith(method, path string, handle http.HandlerFunc) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != method || !strings.Contains(r.URL.Path, path) {
			return false
		}
		handle(w, r)
		return true
	}
}
