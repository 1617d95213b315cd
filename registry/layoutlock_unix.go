//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockLayout takes an exclusive advisory lock (flock) on an OCI layout's
// directory, creating it when it is not there, and returns its release.
// regclient's ocidir guards index.json with a mutex inside one process
// only, and rewrites the whole file on every manifest PUT, so two runs
// writing one layout at once lose each other's tags; under this lock they
// take turns. Other programs do not take it.
func lockLayout(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("creating the layout %s: %w", dir, err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the layout %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the layout %s: %w", dir, err)
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
