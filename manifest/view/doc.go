// Package view holds what the commands that read show: inspect's [View],
// platforms' [Summary] and probe's [ProbeReport], each with its JSON (the
// field names are fixed) and a WriteText for people. It is pure, like
// package manifest, whose rules it shows.
//
// A [Fetched] is a manifest as a registry served it, with what was read
// below it. [New] turns it into a [View]: the manifest's media type,
// digest, size and annotations, and one [Entry] per entry (its platform,
// annotations, config and layers; an attestation names the image it
// describes; a nested index holds its own entries). A manifest that
// several entries name is shown in full once, where it is nearest the
// top, and the others say where ([Entry].ShownAt). Its [Summary] is what
// platforms shows: the platforms in index order, the attestations apart,
// and [Summary.Require] for platforms --require ([ErrCheck] naming each
// missing platform, met as spec.Meets says).
//
// Every WriteText writes 80 columns: no line runs past them except a full
// digest on a line of its own. Each line goes through text.Escape, which
// the CLI's log formatter shares: a control character a registry or a
// layout sent is shown as an escape (\x1b, \n, \u2028), never written.
package view
