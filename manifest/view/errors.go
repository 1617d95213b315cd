package view

import "errors"

// ErrCheck is returned when a check the user asked for did not hold: a
// platform --require names is missing ([Summary.Require]), or the probe
// found that the registry cannot hold indexes. The CLI exits with 3.
var ErrCheck = errors.New("check failed")
