//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package spec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe no writer opens, and a pipe that never closes, hold a read
// only until the context ends: a WaitError that says what was waited for
// and matches the context's error, not ErrInvalid.
func TestReadWaits(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "release.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString("image: a/b\n") // and then nothing, never closed
	cases := []struct {
		name string
		read func(ctx context.Context) error
		want string
	}{
		{"a named pipe with no writer", func(ctx context.Context) error {
			_, err := LoadFile(ctx, fifo, nil)
			return err
		}, "timed out while waiting for a writer to the spec " + fifo},
		{"standard input that stays open", func(ctx context.Context) error {
			_, err := LoadFile(ctx, "-", r)
			return err
		}, "timed out while reading the spec from standard input"},
	}
	for _, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := tc.read(ctx)
		cancel()
		var wait *WaitError
		if !errors.As(err, &wait) || err.Error() != tc.want || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: ended after %s", tc.name, d)
		}
	}
}

// A spec may come through a named pipe (a process writing it), and a
// regular file over the size limit is refused.
func TestLoadFileKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "piped.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString("image: a/b\nmanifests:\n  - image: a/c\n")
			f.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if specs, err := LoadFile(ctx, fifo, nil); err != nil || len(specs) != 1 {
		t.Errorf("through a named pipe: %d specs, %v", len(specs), err)
	}
	large := filepath.Join(dir, "large.yaml")
	if err := os.WriteFile(large, []byte("image: a/b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(large, 5<<20); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(ctx, large, nil)
	if want := large + ": the spec is larger than 4MiB (--max-spec-size raises the limit)"; err == nil || err.Error() != want || !errors.Is(err, ErrLimit) {
		t.Errorf("error %v, want %q", err, want)
	}
}
