package manifest

import "errors"

var (
	// ErrInvalid is returned when the index would be wrong, so nothing is
	// written: every validation problem matches it, and each also matches
	// the sentinel of its kind. It is bad input, not a registry failure.
	ErrInvalid = errors.New("invalid index")
	// ErrType is returned for an unknown --type or type:, and for a
	// change that would change an index's type (it matches ErrInvalid too).
	ErrType = errors.New("unknown index type")
	// ErrDuplicatePlatform is returned when two images of one index claim
	// the same platform (it matches ErrInvalid too).
	ErrDuplicatePlatform = errors.New("duplicate platform")
)

var (
	// ErrMissing is returned when a member image does not exist (what
	// --ignore-missing skips), or a platform to remove or select is not
	// there. A registry failure, not bad input.
	ErrMissing = errors.New("member not found")
	// ErrConflict is returned when another writer set what --append or
	// edit changed to a third value while it ran. A failure, not bad
	// input.
	ErrConflict = errors.New("conflicting change")
)

// The other kinds of validation problem; each matches ErrInvalid too.
var (
	// errEmpty is returned when no member is left to put in the index.
	errEmpty = errors.New("no members")
	// errAnnotations is returned for annotations on a Docker list.
	errAnnotations = errors.New("annotations not allowed")
	// errEntry is returned for an entry without a platform, with a bad
	// digest or size, or a list in a Docker list.
	errEntry = errors.New("invalid entry")
	// errPlatform is returned for an os, architecture or variant outside
	// the known vocabulary.
	errPlatform = errors.New("unknown platform")
	// errContradiction is returned, with --strict, for a declared platform
	// the image's config contradicts.
	errContradiction = errors.New("platform contradicts the image")
	// errSchema is returned when the index bytes break their format's rules.
	errSchema = errors.New("index format")
	// errTagClash is returned when two documents would write one tag.
	errTagClash = errors.New("tag written twice")
)
