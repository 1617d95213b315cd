package spec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// ErrDigestDir is returned for a --members-from folder that cannot be
// used: missing, not a folder, empty, holding a subfolder or a name that
// is not a digest's hex.
var ErrDigestDir = errors.New("invalid digests folder")

// digestDirBatch is how many names of a folder are read at a time, so
// that a huge folder is never held whole.
const digestDirBatch = 1024

var digestHexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ReadDigestDir lists the digests of the folder dir the way Docker's
// push-by-digest workflow writes them: one empty file per image, named by
// the hex of its sha256 digest. Names starting with '.' are left out; only
// names count, so a file's content is never read and a symbolic link
// counts by its own name, wherever it points. The digests come sorted, so
// the index is the same whatever order the folder lists them in. More than
// max names (--max-members), a subfolder, a name that is not 64 lowercase
// hex digits, an empty folder, or a path that is not a folder is bad
// input naming it. The folder is read in batches and its reading stops
// past max, so its size bounds neither memory nor time.
//
// Go's os.ReadDir would read the whole folder and sort it first.
func ReadDigestDir(dir string, max int) ([]string, error) {
	pos := Pos{Field: "--members-from " + quoteRef(dir)}
	f, err := os.Open(dir)
	if err != nil {
		return nil, errorf(pos, ErrDigestDir, "%v", unwrapPath(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.IsDir() {
		return nil, errorf(pos, ErrDigestDir, "is not a folder (want the folder the builds wrote a file per digest into)")
	}
	var names []string
	for {
		batch, err := f.ReadDir(digestDirBatch)
		for _, e := range batch {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			if e.IsDir() {
				return nil, errorf(pos, ErrDigestDir, "holds the subfolder %q; want only files named by a digest's hex", name)
			}
			if !digestHexRE.MatchString(name) {
				return nil, errorf(pos, ErrDigestDir, "holds %q, which is not a sha256 digest's hex (64 of 0-9a-f); remove it, or start its name with '.'", name)
			}
			if len(names) == max {
				return nil, errorf(pos, ErrLimit, "holds more than %d digests (--max-members raises the limit)", max)
			}
			names = append(names, name)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(pos, ErrDigestDir, "%v", unwrapPath(err))
		}
	}
	if len(names) == 0 {
		return nil, errorf(pos, ErrDigestDir, "holds no digest (names starting with '.' do not count): did the builds write their digests there?")
	}
	slices.Sort(names)
	return names, nil
}

// unwrapPath is an error from the os package without the path, which the
// position names already.
func unwrapPath(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
