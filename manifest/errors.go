package manifest

import "errors"

var (
	// ErrInvalid is matched by every validation problem: the index would be
	// wrong, so nothing is written. It is bad input, not a registry failure.
	ErrInvalid = errors.New("invalid index")
	// ErrEmpty: no member is left to put in the index.
	ErrEmpty = errors.New("no members")
	// ErrDuplicatePlatform: two images claim the same platform.
	ErrDuplicatePlatform = errors.New("duplicate platform")
	// ErrAnnotations: annotations where the index type cannot carry them.
	ErrAnnotations = errors.New("annotations not allowed")
	// ErrType: an unknown --type (it matches ErrInvalid too).
	ErrType = errors.New("unknown index type")
	// ErrEntry: an entry the index type cannot hold (no platform, bad digest...).
	ErrEntry = errors.New("invalid entry")
	// ErrPlatform: an os, architecture or variant outside the vocabulary.
	ErrPlatform = errors.New("unknown platform")
	// ErrContradiction: a declared platform the image's config contradicts (--strict).
	ErrContradiction = errors.New("platform contradicts the image")
	// ErrSchema: the index bytes break the rules of their format.
	ErrSchema = errors.New("index format")
	// ErrTagClash: two documents would write the same tag.
	ErrTagClash = errors.New("tag written twice")
)

var (
	// ErrMissing: a member image does not exist (what --ignore-missing
	// skips). A registry failure, not bad input.
	ErrMissing = errors.New("member not found")
	// ErrConflict: another writer changed what --append or edit set to a
	// third value while it ran. A failure, not bad input.
	ErrConflict = errors.New("conflicting change")
)
