// Package outfile writes the files a run leaves for the steps after it
// (the --metadata-file, $GITHUB_OUTPUT): a file replaced whole or not at
// all, a file appended to, and the checks that say, before the run
// starts, why one cannot be written. Written here: the standard library
// writes a file in place (os.WriteFile), where a reader may see half of
// it, and the tool's libraries write no local files of this kind.
package outfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Check says why path cannot be written (appended to, with appending):
// it is "" or "-", a directory or not a regular file, or its folder does
// not exist or refuses a new file. [Replace] creates a file beside path,
// so the folder is tried with one, removed at once.
func Check(path string, appending bool) error {
	if path == "" || path == "-" {
		return errors.New("want the path of a file (stdout carries the Digest: lines; -o json prints the JSON there)")
	}
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return errors.New("is a directory; want the path of a file in it")
		case !fi.Mode().IsRegular():
			return errors.New("is not a regular file")
		case appending:
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			return f.Close()
		}
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("the folder %s does not exist", dir)
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, ".manifest-tool-*")
	if err != nil {
		return fmt.Errorf("the folder %s cannot be written: %v", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// Append appends s to the file at path, creating it (mode 0644).
func Append(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, s)
	return errors.Join(err, f.Close())
}

// Replace writes b to path whole or not at all: into a new file in the
// same folder, then renamed over path, so that a reader sees the old file
// or the new one (mode 0644). A symbolic link is followed: the file it
// points at is replaced. On failure nothing is left beside path.
func Replace(path string, b []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Chmod(0o644), f.Close())
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
