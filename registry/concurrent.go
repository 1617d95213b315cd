package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/manifest-tool/manifest-tool/spec"
)

// forEach runs fn(0..n-1), at most limit at once, and returns each call's
// error at its index. Once ctx is done no new call starts, and each call
// that never ran gets an error matching errNotStarted, so no item is
// silently dropped; [nameNotStarted] names them.
func forEach(ctx context.Context, n, limit int, fn func(i int) error) []error {
	errList := make([]error, n)
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < n; j++ {
				errList[j] = fmt.Errorf("%w: %w", errNotStarted, context.Cause(ctx))
			}
			break
		}
		wg.Go(func() {
			defer func() {
				// a bug in one item must not take the run down with a stack
				if p := recover(); p != nil {
					errList[i] = fmt.Errorf("internal error (a bug; please report it): %v", p)
				}
				<-sem
			}()
			errList[i] = fn(i)
		})
	}
	wg.Wait()
	return errList
}

// nameNotStarted replaces the error of each item forEach never started
// with name's, which says what the item was.
func nameNotStarted(errList []error, name func(i int, err error) error) {
	for i, err := range errList {
		if errors.Is(err, errNotStarted) {
			errList[i] = name(i, err)
		}
	}
}

// beside runs read in a goroutine of its own while work runs (a round
// trip that costs no time of its own), and returns the failures of both.
func beside(work, read func() error) error {
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() { readErr = read() })
	err := work()
	wg.Wait()
	return spec.Join(err, readErr)
}
