package registry

import (
	"context"
	"fmt"
	"sync"
)

// forEach runs fn(0..n-1), at most limit at once, and returns each call's
// error at its index. Once ctx is done no new call starts, and the calls
// that never ran get an error saying so, so no item is silently dropped.
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
				errList[j] = fmt.Errorf("not started: %w", context.Cause(ctx))
			}
			break
		}
		wg.Add(1)
		go func() {
			defer func() {
				// a bug in one item must not take the run down with a stack
				if p := recover(); p != nil {
					errList[i] = fmt.Errorf("internal error (a bug; please report it): %v", p)
				}
				<-sem
				wg.Done()
			}()
			errList[i] = fn(i)
		}()
	}
	wg.Wait()
	return errList
}
