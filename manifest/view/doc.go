// Package view holds what the commands that read show: inspect's [View]
// ([New] makes it from a [Fetched], a manifest and what was read below
// it), platforms' [Summary] and probe's [ProbeReport]. Each has its JSON,
// whose field names are fixed, and a WriteText for people: 80 columns, no
// line past them but a full digest on a line of its own, every line
// escaped (text.Escape) so that a control character a registry or a layout
// sent is shown as an escape (\x1b, \n, \u2028), never written. It is
// pure, like package manifest, whose rules it shows.
package view
