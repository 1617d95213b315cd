package probe

import (
	"errors"
	"fmt"

	"github.com/manifest-tool/manifest-tool/manifest/view"
)

// ErrNoLists is returned when the registry cannot hold manifest lists or
// OCI indexes, or could not be shown to. It matches view.ErrCheck too: a
// check did not hold (exit 3).
var ErrNoLists = fmt.Errorf("manifest lists or OCI indexes unsupported%.0w", view.ErrCheck)

// ErrIncomplete is returned when whether the registry holds manifest lists
// or OCI indexes is unknown, because a request the check needed got no
// whole answer (a connection cut off, garbage instead of HTTP, retries
// given up on). It is a failure of the registry, not a check that did not
// hold: it does not match view.ErrCheck (exit 1, not 3).
var ErrIncomplete = errors.New("manifest lists or OCI indexes unknown: a check could not be completed")
