//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/manifest-tool/manifest-tool/spec"
)

// lockLayout takes an exclusive advisory lock (flock) on an OCI layout's
// directory, creating it when it is not there, and returns its release.
// regclient's ocidir guards index.json with a mutex inside one process
// only, and rewrites the whole file on every manifest PUT, so two runs
// writing one layout at once lose each other's tags; under this lock they
// take turns. Other programs do not take it.
//
// A blocking flock waits in its system call, which neither --timeout nor
// a signal ends: the lock is tried without blocking instead, again and
// again (every 10 ms at first, every half second at most), until ctx ends
// ([spec.WaitError]); waiting is called once, when the first try finds
// the lock held.
func lockLayout(ctx context.Context, dir string, waiting func()) (func(), error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("creating the layout %s: %w", dir, err)
	}
	// O_DIRECTORY: a directory swapped for a named pipe since is not
	// waited on
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening the layout %s: %w", dir, err)
	}
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking the layout %s: %w", dir, err)
		}
		if waiting != nil {
			waiting()
			waiting = nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &spec.WaitError{What: "waiting for the lock on the layout " + dir + ", which another process holds", Err: ctx.Err()}
		case <-time.After(delay):
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// umask is the process's file mode mask, read once at start (reading it
// means setting it, so it is not done while files are being made).
var umask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

// setMode gives name, a file of root that fi describes (as Lstat found
// it), the mode the umask gives, when it is a regular file of this user
// with the 0600 regclient creates files with. It opens name without
// following a symbolic link out of root, checks that it opened the file
// fi describes (a link or another file swapped in since is left alone),
// and changes the mode of what it opened, not of a path.
func setMode(root *os.Root, name string, fi fs.FileInfo) {
	mode := fs.FileMode(0o666) &^ umask
	st, ok := fi.Sys().(*syscall.Stat_t)
	if mode == 0o600 || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || !ok || int(st.Uid) != os.Geteuid() {
		return
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if now, err := f.Stat(); err == nil && os.SameFile(fi, now) && now.ModTime().Equal(fi.ModTime()) && now.Mode().IsRegular() {
		_ = f.Chmod(mode)
	}
}
