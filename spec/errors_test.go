package spec

import (
	"errors"
	"fmt"
	"testing"
)

func TestJoinAndSplit(t *testing.T) {
	t.Parallel()
	a, b, c := errors.New("a"), errors.New("b"), errors.New("c")
	tests := []struct {
		name  string
		in    []error
		want  []error // Split of Join
		whole string  // Join's text
	}{
		{"nothing", nil, nil, ""},
		{"nils only", []error{nil, nil}, nil, ""},
		{"one", []error{nil, a}, []error{a}, "a"},
		{"several", []error{a, nil, b}, []error{a, b}, "a\nb"},
		{"nested lists taken in", []error{Errors{a, Errors{b}}, c}, []error{a, b, c}, "a\nb\nc"},
		{"an error wrapping several stays whole", []error{fmt.Errorf("%w and %w", a, b)}, []error{fmt.Errorf("%w and %w", a, b)}, "a and b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Join(tc.in...)
			if (err == nil) != (tc.whole == "") || err != nil && err.Error() != tc.whole {
				t.Fatalf("Join = %v, want %q", err, tc.whole)
			}
			got := Split(err)
			if len(got) != len(tc.want) {
				t.Fatalf("Split = %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i].Error() != tc.want[i].Error() {
					t.Errorf("Split[%d] = %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
	t.Run("errors.Is sees each", func(t *testing.T) {
		err := Join(a, &Error{Pos: Pos{File: "f.yaml", Line: 2}, Err: b})
		if !errors.Is(err, a) || !errors.Is(err, b) || errors.Is(err, c) {
			t.Errorf("errors.Is on %v", err)
		}
		if _, ok := Join(a).(Errors); ok {
			t.Error("one error is a list")
		}
	})
}

func TestError(t *testing.T) {
	t.Parallel()
	inner := errors.New("not found")
	for _, tc := range []struct {
		name    string
		err     error
		want    string
		invalid bool
	}{
		{"a problem in the input", errorf(Pos{File: "f.yaml", Line: 3, Field: "image"}, ErrMissing, "is empty"), "f.yaml:3: image: is empty", true},
		{"a failure at a member", &Error{Pos: Pos{File: "f.yaml", Line: 7, Field: "manifests[1]"}, Err: inner}, "f.yaml:7: manifests[1]: not found", false},
		{"no position", &Error{Err: inner}, "not found", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err.Error() != tc.want || errors.Is(tc.err, ErrInvalid) != tc.invalid {
				t.Errorf("%q (invalid %v), want %q (invalid %v)", tc.err, errors.Is(tc.err, ErrInvalid), tc.want, tc.invalid)
			}
		})
	}
}
