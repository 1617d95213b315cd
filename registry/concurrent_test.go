package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

func TestForEach(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	errList := forEach(ctx, 50, 2, func(i int) error {
		if ran.Add(1) == 5 {
			cancel()
		}
		if i%7 == 0 {
			return fmt.Errorf("item %d", i)
		}
		return nil
	})
	accounted := 0
	for i, err := range errList {
		switch {
		case err == nil:
			accounted++
		case errors.Is(err, context.Canceled):
			accounted++
		case err.Error() == fmt.Sprintf("item %d", i):
			accounted++
		}
	}
	notStarted := 0
	for _, err := range errList {
		if errors.Is(err, errNotStarted) && errors.Is(err, context.Canceled) {
			notStarted++
		}
	}
	if accounted != 50 || notStarted == 0 || int(ran.Load())+notStarted != 50 {
		t.Errorf("ran %d, not started %d, accounted %d of 50", ran.Load(), notStarted, accounted)
	}
	// the items that never started, and only those, get a name
	nameNotStarted(errList, func(i int, err error) error { return fmt.Errorf("item %d: %w", i, err) })
	for i, err := range errList {
		if errors.Is(err, errNotStarted) && !strings.HasPrefix(err.Error(), fmt.Sprintf("item %d: not started: ", i)) {
			t.Errorf("item %d: %v", i, err)
		}
	}
}

// beside returns the failures of both sides, after both have ended.
func TestBeside(t *testing.T) {
	t.Parallel()
	var read atomic.Bool
	err := beside(func() error { return errors.New("work") }, func() error {
		read.Store(true)
		return errors.New("read")
	})
	if !read.Load() || err == nil || err.Error() != "work\nread" {
		t.Errorf("got %v (read %v)", err, read.Load())
	}
}
