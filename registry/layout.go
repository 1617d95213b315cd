package registry

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// openLayout readies the OCI layout at dir, the path the user gave (a
// symbolic link or ".." in it resolves as the system resolves it), for a
// run that writes it, and returns what ends the write:
//
//   - a blobs directory, or a blobs/<algorithm> one, that is a symbolic
//     link is refused: through it, the layout's blobs would be written
//     somewhere the path does not name. Files need no such check:
//     regclient writes each to a temporary file in its directory and
//     renames it into place, which replaces a link rather than writing
//     through it;
//   - the layout is locked ([lockLayout]);
//   - when the write ends, the files this run created get the mode the
//     umask gives (regclient makes them 0600, as temporary files are), so
//     that a layout assembled in one build step can be read by another
//     user in the next, as with a layout crane or docker writes.
func openLayout(dir string) (done func(), err error) {
	for _, sub := range []string{"blobs", filepath.Join("blobs", "sha256"), filepath.Join("blobs", "sha512")} {
		p := filepath.Join(dir, sub)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			to, _ := os.Readlink(p)
			return nil, fmt.Errorf("the layout %s: %s is a symbolic link (to %s), through which its blobs would be written elsewhere; make it a directory%.0w", dir, sub, to, ErrConfig)
		}
	}
	unlock, err := lockLayout(dir)
	if err != nil {
		return nil, err
	}
	start := time.Now().Add(-time.Second) // file times may be coarse
	return func() {
		defer unlock()
		fixModes(dir, start)
	}, nil
}

// fixModes gives the files written under dir since start, which regclient
// created 0600, the mode 0666 less the umask.
func fixModes(dir string, start time.Time) {
	mode := fs.FileMode(0o666) &^ umask
	if mode == 0o600 {
		return
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // a walk does not go into a root that is a link
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Mode().Perm() == 0o600 && !fi.ModTime().Before(start) {
			_ = os.Chmod(p, mode)
		}
		return nil
	})
}
