//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/spec"
)

// The Docker config and the CA file are read to 4 MiB at most (a regular
// file over it refused unread, /dev/zero once past it), as bad input; one
// that is a named pipe no one writes is waited for until the context
// ends, which is no bad input.
func TestConfigFileBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	large := filepath.Join(dir, "large.json")
	if err := os.WriteFile(large, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(large, maxConfigFile+1); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []string{large, "/dev/zero"} {
		_, err := loadDockerConfig(ctx, p)
		if want := "reading Docker config " + p + ": more than 4MiB, a fixed limit"; err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: error %v, want %q…", p, err, want)
		}
		_, err = readCAFile(ctx, p)
		if want := "--ca-file \"" + p + "\": more than 4MiB, a fixed limit"; err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrConfig) {
			t.Errorf("%s: error %v, want %q…", p, err, want)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err := loadDockerConfig(ctx, fifo)
	var wait *spec.WaitError
	if !errors.As(err, &wait) || errors.Is(err, ErrConfig) || err.Error() != "timed out while waiting for a writer to the Docker config "+fifo {
		t.Errorf("a named pipe: error %v", err)
	}
}
