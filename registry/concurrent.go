package registry

import (
	"context"
	"sync"
)

// forEach runs fn(0..n-1) with at most limit running at once. It stops
// starting new calls once ctx is done; fn sees ctx and reports its own
// errors.
func forEach(ctx context.Context, n, limit int, fn func(i int)) {
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
