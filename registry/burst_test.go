package registry

import (
	"context"
	"testing"
	"time"

	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

func TestFirstAlone(t *testing.T) {
	ctx := context.Background()
	c := &Client{tr: transport.New(transport.Options{})}
	r, _ := ref.New("reg.example/lab/app:1")
	firstCtx, release := c.firstAlone(ctx, r)
	// a call the first one makes itself goes at once
	_, inner := c.firstAlone(firstCtx, r)
	inner()
	// so does one to an OCI layout, or to another registry (its own first)
	layout, _ := ref.New("ocidir://some/dir:1")
	_, rel := c.firstAlone(ctx, layout)
	rel()
	other, _ := ref.New("other.example/lab/app:1")
	_, rel = c.firstAlone(ctx, other)
	defer rel()

	held := make(chan struct{})
	go func() {
		_, rel := c.firstAlone(ctx, r.SetTag("2"))
		rel()
		close(held)
	}()
	select {
	case <-held:
		t.Fatal("a second call went while the first was running")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	release() // twice: no panic
	<-held
	// once the first call ended, every call goes at once
	_, rel = c.firstAlone(ctx, r)
	rel()

	// a call held goes when its context is done
	d, _ := ref.New("third.example/x:1")
	_, first := c.firstAlone(ctx, d)
	defer first()
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, rel = c.firstAlone(done, d)
	rel()
}
