package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"
	"github.com/regclient/regclient/types/errs"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
	"github.com/manifest-tool/manifest-tool/spec"
)

// This file copies members between repositories itself rather than with
// regclient's BlobCopy (v0.11.7, blob.go:66), which per blob:
//   - sends a HEAD before a mount (blob.go:98), where a registry answers
//     a mount 201 whether it held the blob or not; here a mount goes
//     first, and a registry that declines one is not asked again;
//   - returns the bare error of the source's GET or the target's PUT
//     (blob.go:154, 199), and takes a failed HEAD for "not there"; here a
//     failure names its side, with that side's registry and credentials
//     (a read cut on the source during the PUT is the source's);
//   - makes one attempt, so a stream cut half-way, which the transport
//     cannot replay, fails the copy; here it starts over (blobAttempts);
//   - fails when the PUT did, where a blob can land with its answer lost;
//     here the target is asked before the copy fails.

// BlobEvent reports the copy of one blob into a target repository.
type BlobEvent struct {
	Target string // the target repository (ocidir:// for a layout)
	Member string // the member's reference
	Blob   string // the blob's digest
	Size   int64
	// How is "present", "mounted" or "copied" once the blob is there,
	// "" while its bytes are on their way.
	How manifest.How
	// Done counts the bytes copied so far (Size when the blob is there).
	Done int64
}

// WithProgress makes the Client report each blob it copies into a target
// repository; fn may be called from several goroutines at once.
func WithProgress(fn func(BlobEvent)) Option { return func(s *clientOptions) { s.progress = fn } }

// supply copies into the target repository what it lacks of the members
// ([Client.copyMembers]) and, as the policy says, of their referrers
// ([Client.copyReferrers]); it says how each member got there, and which
// referrers were copied with it.
func (c *Client) supply(ctx context.Context, target ref.Ref, members []manifest.Member, p ReferrersPolicy) ([]manifest.How, [][]manifest.ReferrerResult, error) {
	refs := make([][]manifest.ReferrerResult, len(members))
	hows, err := c.copyMembers(ctx, target, members)
	if err == nil && p != ReferrersOff {
		refs, err = c.copyReferrers(ctx, target, members, hows, p == ReferrersRequired)
	}
	return hows, refs, err
}

// copyMembers makes every member exist in the target repository, and says
// for each how it got there. A member already there costs one HEAD; the
// others are copied by digest, concurrently: each blob the target lacks is
// mounted from the source repository when both are in one registry, and
// streamed from the source otherwise; then the manifest is written.
func (c *Client) copyMembers(ctx context.Context, target ref.Ref, members []manifest.Member) ([]manifest.How, error) {
	hows := make([]manifest.How, len(members))
	errList := forEach(ctx, len(members), c.concurrency, func(i int) error {
		ctx, release := c.firstAlone(ctx, target)
		defer release()
		m := members[i]
		dig := m.Descriptor.Digest.String()
		if ref.EqualRepository(m.Entry.Image, target) {
			hows[i] = manifest.HowPresent
			c.log.Infof("present %s in %s", m.Entry.Image.SetDigest(dig).CommonName(), repoName(target))
			return nil
		}
		// once per run and target repository: a member listed twice, or
		// by two documents pushing to one repository, is copied once
		how, err := c.copies.get(repoName(target)+"@"+dig, func() (manifest.How, error) {
			return c.copyMember(ctx, m, target)
		})
		hows[i] = how
		return err
	})
	nameNotStarted(errList, func(i int, err error) error {
		return c.opError("copying "+members[i].Entry.Image.SetDigest(members[i].Descriptor.Digest.String()).CommonName()+" into", target.SetTag(""), err)
	})
	for i, err := range errList {
		if err != nil {
			errList[i] = &spec.Error{Pos: members[i].Entry.Pos, Err: err}
		}
	}
	return hows, spec.Join(errList...)
}

// copyMember copies one member manifest (an image or an attestation) into
// the target repository: present, mounted or copied.
func (c *Client) copyMember(ctx context.Context, m manifest.Member, target ref.Ref) (manifest.How, error) {
	dig := m.Descriptor.Digest.String()
	src, tgt := m.Entry.Image.SetDigest(dig), target.SetDigest(dig)
	// a failure names the side it happened on, with that side's registry
	// and credentials
	fail := func(err error) (manifest.How, error) {
		var op *OpError
		if errors.As(err, &op) {
			return "", op
		}
		return "", c.opError("copying "+src.CommonName()+" into", tgt, err)
	}
	// no HEAD of the manifest in the target first: it would cost every
	// member a round trip to spare one that is there already, and a tag
	// that points at the index already spares them all (see write)
	man := m.Manifest
	if man == nil {
		var err error
		if man, err = c.manifestOf(ctx, src); err != nil {
			return fail(c.opError("reading", src, err))
		}
	}
	var blobs []descriptor.Descriptor
	if img, ok := man.(rcmanifest.Imager); ok {
		if cd, err := img.GetConfig(); err == nil && cd.Digest != "" {
			blobs = append(blobs, cd)
		}
		layers, _ := img.GetLayers()
		for _, l := range layers {
			if len(l.URLs) == 0 { // foreign layers stay where their URLs say
				blobs = append(blobs, l)
			}
		}
	} else if man.IsList() {
		return fail(fmt.Errorf("%s is an index; only images are copied", src.CommonName()))
	}
	var mounted, copied atomic.Int32
	var copiedBytes atomic.Int64
	errList := forEach(ctx, len(blobs), c.concurrency, func(i int) error {
		how, err := c.copyBlob(ctx, src, target, blobs[i])
		switch how {
		case manifest.HowMounted:
			mounted.Add(1)
		case manifest.HowCopied:
			copied.Add(1)
			copiedBytes.Add(blobs[i].Size)
		}
		return err
	})
	if err := spec.Join(errList...); err != nil {
		return fail(err)
	}
	if err := withTokensErr(c, tgt, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, tgt, man) }); err != nil {
		return fail(err)
	}
	how := manifest.HowCopied // also when every blob was there already: only the manifest was copied
	if copied.Load() == 0 && mounted.Load() > 0 {
		how = manifest.HowMounted
	}
	// one line a member: the lines of its blobs are --debug's (a CI log
	// holds members, not blobs)
	var size int64
	for _, b := range blobs {
		size += b.Size
	}
	c.log.Infof("%s %s into %s (%d blobs, %s, %s copied)", how, src.CommonName(), repoName(target), len(blobs), units.Format(size), units.Format(copiedBytes.Load()))
	return how, nil
}

// blobAttempts is how many copies of one blob are started, the first
// included.
const blobAttempts = 5

// copyBlob makes one blob exist in the target repository. A stream cut
// or refused half-way (which the transport cannot replay) starts over, a
// few times: a fresh look at the target, then a fresh upload.
func (c *Client) copyBlob(ctx context.Context, src, target ref.Ref, d descriptor.Descriptor) (manifest.How, error) {
	for attempt := 1; ; attempt++ {
		narrowed := c.narrowed(src) + c.narrowed(target)
		how, err := c.copyBlobOnce(ctx, src, target, d)
		again, wait := c.tr.Restartable(err)
		if err != nil && !again && refusedByAuth(err) && c.narrowed(src)+c.narrowed(target) != narrowed {
			// refused with a token for several repositories: again, with
			// a token per repository (tokens.go); at most once per side
			c.log.Debugf("%s; copying the blob again with a token per repository", err)
			continue
		}
		if err == nil || attempt == blobAttempts || !again || ctx.Err() != nil {
			return how, err
		}
		c.log.Warnf("%s; copying the blob again in %s (attempt %d of %d)", err, wait.Round(100*time.Millisecond), attempt+1, blobAttempts)
		if err := transport.Sleep(ctx, wait); err != nil {
			return "", err
		}
	}
}

// blobPresent reports whether the target repository holds the blob; the
// error says that the registry could not be asked.
func (c *Client) blobPresent(ctx context.Context, target ref.Ref, d descriptor.Descriptor) (bool, error) {
	rdr, err := c.reg(target).BlobHead(ctx, target, d)
	switch {
	case err == nil:
		rdr.Close()
		return true, nil
	case transport.Unanswered(err):
		return false, c.opError("looking for blob "+d.Digest.String()+" in", target.SetTag(""), err)
	}
	return false, nil
}

func (c *Client) copyBlobOnce(ctx context.Context, src, target ref.Ref, d descriptor.Descriptor) (manifest.How, error) {
	member := src.CommonName()
	report := func(how manifest.How, n int64) {
		if c.progress != nil {
			c.progress(BlobEvent{Target: repoName(target), Member: member, Blob: d.Digest.String(), Size: d.Size, How: how, Done: n})
		}
	}
	_, declined := c.mountDeclined.Load(target.Registry)
	// a mount needs one token for two repositories, which a registry
	// that narrows tokens does not give (tokens.go)
	declined = declined || c.narrowed(target) != ""
	if src.Scheme == "reg" && ref.EqualRegistry(src, target) && !declined {
		// mounted straight away, with no HEAD first: the registry answers
		// 201 whether the blob was there or not, and 202 when it declines
		err := c.reg(target).BlobMount(ctx, src, target, d)
		switch {
		case err == nil:
			report(manifest.HowMounted, d.Size)
			return manifest.HowMounted, nil
		case transport.Unanswered(err):
			return "", c.opError("mounting blob "+d.Digest.String()+" into", target.SetTag(""), err)
		}
		// a registry that declines a mount declines them all: for the
		// rest of the run its blobs are looked for, then copied
		c.mountDeclined.Store(target.Registry, true)
	}
	// bytes would move: a HEAD first spares them when the blob is there
	if ok, err := c.blobPresent(ctx, target, d); err != nil || ok {
		if ok {
			report(manifest.HowPresent, d.Size)
			return manifest.HowPresent, nil
		}
		return "", err
	}
	small, done, err := c.readSmall(ctx, src, d) // its slot at the source freed (smallblob.go)
	if err != nil {
		return "", err
	}
	var from io.Reader = bytes.NewReader(small)
	if small != nil {
		defer done()
	} else {
		rdr, err := c.reg(src).BlobGet(ctx, src, d)
		if err != nil {
			return "", c.opError("reading", src.SetDigest(d.Digest.String()), err)
		}
		defer rdr.Close()
		from = rdr
	}
	counted := &countingReader{r: from, onRead: func(n int64) { report("", n) }}
	if _, err := c.reg(target).BlobPut(ctx, target, d, counted); err != nil {
		if counted.err != nil && (!errors.Is(counted.err, io.EOF) || errors.Is(counted.err, errs.ErrDigestMismatch)) {
			// the source's fault, not the target's
			return "", c.opError("reading", src.SetDigest(d.Digest.String()), counted.err)
		}
		// the upload may have landed with its answer lost (a retried last
		// PUT then finds its upload gone): the target says
		if present, _ := c.blobPresent(ctx, target, d); !present {
			return "", c.opError("uploading blob "+d.Digest.String()+" to", target.SetTag(""), err)
		}
		c.log.Debugf("blob %s is in %s although its upload failed (%v)", d.Digest, repoName(target), err)
	}
	report(manifest.HowCopied, d.Size)
	return manifest.HowCopied, nil
}

// countingReader reports how many bytes went through it.
type countingReader struct {
	r      io.Reader
	n      int64
	err    error // the last read's
	onRead func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.err = err
	c.n += int64(n)
	if n > 0 {
		c.onRead(c.n)
	}
	return n, err
}
