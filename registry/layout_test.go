//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/spec"
)

func quietClient() *Client {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return &Client{log: log, maxManifest: DefaultMaxManifestSize}
}

func writeMode(t *testing.T, p string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

func modeOf(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// setMode changes the mode of the file Lstat described, and of no other:
// not of a file outside the layout that a link swapped in names, nor of
// another file of the layout a link names, nor of a file replaced since.
func TestSetModeFollowsNoLink(t *testing.T) {
	if umask&0o044 != 0 {
		t.Skip("a umask that leaves files 0600")
	}
	want := fs.FileMode(0o666) &^ umask
	dir, outside := t.TempDir(), filepath.Join(t.TempDir(), "secret")
	writeMode(t, outside, 0o600)
	writeMode(t, filepath.Join(dir, "other"), 0o600)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	swaps := []struct {
		name string
		swap func(p string) // replaces p, after Lstat, before setMode
	}{
		{"a link to a file outside", func(p string) { _ = os.Remove(p); _ = os.Symlink(outside, p) }},
		{"a link to another file of the layout", func(p string) { _ = os.Remove(p); _ = os.Symlink("other", p) }},
		{"another file", func(p string) { _ = os.Rename(p, p+".moved"); writeMode(t, p, 0o600) }},
	}
	for _, tc := range swaps {
		p := filepath.Join(dir, "written")
		_ = os.Remove(p)
		writeMode(t, p, 0o600)
		fi, err := root.Lstat("written")
		if err != nil {
			t.Fatal(err)
		}
		tc.swap(p)
		setMode(root, "written", fi)
		for _, q := range []string{outside, filepath.Join(dir, "other")} {
			if m := modeOf(t, q); m.Perm() != 0o600 {
				t.Errorf("%s: %s became %v", tc.name, q, m.Perm())
			}
		}
		if m, _ := os.Lstat(p); m.Mode().IsRegular() && m.Mode().Perm() != 0o600 {
			t.Errorf("%s: the file swapped in became %v", tc.name, m.Mode().Perm())
		}
	}
	// the file itself, unswapped, gets its mode
	p := filepath.Join(dir, "written")
	_ = os.Remove(p)
	writeMode(t, p, 0o600)
	fi, _ := root.Lstat("written")
	setMode(root, "written", fi)
	if m := modeOf(t, p); m.Perm() != want {
		t.Errorf("the file written is %v, want %v", m.Perm(), want)
	}
}

// close finishes the files the write made, found by name, and no other:
// regclient's temporary files are removed, new and replaced blobs,
// manifests and index.json get the umask's mode; what was there before
// and other names keep theirs.
func TestLayoutWriteClose(t *testing.T) {
	if umask&0o044 != 0 {
		t.Skip("a umask that leaves files 0600")
	}
	want := fs.FileMode(0o666) &^ umask
	dir := t.TempDir()
	hex := func(c string) string { return strings.Repeat(c, 64) }
	blob := func(name string) string { return filepath.Join(dir, "blobs", "sha256", name) }
	// there before the write, all 0600
	before := []string{blob(hex("a")), blob("notes"), filepath.Join(dir, "private.key"), filepath.Join(dir, "index.json"), blob("old.tmp")}
	for _, p := range before {
		writeMode(t, p, 0o600)
	}
	replaced := blob(hex("b"))
	writeMode(t, replaced, 0o600)
	c := quietClient()
	w, err := c.openLayout(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// what regclient does meanwhile: new blobs and temporary files, a
	// blob and index.json replaced by a rename
	written := []string{blob(hex("c")), blob(hex("d"))}
	for _, p := range written {
		writeMode(t, p, 0o600)
	}
	for _, p := range []string{replaced, filepath.Join(dir, "index.json")} {
		tmp := p + ".new"
		writeMode(t, tmp, 0o600)
		if err := os.Rename(tmp, p); err != nil {
			t.Fatal(err)
		}
	}
	temps := []string{blob("123.tmp"), blob(hex("e") + ".456.tmp"), filepath.Join(dir, "index.json.789.tmp")}
	for _, p := range temps {
		writeMode(t, p, 0o600)
	}
	newNotes := blob("new-notes") // not a digest's name
	writeMode(t, newNotes, 0o600)
	w.close()
	for _, p := range append(written, replaced, filepath.Join(dir, "index.json")) {
		if m := modeOf(t, p); m.Perm() != want {
			t.Errorf("%s, written, is %v, want %v", p, m.Perm(), want)
		}
	}
	for _, p := range []string{blob(hex("a")), blob("notes"), filepath.Join(dir, "private.key"), newNotes} {
		if m := modeOf(t, p); m.Perm() != 0o600 {
			t.Errorf("%s, not written, became %v", p, m.Perm())
		}
	}
	for _, p := range temps {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s was not removed (%v)", p, err)
		}
	}
	if _, err := os.Lstat(blob("old.tmp")); err != nil {
		t.Errorf("old.tmp, there before the write (another run's), was removed: %v", err)
	}
}

// The layout's files regclient opens by path must be regular files of
// their size, not links (dangling or not), pipes or directories.
func TestCheckLayoutFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		make func(dir string) error
		want string // in the error; "" for none
	}{
		{"a layout", func(dir string) error {
			return errors.Join(os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644),
				os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{}`), 0o644))
		}, ""},
		{"no layout yet", func(string) error { return nil }, ""},
		{"a dangling oci-layout", func(dir string) error {
			return os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "oci-layout"))
		}, "oci-layout is a symbolic link (to "},
		{"index.json a link", func(dir string) error {
			_ = os.WriteFile(filepath.Join(dir, "real"), []byte(`{}`), 0o644)
			return os.Symlink("real", filepath.Join(dir, "index.json"))
		}, "index.json is a symbolic link (to real)"},
		{"index.json a named pipe", func(dir string) error { return syscall.Mkfifo(filepath.Join(dir, "index.json"), 0o644) }, "index.json is a named pipe, not a file"},
		{"oci-layout a directory", func(dir string) error { return os.Mkdir(filepath.Join(dir, "oci-layout"), 0o755) }, "oci-layout is a directory, not a file"},
		{"index.json over the limit", func(dir string) error {
			p := filepath.Join(dir, "index.json")
			return errors.Join(os.WriteFile(p, nil, 0o644), os.Truncate(p, 5<<20))
		}, "index.json is 5MiB, over the limit of 4MiB (raise it with --max-manifest-size)"},
		{"oci-layout over 64 KiB", func(dir string) error {
			p := filepath.Join(dir, "oci-layout")
			return errors.Join(os.WriteFile(p, nil, 0o644), os.Truncate(p, 65<<10))
		}, "oci-layout is 65KiB, over the limit of 64KiB (it holds one version string)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := tc.make(dir); err != nil {
				t.Fatal(err)
			}
			err := checkLayoutFiles(dir, DefaultMaxManifestSize)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrConfig)):
				t.Errorf("error %v, want one with %q, matching ErrConfig", err, tc.want)
			}
		})
	}
}

// A layout another process holds locked is waited for until the context
// ends, and the wait said once.
func TestLockLayoutWaits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	said := 0
	start := time.Now()
	_, err = lockLayout(ctx, dir, func() { said++ })
	var wait *spec.WaitError
	if !errors.As(err, &wait) || !errors.Is(err, context.DeadlineExceeded) || said != 1 {
		t.Errorf("error %v, said %d times, want a WaitError at the deadline, said once", err, said)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the wait ended after %s", d)
	}
	// released, it is taken
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	unlock, err := lockLayout(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
}
