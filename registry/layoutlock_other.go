//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package registry

import (
	"context"
	"io/fs"
	"os"
)

// lockLayout does nothing where flock is not there (Windows): runs that
// write one layout at once may lose each other's tags there.
func lockLayout(ctx context.Context, dir string, waiting func()) (func(), error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	return func() {}, nil
}

// umask: none to honour where flock is not there (Windows).
var umask fs.FileMode = 0o022

// setMode does nothing where files have no Unix mode (Windows).
func setMode(root *os.Root, name string, fi fs.FileInfo) {}
