// Package text holds the words every message and view of manifest-tool is
// written with: [Escape] and [EscapeJSON] for what a registry or a layout
// sent, [Wrap] for 80 columns, [Plural], [MediaTypeName] and [Article]. It
// imports nothing of the project.
package text

import (
	"fmt"
	"strings"

	"github.com/regclient/regclient/types/mediatype"
)

// mediaTypeNames names media types for people.
var mediaTypeNames = map[string]string{
	mediatype.OCI1ManifestList:      "OCI image index",
	mediatype.Docker2ManifestList:   "Docker manifest list",
	mediatype.OCI1Manifest:          "OCI image manifest",
	mediatype.Docker2Manifest:       "Docker image manifest",
	mediatype.Docker1ManifestSigned: "Docker schema 1 manifest",
	mediatype.Docker1Manifest:       "Docker schema 1 manifest",
	mediatype.OCI1Artifact:          "OCI artifact manifest",
}

// MediaTypeName names a media type for people ("OCI image index"); a
// media type it does not know is returned as it is.
func MediaTypeName(mediaType string) string {
	if k, ok := mediaTypeNames[mediaType]; ok {
		return k
	}
	return mediaType
}

// Article puts "a" or "an" before a name from MediaTypeName.
func Article(name string) string {
	if strings.HasPrefix(name, "OCI") {
		return "an " + name
	}
	return "a " + name
}

// Plural writes a count and its noun: "1 image", "2 images", "2 indexes".
func Plural(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "x"):
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Wrap breaks s at spaces into lines of at most width. A word longer than
// width stays whole on a line of its own, so that a URL or a digest can be
// copied, unless cut is set: then it is cut at width, for a table column
// that nothing may run past.
func Wrap(s string, width int, cut bool) []string {
	var words []string
	for _, w := range strings.Fields(s) {
		for cut && len(w) > width {
			words = append(words, w[:width])
			w = w[width:]
		}
		words = append(words, w)
	}
	var lines []string
	line := ""
	for _, word := range words {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}
