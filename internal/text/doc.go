// Package text holds the helpers every message and view of manifest-tool
// writes its text with: [Escape] and [EscapeJSON], which keep what a
// registry or a layout sent from acting on a terminal; [Wrap] for 80
// columns; [Plural], [MediaTypeName] and [Article] for the words.
//
// It imports nothing of the project, so that spec, manifest, registry and
// cmd can all use it.
package text
