package spec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// MetadataAction is what --metadata-action takes from the JSON output of
// docker/metadata-action (DOCKER_METADATA_OUTPUT_JSON): a target per
// repository named by its tags, each with exactly the tags listed for it,
// and the index annotations. That action writes a list of full references
// and of level-prefixed annotations; reading them here replaces the jq
// glue its documented workflow uses.
type MetadataAction struct {
	// Targets has one target per repository, in the order of its first
	// tag; the target's other tags are its Tags.
	Targets []Target
	// Annotations are those with an "index" level, or with none.
	Annotations map[string]string
	// Skipped lists the annotations of other levels (manifest:...), which
	// an index does not carry, for a note.
	Skipped []string
}

// metadataActionJSON is the part of docker/metadata-action's output read.
type metadataActionJSON struct {
	Tags        []string `json:"tags"`
	Annotations []string `json:"annotations"`
}

// ParseMetadataAction reads docker/metadata-action's JSON output, named
// name in messages (a file, or "stdin"). Each tag must be a full reference
// with a tag; at most maxTags of them (DefaultMaxTargets when 0), since
// each is a write.
func ParseMetadataAction(data []byte, name string, maxTags int) (MetadataAction, error) {
	var out MetadataAction
	var in metadataActionJSON
	pos := Pos{Field: "--metadata-action " + name}
	if err := json.Unmarshal(data, &in); err != nil {
		return out, errorf(pos, ErrSyntax, "is not docker/metadata-action's JSON output: %v", err)
	}
	if len(in.Tags) == 0 {
		return out, errorf(pos, ErrMissing, "lists no tags (docker/metadata-action's \"tags\")")
	}
	if maxTags <= 0 {
		maxTags = DefaultMaxTargets
	}
	if len(in.Tags) > maxTags {
		return out, errorf(pos, ErrLimit, "lists %d tags, more than %d (--max-targets raises the limit)", len(in.Tags), maxTags)
	}
	byRepo := map[string]int{} // repository -> index in out.Targets
	for _, s := range in.Tags {
		tpos := Pos{Field: fmt.Sprintf("--metadata-action %s: tag %s", name, quoteRef(s))}
		r, defaulted, err := parseRef(s, tpos, true)
		if err != nil {
			return out, err
		}
		if defaulted {
			return out, errorf(tpos, ErrReference, "names no tag; docker/metadata-action writes full references (reg/app:tag)")
		}
		repo := r.SetTag("").CommonName()
		i, ok := byRepo[repo]
		switch {
		case !ok:
			byRepo[repo] = len(out.Targets)
			out.Targets = append(out.Targets, Target{Ref: r, Pos: tpos})
		case r.Tag == out.Targets[i].Ref.Tag || slices.Contains(out.Targets[i].Tags, r.Tag):
			return out, errorf(tpos, ErrDuplicateTarget, "is listed twice; list each tag once")
		default:
			out.Targets[i].Tags = append(out.Targets[i].Tags, r.Tag)
		}
	}
	return out, out.annotations(in.Annotations, name)
}

// annotations sorts the action's annotations: "index:k=v" and "k=v" are
// the index's; other levels ("manifest:", "manifest-descriptor:") are
// skipped. A level list ("manifest,index:k=v") counts when it has index.
func (m *MetadataAction) annotations(items []string, name string) error {
	for _, item := range items {
		k, v, ok := strings.Cut(item, "=")
		levels, key, prefixed := strings.Cut(k, ":")
		if !prefixed {
			levels, key = "index", k
		}
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return errorf(Pos{Field: fmt.Sprintf("--metadata-action %s: annotation %q", name, item)}, ErrAnnotation, "want [level:]key=value")
		}
		if !slices.Contains(strings.Split(levels, ","), "index") {
			m.Skipped = append(m.Skipped, item)
			continue
		}
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[key] = v
	}
	return nil
}

// targets are the from-args targets: each --target, then those of
// --metadata-action; at least one, at most a.MaxTargets, none twice.
func (a Args) targets() ([]Target, error) {
	var more []Target
	if a.MetadataAction != nil {
		more = a.MetadataAction.Targets
	}
	if len(a.Targets) == 0 && len(more) == 0 {
		return nil, errorf(Pos{Field: "--target"}, ErrMissing, "is required (the reference the index is written to)")
	}
	var targets []Target
	if len(a.Targets) > 0 {
		var err error
		if targets, err = argTargets(a.Targets, "--target", a.MaxTargets); err != nil {
			return nil, err
		}
	}
	max := a.MaxTargets
	if max <= 0 {
		max = DefaultMaxTargets
	}
	seen := map[string]Pos{}
	for _, t := range targets {
		seen[t.Ref.CommonName()] = t.Pos
	}
	for _, t := range more {
		if len(targets) == max {
			return nil, errorf(t.Pos, ErrLimit, "more than %d targets in one run (--max-targets raises the limit)", max)
		}
		for _, tag := range append([]string{t.Ref.Tag}, t.Tags...) {
			if first, dup := seen[t.Ref.SetTag(tag).CommonName()]; dup {
				return nil, errorf(t.Pos, ErrDuplicateTarget, "%s is also named by %s; give each target once", t.Ref.SetTag(tag).CommonName(), first)
			}
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// mergeAnnotations is base with over's keys set on it: explicit
// --annotations win over --metadata-action's.
func mergeAnnotations(base, over map[string]string) map[string]string {
	if len(base) == 0 {
		return over
	}
	out := maps.Clone(base)
	maps.Copy(out, over)
	return out
}

// MaxMetadataActionSize is the most --metadata-action reads: docker/
// metadata-action's output for every tag a release has is a few KiB.
const MaxMetadataActionSize = 1 << 20

// ReadMetadataAction reads docker/metadata-action's JSON output from path,
// or from stdin when path is "-", within [MaxMetadataActionSize], giving up
// when ctx ends (a pipe nobody writes to), and parses it.
func ReadMetadataAction(ctx context.Context, path string, stdin io.Reader, maxTags int) (MetadataAction, error) {
	name, r := "stdin", stdin
	if path != "-" {
		name = path
		f, err := OpenFile(ctx, "--metadata-action "+path, path)
		if errors.As(err, new(*WaitError)) {
			return MetadataAction{}, err
		} else if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return MetadataAction{}, errorf(Pos{Field: "--metadata-action " + path}, ErrMissing, "cannot be read: %v", err)
		}
		defer f.Close()
		r = f
	}
	data, err := ReadAll(ctx, "--metadata-action "+name, r, MaxMetadataActionSize)
	if err != nil {
		var we *WaitError
		if errors.As(err, &we) {
			return MetadataAction{}, err
		}
		return MetadataAction{}, errorf(Pos{Field: "--metadata-action " + name}, ErrMissing, "cannot be read: %v", err)
	}
	if len(data) > MaxMetadataActionSize {
		return MetadataAction{}, errorf(Pos{Field: "--metadata-action " + name}, ErrLimit, "is larger than %d KiB, which is no docker/metadata-action output", MaxMetadataActionSize>>10)
	}
	return ParseMetadataAction(data, name, maxTags)
}
