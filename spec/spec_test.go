package spec

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestPosString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "f.yaml", Line: 14, Field: "manifests[2].platform.architecture"}, "f.yaml:14: manifests[2].platform.architecture"},
		{Pos{File: "f.yaml"}, "f.yaml"},
		{Pos{Field: `--platforms "linux/arm/v7"`}, `--platforms "linux/arm/v7"`},
		{Pos{}, ""},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.pos.String(); got != tc.want {
				t.Errorf("String = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRegistriesAndTargets(t *testing.T) {
	t.Parallel()
	specs, err := Load(context.Background(), "r.yaml", strings.NewReader(`image: a.example.com/app:1
manifests:
  - image: b.example.com/app:1-amd64
  - image: ocidir://layout:1-arm64
  - image: a.example.com/app:1-s390x
---
image: c.example.com/app:1
manifests:
  - image: b.example.com/app:1-amd64
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Registries(specs...), []string{"a.example.com", "b.example.com", "c.example.com"}; !slices.Equal(got, want) {
		t.Errorf("Registries = %q, want %q (layouts are not registries)", got, want)
	}
	if got, want := Targets(specs...), []string{"a.example.com", "c.example.com"}; !slices.Equal(got, want) {
		t.Errorf("Targets = %q, want %q", got, want)
	}
}
