package spec

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// annotations-from-labels: takes true or false, at its line.
func TestLoadAnnotationsFromLabels(t *testing.T) {
	load := func(v string) (Spec, error) {
		specs, err := Load(context.Background(), "r.yaml", strings.NewReader("image: r.example/app:1\ntype: oci\nannotations-from-labels: "+v+"\nmanifests:\n  - image: r.example/b:1\n"))
		if err != nil {
			return Spec{}, err
		}
		return specs[0], nil
	}
	if s, err := load("true"); err != nil || !s.AnnotationsFromLabels || s.AnnotationsFromLabelsPos.String() != "r.yaml:3: annotations-from-labels" {
		t.Errorf("true: %+v, %v", s.AnnotationsFromLabelsPos, err)
	}
	if s, err := load("false"); err != nil || s.AnnotationsFromLabels {
		t.Errorf("false: %v, %v", s.AnnotationsFromLabels, err)
	}
	for _, bad := range []string{"yes please", "[true]", "{a: b}"} {
		if _, err := load(bad); err == nil || !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "r.yaml:3: annotations-from-labels: ") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
