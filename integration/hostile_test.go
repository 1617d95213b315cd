package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hostileRegistry is a plain-HTTP server on loopback that speaks just
// enough of the registry API for a client to ask for app:1: /v2/ answers
// 200, each request for /v2/app/manifests/1 goes to its handler, and the
// blobs of app it was given are served; anything else is 404. It counts
// the requests for the manifest.
type hostileRegistry struct {
	Host  string
	mu    sync.Mutex
	n     int
	blobs map[string][]byte // digest -> content
}

// serveBlob serves content as the blob of app with that digest.
func (h *hostileRegistry) serveBlob(content []byte) (digest string) {
	digest = fmt.Sprintf("sha256:%x", sha256.Sum256(content))
	h.mu.Lock()
	h.blobs[digest] = content
	h.mu.Unlock()
	return digest
}

func newHostile(t *testing.T, manifest http.HandlerFunc) *hostileRegistry {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileRegistry{Host: ln.Addr().String(), blobs: map[string][]byte{}}
	done := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/", "/v2":
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.Write([]byte("{}"))
		case "/v2/app/manifests/1":
			h.mu.Lock()
			h.n++
			h.mu.Unlock()
			manifest(w, r.WithContext(stopWith(r.Context(), done)))
		default:
			h.mu.Lock()
			b, ok := h.blobs[strings.TrimPrefix(r.URL.Path, "/v2/app/blobs/")]
			h.mu.Unlock()
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		close(done) // handlers that hold a request let it go
		srv.Close()
	})
	return h
}

// requests counts the requests for the manifest.
func (h *hostileRegistry) requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// stopWith is ctx, done also when done is closed.
func stopWith(ctx context.Context, done <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx
}

// measured is a run of the binary with what it cost: its peak resident
// memory and its wall time.
type measured struct {
	result
	maxRSS int64 // KiB
	wall   time.Duration
}

// mtMeasured runs the binary as mt does, and measures it.
func mtMeasured(t *testing.T, args ...string) measured {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	t.Logf("$ manifest-tool %s\n%s%s(exit %d, max RSS %d KiB, %s)", strings.Join(args, " "), out.String(), errb.String(), code, rss, wall.Round(time.Millisecond))
	return measured{result: result{code: code, stdout: out.String(), stderr: errb.String()}, maxRSS: rss, wall: wall}
}
