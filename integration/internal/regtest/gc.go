package regtest

import (
	"context"
	"errors"

	"github.com/distribution/distribution/v3/registry/storage"
	"github.com/distribution/distribution/v3/registry/storage/driver/factory"
)

// GarbageCollect runs Distribution's garbage collection on the registry's
// storage, as `registry garbage-collect --delete-untagged config.yml`
// does: every manifest no tag reaches, directly or through an index, is
// deleted, then every blob no manifest left references. The registry must
// store on disk (Options.Dir); collect while no client writes to it.
func (r *Registry) GarbageCollect() error {
	if r.dir == "" {
		return errors.New("GarbageCollect needs a registry started with Options.Dir")
	}
	ctx := context.Background()
	driver, err := factory.Create(ctx, "filesystem", map[string]any{"rootdirectory": r.dir})
	if err != nil {
		return err
	}
	opts := []storage.RegistryOption{}
	if !r.noDelete {
		opts = append(opts, storage.EnableDelete)
	}
	ns, err := storage.NewRegistry(ctx, driver, opts...)
	if err != nil {
		return err
	}
	return storage.MarkAndSweep(ctx, driver, ns, storage.GCOpts{RemoveUntagged: true, Quiet: true})
}
