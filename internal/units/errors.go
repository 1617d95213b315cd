package units

import "errors"

// errSize is returned by Parse for whatever it cannot read: its words say
// what a size is, for the caller to put after the flag and the value.
var errSize = errors.New("want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)")
