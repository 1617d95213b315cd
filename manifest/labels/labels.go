// Package labels makes index annotations of the labels the member images'
// configs carry (--annotations-from-labels, spec key
// annotations-from-labels: true). It is pure: the configs are read by
// package registry.
//
// # What is taken
//
// A label whose key starts with org.opencontainers.image. (the
// pre-defined annotation keys of the OCI image spec, which
// docker/metadata-action sets as labels) becomes an annotation of the
// index when every image member carries it with the same value. An
// annotation given explicitly (--annotations, annotations:) wins over a
// label. A key on which members disagree, or that one of them lacks, is
// left out, with a note naming it. Attestation manifests are not images
// and are not asked.
//
// # Bounds
//
// A config may carry any number of labels of any length. At most
// [MaxKeys] keys of an image are considered (the first in sorted order);
// a key over [MaxKeyLen] bytes or a value over [MaxValueLen] bytes is left
// out with a note. So labels add at most MaxKeys × (MaxKeyLen +
// MaxValueLen) bytes, about 530 KB, to an index. A value is kept byte for
// byte, control characters included; notes quote it.
package labels

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Prefix is the key prefix of the labels that are taken.
const Prefix = "org.opencontainers.image."

// The bounds on what one image contributes (see the package doc).
const (
	MaxKeys     = 64
	MaxKeyLen   = 256
	MaxValueLen = 8 << 10
)

// Image is the labels of one image member, under the name notes use for
// it (its reference and digest).
type Image struct {
	Name   string
	Labels map[string]string
}

// Keep reduces a config's labels to those that may become annotations:
// keys under [Prefix], within the bounds. It returns a note for each key
// left out by a bound (a note for the keys past MaxKeys, together).
func Keep(name string, labels map[string]string) (map[string]string, []string) {
	var keys []string
	for k := range labels {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var notes []string
	if len(keys) > MaxKeys {
		notes = append(notes, fmt.Sprintf("%s: %d labels under %s, over %d: the last %d in sorted order are not made index annotations", name, len(keys), Prefix, MaxKeys, len(keys)-MaxKeys))
		keys = keys[:MaxKeys]
	}
	out := map[string]string{}
	for _, k := range keys {
		switch v := labels[k]; {
		case len(k) > MaxKeyLen:
			notes = append(notes, fmt.Sprintf("%s: label %s… is a key of %d bytes, over %d: not made an index annotation", name, strconv.Quote(k[:64]), len(k), MaxKeyLen))
		case len(v) > MaxValueLen:
			notes = append(notes, fmt.Sprintf("%s: label %s is a value of %d bytes, over %d: not made an index annotation", name, strconv.Quote(k), len(v), MaxValueLen))
		default:
			out[k] = v
		}
	}
	return out, notes
}

// Annotations returns the index annotations the images' labels (each
// reduced by [Keep]) make, with the explicit ones over them, and a note
// for each key left out because the images disagree on it or one lacks it,
// in sorted order. With no image, it returns explicit as it is.
func Annotations(images []Image, explicit map[string]string) (map[string]string, []string) {
	if len(images) == 0 {
		return explicit, nil
	}
	keys := map[string]bool{}
	for _, img := range images {
		for k := range img.Labels {
			keys[k] = true
		}
	}
	out := maps.Clone(explicit)
	if out == nil {
		out = map[string]string{}
	}
	var notes []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if _, ok := explicit[k]; ok {
			continue // given explicitly: the labels are not asked
		}
		if note := disagreement(images, k); note != "" {
			notes = append(notes, note)
			continue
		}
		out[k] = images[0].Labels[k]
	}
	if len(out) == 0 {
		out = nil
	}
	return out, notes
}

// disagreement says why key is not one value on every image ("" when it is).
func disagreement(images []Image, key string) string {
	first, ok := images[0].Labels[key]
	for _, img := range images {
		v, has := img.Labels[key]
		switch {
		case !has:
			return fmt.Sprintf("label %q is not on %s: not made an index annotation", key, img.Name)
		case !ok:
			return fmt.Sprintf("label %q is not on %s: not made an index annotation", key, images[0].Name)
		case v != first:
			return fmt.Sprintf("label %q differs: %s on %s, %s on %s: not made an index annotation", key, short(first), images[0].Name, short(v), img.Name)
		}
	}
	return ""
}

// short quotes a value for a note, its first 80 bytes at most.
func short(v string) string {
	if len(v) > 80 {
		return strconv.Quote(v[:80]) + "…"
	}
	return strconv.Quote(v)
}
