//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package registry

import "io/fs"

// lockLayout does nothing where flock is not there (Windows): runs that
// write one layout at once may lose each other's tags there.
func lockLayout(dir string) (func(), error) { return func() {}, nil }

// umask: none to honour where flock is not there (Windows).
var umask fs.FileMode = 0o022
