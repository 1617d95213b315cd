package spec

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is returned by every error of this package but the
// context's ([WaitError]: an interrupt, --timeout): all of them are bad
// input, never a registry or runtime failure. Each also matches its kind.
var ErrInvalid = errors.New("invalid spec")

// The kinds of bad input; each matches ErrInvalid too.
var (
	// ErrSyntax is returned when the YAML does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownKey is returned for a key the spec does not define (a typo).
	ErrUnknownKey = errors.New("unknown key")
	// ErrMissing is returned when a required key or value is absent or empty.
	ErrMissing = errors.New("missing value")
	// ErrType is returned for a value of the wrong YAML type or none of
	// the values its key takes.
	ErrType = errors.New("wrong type")
	// ErrReference is returned when an image reference does not parse.
	ErrReference = errors.New("invalid reference")
	// ErrPlatform is returned for a platform not os/arch[/variant][:os.version].
	ErrPlatform = errors.New("invalid platform")
	// ErrTemplate is returned when a --template expands to something unusable.
	ErrTemplate = errors.New("invalid template")
	// ErrAnnotation is returned for an annotation not key=value or with an
	// empty key.
	ErrAnnotation = errors.New("invalid annotation")
	// ErrVariable is returned for a ${VAR} that cannot be expanded.
	ErrVariable = errors.New("invalid variable")
	// ErrLimit is returned when the spec is larger than a limit of
	// [Limits] allows, or its aliases expand past what its size allows.
	ErrLimit = errors.New("spec over a limit")
	// ErrDuplicateTarget is returned when a document names one target
	// (repository and tag) twice.
	ErrDuplicateTarget = errors.New("duplicate target")
)

// Error is a failure tied to a place in the user's input: a problem in the
// input itself (this package's errors, which all match ErrInvalid), or a
// later failure on one member, which the registry package reports at the
// member's position ("release.yaml:7: resolving reg/app:1-arm64: not
// found"). It matches what Err matches, and nothing more.
type Error struct {
	Pos Pos
	Err error
}

func (e *Error) Error() string {
	if p := e.Pos.String(); p != "" {
		return p + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error at pos whose message wraps kind and ErrInvalid.
func errorf(pos Pos, kind error, format string, args ...any) error {
	return &Error{Pos: pos, Err: fmt.Errorf("%s%.0w%.0w", fmt.Sprintf(format, args...), kind, ErrInvalid)}
}

// invalid is err, found at pos in the user's input: bad input.
func invalid(pos Pos, err error) error {
	return &Error{Pos: pos, Err: fmt.Errorf("%w%.0w", err, ErrInvalid)}
}

// Errors is several failures reported together, a line each: every spec
// problem at once, every member that failed. errors.Is and errors.As see
// each of them; [Join] builds it.
type Errors []error

func (e Errors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes each failure to errors.Is and errors.As.
func (e Errors) Unwrap() []error { return e }

// Join puts failures together: nil when there is none, the failure itself
// when there is one, else an [Errors] holding each, with the nils dropped
// and the failures of nested Errors taken in.
func Join(errList ...error) error {
	flat := Split(errList...)
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return Errors(flat)
}

// Split lists the failures an error stands for: the elements of an
// [Errors] (nested ones taken apart too), or the error itself; nils are
// dropped. An error that merely wraps several (fmt.Errorf with more than one
// %w) is one failure.
func Split(errList ...error) []error {
	var out []error
	for _, err := range errList {
		switch e := err.(type) {
		case nil:
		case Errors:
			out = append(out, Split(e...)...)
		default:
			out = append(out, err)
		}
	}
	return out
}
