package spec

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every error this package returns:
// all of them are bad input, never a registry or runtime failure.
var ErrInvalid = errors.New("invalid spec")

var (
	// ErrSyntax: the YAML does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownKey: a key the spec format does not define (often a typo).
	ErrUnknownKey = errors.New("unknown key")
	// ErrMissing: a required key or value is absent or empty.
	ErrMissing = errors.New("missing value")
	// ErrType: a value has the wrong YAML type (a list where a string belongs...).
	ErrType = errors.New("wrong type")
	// ErrReference: an image reference does not parse.
	ErrReference = errors.New("invalid reference")
	// ErrPlatform: a platform is not os/arch[/variant][:os.version].
	ErrPlatform = errors.New("invalid platform")
	// ErrTemplate: a --template expands to something unusable.
	ErrTemplate = errors.New("invalid template")
	// ErrAnnotation: an annotation is not key=value or has an empty key.
	ErrAnnotation = errors.New("invalid annotation")
)

// Error is a problem in the user's input, with where it was found.
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

// Is makes every *Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// errorf builds an *Error at pos whose message wraps kind.
func errorf(pos Pos, kind error, format string, args ...any) error {
	return &Error{Pos: pos, Err: fmt.Errorf("%s%.0w", fmt.Sprintf(format, args...), kind)}
}
