package probe

import (
	"fmt"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// ErrNoLists: the registry cannot hold manifest lists or OCI indexes, or
// could not be shown to. It matches manifest.ErrCheck too: a check did not
// hold (exit 3).
var ErrNoLists = fmt.Errorf("manifest lists or OCI indexes unsupported%.0w", manifest.ErrCheck)
