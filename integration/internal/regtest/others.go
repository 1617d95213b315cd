package regtest

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
)

// Other registry implementations, for the interoperability tests: what a
// list pushed to Distribution v3 does is not proof for the registries
// users run.

// Distribution28 is the path of Debian's docker-registry (Distribution
// 2.8, what most self-hosted registry:2 setups run), when installed.
func Distribution28() (string, bool) {
	p, err := exec.LookPath("docker-registry")
	return p, err == nil
}

// StartDistribution28 runs Debian's docker-registry (Distribution 2.8) on
// a free port of 127.0.0.1, storing in a temporary directory, with deletes
// enabled, until Close, which ends the process.
func StartDistribution28() (*Registry, error) {
	bin, ok := Distribution28()
	if !ok {
		return nil, errors.New("docker-registry is not installed (apt-get install docker-registry)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	dir, err := os.MkdirTemp("", "regtest-distribution28")
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: regtest
`, filepath.Join(dir, "data"), addr)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", cfgFile)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if os.Getenv("REGTEST_LOG") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Registry{Host: addr, scheme: "http", client: &http.Client{Timeout: 30 * time.Second}, left: -1}
	r.stop = func() error {
		_ = cmd.Process.Kill() // the process this function started, by its PID
		_ = cmd.Wait()
		return os.RemoveAll(dir)
	}
	// ready when /v2/ answers
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := r.client.Get(r.URL() + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("docker-registry did not answer on %s within 15s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartGGCR runs go-containerregistry's in-memory registry (pkg/registry,
// what crane's tests and many Go projects' tests use) on 127.0.0.1, until
// Close.
func StartGGCR() *Registry {
	r := &Registry{scheme: "http", client: &http.Client{Timeout: 30 * time.Second}, left: -1}
	// its requests are recorded (Requests), as a Distribution's are
	srv := httptest.NewUnstartedServer(r.record(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)), ggcr.WithReferrersSupport(true))))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	r.Host = srv.Listener.Addr().String()
	r.stop = func() error {
		srv.Close()
		return nil
	}
	return r
}

// NewDistribution28 starts Debian's docker-registry for one test and stops
// it when the test ends; the test is skipped, saying why, when it is not
// installed.
func NewDistribution28(t interface {
	TB
	Skipf(format string, args ...any)
}) *Registry {
	t.Helper()
	if _, ok := Distribution28(); !ok {
		t.Skipf("docker-registry (Distribution 2.8) is not installed: apt-get install docker-registry")
	}
	r, err := StartDistribution28()
	if err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// NewGGCR starts go-containerregistry's registry for one test.
func NewGGCR(t TB) *Registry {
	r := StartGGCR()
	t.Cleanup(func() { r.Close() })
	return r
}
