package regtest

import "fmt"

// SeedExamples pushes the per-platform images that examples/release.yaml
// and examples/from-args.sh name, as a release pipeline's build steps
// would: OCI images as buildx makes them, one of them with its provenance
// attestation, one in another repository.
func (r *Registry) SeedExamples() error {
	arm := NewImage(Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, false)
	steps := []struct {
		repo, tag string
		img       Image
	}{
		{"demo/app", "1.0-linux-amd64", NewImage(Platform{OS: "linux", Architecture: "amd64"}, false)},
		{"demo/app", "1.0-linux-arm64", NewImage(Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, false)},
		{"demo/app", "1.0-linux-armv7", arm},
		{"demo/builds", "app-1.0-armv7", arm},
	}
	for _, s := range steps {
		if err := r.PushImage(s.repo, s.tag, s.img); err != nil {
			return fmt.Errorf("seeding %s:%s: %w", s.repo, s.tag, err)
		}
	}
	if err := r.PushBuildx("demo/builds", "app-1.0-s390x", NewBuildxIndex(Platform{OS: "linux", Architecture: "s390x"})); err != nil {
		return fmt.Errorf("seeding demo/builds:app-1.0-s390x: %w", err)
	}
	return nil
}
