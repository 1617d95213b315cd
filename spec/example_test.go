package spec_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/manifest-tool/manifest-tool/spec"
)

// Loading a spec file: variables come from the environment (here, from a
// map), every entry keeps the line it was written on.
func ExampleLoad() {
	const file = `image: reg.example.com/app:${VERSION}
tags: [latest]
manifests:
  - image: reg.example.com/app:${VERSION}-amd64
  - image: reg.example.com/app:${VERSION}-arm64
    platform: {os: linux, architecture: arm64, variant: v8}
`
	env := map[string]string{"VERSION": "1.0"}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	specs, err := spec.Load(context.Background(), "release.yaml", strings.NewReader(file), spec.WithLookup(lookup))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := specs[0]
	fmt.Println("index:", s.Target.CommonName(), "tags:", s.Tags)
	for _, e := range s.Manifests {
		declared := "read from the image"
		if p := e.Platform; p != nil {
			declared = p.OS + "/" + p.Architecture + "/" + p.Variant
		}
		fmt.Printf("%s: %s, platform %s\n", e.Pos, e.Image.CommonName(), declared)
	}
	// Output:
	// index: reg.example.com/app:1.0 tags: [latest]
	// release.yaml:4: manifests[0]: reg.example.com/app:1.0-amd64, platform read from the image
	// release.yaml:5: manifests[1]: reg.example.com/app:1.0-arm64, platform linux/arm64/v8
}

// A mistake is one error naming the file, the line and the field, with the
// likely fix.
func ExampleLoad_error() {
	const file = `image: reg.example.com/app:1.0
manifests:
  - image: reg.example.com/app:1.0-amd64
    platform: {os: linux, arch: amd64}
`
	_, err := spec.Load(context.Background(), "release.yaml", strings.NewReader(file))
	fmt.Println(err)
	// Output:
	// release.yaml:4: manifests[0].platform.arch: unknown key "arch"; did you mean "architecture"?
}

// The flags of push from-args: one member per platform, named by the
// template.
func ExampleFromArgs() {
	s, err := spec.FromArgs(spec.Args{
		Platforms: []string{"linux/amd64", "linux/arm/v7", "windows/amd64:10.0.20348.2227"},
		Template:  "reg.example.com/app:1.0-OS-ARCH-VARIANT",
		Targets:   []string{"reg.example.com/app:1.0"},
		Tags:      []string{"latest"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range s.Manifests {
		fmt.Println(e.Image.CommonName(), e.Platform)
	}
	// Output:
	// reg.example.com/app:1.0-linux-amd64 linux/amd64
	// reg.example.com/app:1.0-linux-arm-v7 linux/arm/v7
	// reg.example.com/app:1.0-windows-amd64 windows/amd64
}
