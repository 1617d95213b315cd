// Package metadata says what a publish hands to the next step of a
// pipeline: the metadata file `docker buildx imagetools create
// --metadata-file` writes, and the outputs of a GitHub Actions step.
package metadata

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// File is what `docker buildx imagetools create --metadata-file`
// writes, for the steps that read it: the index's descriptor, its digest
// again, and the repositories it was pushed to.
type File struct {
	Descriptor Descriptor `json:"containerimage.descriptor"`
	Digest     string     `json:"containerimage.digest"`
	// ImageName is the target repositories, without tags, sorted and
	// comma-separated, as buildx writes image.name.
	ImageName string `json:"image.name"`
}

// Descriptor is the index's descriptor in a [File].
type Descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// ErrDigestsDiffer is returned by [Of] and [Pushed] when the
// results of one run are not one index, as several targets changed with
// --append can be: one digest cannot describe them.
var ErrDigestsDiffer = errors.New("the targets' indexes differ")

// Of describes the index the results pushed: one index, so one
// digest, under every target. Results with different digests are
// [ErrDigestsDiffer], naming each target's.
func Of(results []manifest.Result) (File, error) {
	if len(results) == 0 {
		return File{}, errors.New("no index was pushed")
	}
	if err := sameIndex(results); err != nil {
		return File{}, err
	}
	var names []string
	for _, r := range results {
		if n := repository(r.Target); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	r := results[0]
	return File{
		Descriptor: Descriptor{MediaType: r.MediaType, Digest: r.Digest, Size: r.Size},
		Digest:     r.Digest,
		ImageName:  strings.Join(names, ","),
	}, nil
}

// sameIndex returns [ErrDigestsDiffer], with each target's digest, unless
// every result has the first one's.
func sameIndex(results []manifest.Result) error {
	var each []string
	differ := false
	for _, r := range results {
		each = append(each, r.Target+" "+r.Digest)
		differ = differ || r.Digest != results[0].Digest
	}
	if differ {
		return fmt.Errorf("%w (%s)", ErrDigestsDiffer, strings.Join(each, ", "))
	}
	return nil
}

// repository is a target's repository, without its tag or digest.
func repository(target string) string {
	r, err := ref.New(target)
	if err != nil {
		return target
	}
	return r.SetTag("").CommonName()
}

// Pushed lists what the results pushed, for a CI step that follows: the
// index's digest, and each reference (repository and tag) that points at
// it now, or for an index pushed by its digest alone, its
// repository@digest, in the results' order. Results with different
// digests are [ErrDigestsDiffer]; the references are listed all the same.
func Pushed(results []manifest.Result) (digest string, refs []string, err error) {
	for _, r := range results {
		if len(r.Tags) == 0 && r.Reference != "" && r.Pushed() { // by digest alone
			refs = append(refs, r.Reference)
		}
		for _, t := range r.Tags {
			switch t.Status {
			case manifest.TagCreated, manifest.TagUpdated, manifest.TagUnchanged:
				refs = append(refs, repository(r.Target)+":"+t.Tag)
			}
		}
	}
	if len(results) == 0 {
		return "", refs, nil
	}
	return results[0].Digest, refs, sameIndex(results)
}

// StepOutputs writes the outputs of a GitHub Actions step, as lines to
// append to the file $GITHUB_OUTPUT names: "digest=<digest>", when
// there is one, and "refs" in the heredoc form (refs<<DELIM, one
// reference a line, DELIM). delimiter is asked for a delimiter until it
// gives one that occurs in no reference.
func StepOutputs(digest string, refs []string, delimiter func() string) string {
	var b strings.Builder
	if digest != "" {
		fmt.Fprintf(&b, "digest=%s\n", digest)
	}
	value := strings.Join(refs, "\n")
	delim := delimiter()
	for strings.Contains(value, delim) {
		delim = delimiter()
	}
	fmt.Fprintf(&b, "refs<<%s\n", delim)
	if value != "" {
		b.WriteString(value + "\n")
	}
	fmt.Fprintf(&b, "%s\n", delim)
	return b.String()
}
