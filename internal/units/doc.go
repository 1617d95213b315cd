// Package units writes and reads byte counts, the one way every message,
// view and size flag of manifest-tool does: [Format] writes a count for
// people ("4MiB", "1.4GiB", "5000 bytes") and [Parse] reads a size flag's
// value ("4194304", "4MiB", "8MB"). A whole number of KiB, MiB or GiB is
// written the way Parse reads it, so that a limit an error names can be
// given back to its flag as written.
//
// It imports nothing of the project, so that every package, the transport
// included, can use it. Written here: neither the standard library nor
// the libraries the tool uses (regclient keeps its own in an internal
// package) format or parse sizes.
package units
