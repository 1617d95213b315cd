package registry

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/blob"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/ref"
)

// A blob copied between registries is read from a stream that regclient
// counts as a request to the source registry until it is closed, so a
// streamed copy holds one of the source's request slots (--concurrency)
// for the upload's round trips too: copying to two registries, the
// source's slots, shared by every target, set the pace. A small blob is
// read whole first, and its slot freed, before its upload starts; a
// run-wide budget bounds the bytes held so, a blob past it is streamed.
const (
	smallBlobSize   = 1 << 20  // a blob read whole before its upload, at most
	smallBlobBudget = 32 << 20 // bytes of small blobs held at once in a run
)

// blobBudget is the bytes of small blobs a run may hold at once.
type blobBudget struct {
	mu   sync.Mutex
	used int64
}

// take reserves n bytes, or says there are not so many left.
func (b *blobBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 || n > smallBlobSize || b.used+n > smallBlobBudget {
		return false
	}
	b.used += n
	return true
}

// give returns n bytes taken.
func (b *blobBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// readSmall reads blob d of src whole when it is small and the budget
// allows: its bytes, and the function that returns them to the budget;
// nil when the blob is to be streamed. The reader regclient gives checks
// the blob's digest and size as it reaches the end.
func (c *Client) readSmall(ctx context.Context, src ref.Ref, d descriptor.Descriptor) ([]byte, func(), error) {
	if !c.blobBytes.take(d.Size) {
		return nil, nil, nil
	}
	done := func() { c.blobBytes.give(d.Size) }
	rdr, err := withTokens(c, src, func(rc *regclient.RegClient) (blob.Reader, error) { return rc.BlobGet(ctx, src, d) })
	if err != nil {
		done()
		return nil, nil, c.opError("reading", src.SetDigest(d.Digest.String()), err)
	}
	defer rdr.Close()
	b, err := io.ReadAll(io.LimitReader(rdr, d.Size+1))
	if err == nil && int64(len(b)) != d.Size {
		err = fmt.Errorf("the blob has %d bytes or more where its descriptor says %d", len(b), d.Size)
	}
	if err != nil {
		done()
		return nil, nil, c.opError("reading", src.SetDigest(d.Digest.String()), err)
	}
	return b, done, nil
}
