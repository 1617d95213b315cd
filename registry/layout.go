package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/spec"
)

// maxOCILayout is the most a layout's oci-layout file may hold: one
// version string ({"imageLayoutVersion":"1.0.0"}) takes 30 bytes.
const maxOCILayout = 64 << 10

// checkLayoutFiles refuses the layout at dir when its oci-layout or
// index.json is not a regular file within its bound (index.json: maxIndex):
// regclient opens both by path, following links (even writing through a
// dangling one), waits on a named pipe, and decodes index.json with no
// bound. A missing file is left to regclient. A program that swaps the
// files during the run is not guarded against.
func checkLayoutFiles(dir string, maxIndex int64) error {
	for _, f := range []struct {
		name string
		max  int64
		fix  string
	}{
		{"oci-layout", maxOCILayout, "it holds one version string"},
		{"index.json", maxIndex, "raise it with --max-manifest-size"},
	} {
		p := filepath.Join(dir, f.name)
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			continue
		case fi.Mode()&fs.ModeSymlink != 0:
			to, _ := os.Readlink(p)
			return fmt.Errorf("the layout %s: %s is a symbolic link (to %s), through which it would be read and written elsewhere; make it a file%.0w", dir, f.name, to, ErrConfig)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("the layout %s: %s is %s, not a file%.0w", dir, f.name, fileKind(fi.Mode()), ErrConfig)
		case fi.Size() > f.max:
			return fmt.Errorf("the layout %s: %s is %s, over the limit of %s (%s)%.0w", dir, f.name, units.Format(fi.Size()), units.Format(f.max), f.fix, ErrConfig)
		}
	}
	return nil
}

// fileKind names a kind of file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// checkLayout is [checkLayoutFiles] for the layout r names, once per run.
func (c *Client) checkLayout(r ref.Ref) error {
	if r.Scheme != "ocidir" {
		return nil
	}
	_, err := c.layouts.get(r.Path, func() (bool, error) {
		return true, checkLayoutFiles(r.Path, c.maxManifest)
	})
	return err
}

// layoutWrite is one write of a run into an OCI layout, from
// [Client.openLayout] to [layoutWrite.close], under the layout's lock.
type layoutWrite struct {
	c      *Client
	dir    string
	root   *os.Root
	unlock func()
	// the files regclient writes as they were when the write began
	// (path -> Lstat), to tell the files this run wrote
	before map[string]fs.FileInfo
}

// openLayout readies the OCI layout at dir for a run that writes it: a
// blobs or blobs/<algorithm> directory that is a symbolic link is refused
// (blobs would be written elsewhere; regclient renames each blob into
// place, which replaces a link rather than writing through it); the layout
// is locked ([lockLayout]) until ctx ends; and the files regclient writes
// are listed, so that close can tell which this run wrote.
func (c *Client) openLayout(ctx context.Context, dir string) (*layoutWrite, error) {
	for _, sub := range []string{"blobs", filepath.Join("blobs", "sha256"), filepath.Join("blobs", "sha512")} {
		p := filepath.Join(dir, sub)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			to, _ := os.Readlink(p)
			return nil, fmt.Errorf("the layout %s: %s is a symbolic link (to %s), through which its blobs would be written elsewhere; make it a directory%.0w", dir, sub, to, ErrConfig)
		}
	}
	unlock, err := c.takeTurn(ctx, dir)
	if err != nil {
		return nil, err
	}
	w := &layoutWrite{c: c, dir: dir, unlock: unlock}
	// under the lock, what another run may have made of the layout
	if err := checkLayoutFiles(dir, c.maxManifest); err != nil {
		w.unlock()
		return nil, err
	}
	if w.root, err = os.OpenRoot(dir); err != nil {
		w.unlock()
		return nil, fmt.Errorf("opening the layout %s: %w", dir, err)
	}
	w.before = w.files()
	return w, nil
}

// takeTurn waits for the turn of this run's documents at the layout at
// dir, then for its lock ([lockLayout]), and returns their release.
func (c *Client) takeTurn(ctx context.Context, dir string) (func(), error) {
	// documents of this run take turns here; the lock waits for others
	key := filepath.Clean(dir)
	if abs, err := filepath.Abs(dir); err == nil {
		key = abs
	}
	turn, _ := c.layoutTurns.LoadOrStore(key, make(chan struct{}, 1))
	select {
	case turn.(chan struct{}) <- struct{}{}:
	case <-ctx.Done():
		return nil, &spec.WaitError{What: "waiting for another document of the spec to finish writing the layout " + dir, Err: ctx.Err()}
	}
	release := func() { <-turn.(chan struct{}) }
	unlock, err := lockLayout(ctx, dir, func() {
		c.log.Infof("the layout %s is locked by another process (another run writing it); waiting for it (--timeout or Ctrl-C ends the wait)", dir)
	})
	if err != nil {
		release()
		return nil, err
	}
	return func() { unlock(); release() }, nil
}

// lockToRead holds the lock of the layout r names, when it exists, while
// a target's read looks at it: regclient rewrites oci-layout and
// index.json in place, so a read beside another run's write can find
// them half-written. A layout not made yet is not made here (a dry run
// writes nothing). Other references need no lock.
func (c *Client) lockToRead(ctx context.Context, r ref.Ref) (func(), error) {
	if fi, err := os.Stat(r.Path); r.Scheme != "ocidir" || err != nil || !fi.IsDir() {
		return func() {}, nil
	}
	return c.takeTurn(ctx, r.Path)
}

// files lists, with Lstat, the files of the layout regclient writes
// (oci-layout, index.json, blobs/<algorithm>/*, their temporary files):
// a listing, not a walk, so that a layout in a large directory is cheap.
func (w *layoutWrite) files() map[string]fs.FileInfo {
	out := map[string]fs.FileInfo{}
	list := func(sub string, keep func(string) bool) {
		r := w.root
		if sub != "." {
			var err error
			if r, err = w.root.OpenRoot(sub); err != nil {
				return
			}
			defer r.Close()
		}
		d, err := r.Open(".")
		if err != nil {
			return
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			if !keep(n) {
				continue
			}
			if fi, err := r.Lstat(n); err == nil {
				out[filepath.Join(sub, n)] = fi
			}
		}
	}
	list(".", func(n string) bool { return n == "oci-layout" || n == "index.json" || isLayoutTemp(".", n) })
	if d, err := w.root.Open("blobs"); err == nil {
		algs, _ := d.ReadDir(-1)
		d.Close()
		for _, a := range algs {
			if a.IsDir() {
				list(filepath.Join("blobs", a.Name()), func(string) bool { return true })
			}
		}
	}
	return out
}

// isLayoutTemp says whether name, in sub, is a temporary file of
// regclient's: index.json.*.tmp at the top, *.tmp in blobs/<algorithm>.
func isLayoutTemp(sub, name string) bool {
	if sub == "." {
		return strings.HasPrefix(name, "index.json.") && strings.HasSuffix(name, ".tmp")
	}
	return strings.HasSuffix(name, ".tmp")
}

// isDigestName says whether name, in blobs/<alg>, is a digest's hex.
func isDigestName(alg, name string) bool {
	n := map[string]int{"sha256": 64, "sha512": 128}[alg]
	if n == 0 || len(name) != n {
		return false
	}
	return strings.Trim(name, "0123456789abcdef") == ""
}

// close ends the write and releases the lock. Of the files this run
// wrote (new or replaced since the write began), the temporary files
// regclient left behind are removed (it removes none when a copy fails,
// and under the lock new ones are ours), and the rest get the mode the
// umask gives ([setMode]; regclient makes them 0600), so that another user
// can read the layout, as with crane's or docker's. No other file is
// touched, nor any through a link.
func (w *layoutWrite) close() {
	defer w.unlock()
	defer w.root.Close()
	var left []string
	removed := 0
	for name, fi := range w.files() {
		if old, ok := w.before[name]; ok && os.SameFile(old, fi) {
			continue // there before, and not replaced
		}
		sub, base := filepath.Split(name)
		sub = filepath.Clean(sub)
		switch {
		case isLayoutTemp(sub, base):
			if err := w.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				left = append(left, name)
			} else {
				removed++
			}
		case sub == ".", isDigestName(filepath.Base(sub), base):
			setMode(w.root, name, fi)
		}
	}
	if removed > 0 {
		w.c.log.Debugf("removed %d partial files this run left in the layout %s", removed, w.dir)
	}
	if len(left) > 0 {
		sort.Strings(left)
		n := len(left)
		if n > 5 {
			left = append(left[:5], "…")
		}
		w.c.log.Warnf("the layout %s keeps %s this run started and could not remove: %s; remove them", w.dir, text.Plural(n, "partial file"), strings.Join(left, ", "))
	}
}
