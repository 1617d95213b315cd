package registry

import (
	"context"
	"fmt"
	"sync"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/manifest/attest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// attestationsMode is the document's --attestations mode: its spec's
// attestations: key, else the flag's, else keep.
func (j *job) attestationsMode() string {
	switch {
	case j.spec.Attestations != "":
		return j.spec.Attestations
	case j.opts.Attestations != "":
		return j.opts.Attestations
	}
	return attest.Keep
}

// writtenReferrers records, for one target, the attestations written as
// referrers (by their digest in the index), and what was written of each,
// by the digest of the image it describes.
type writtenReferrers struct {
	mu   sync.Mutex
	done map[string]bool
	by   map[string][]manifest.ReferrerResult
}

// writeAttestations writes each pending attestation into the target as an
// OCI referrer of the image it describes, with the write path of
// --referrers: regclient's ManifestPut, which updates the sha256-<hex>
// fallback tag on a registry without the referrers API. regclient's own
// conversion (mod.WithManifestToOCIReferrers) rewrites an image already
// pushed, in its own repository; here the attestations go, before the
// index, to every target, from any source. Per image, the target's
// referrers are listed once (a referrer listed already is not written
// again); per attestation not listed, its manifest is read when the
// resolve did not keep it, then it is written: only the manifest in its
// own repository (edit: its blobs are there), blobs and manifest as a
// member's ([Client.copyMember]) elsewhere.
func (t *target) writeAttestations(ctx context.Context, pending []attest.Pending) error {
	c, w := t.j.c, &t.attested
	w.mu.Lock()
	var todo []attest.Pending
	for _, p := range pending {
		if d := p.Attestation.Descriptor.Digest.String(); !w.done[d] {
			todo = append(todo, p)
		}
	}
	w.mu.Unlock()
	errList := forEach(ctx, len(todo), c.concurrency, func(i int) error {
		p := todo[i]
		r, err := c.writeAttestation(ctx, t.ref, p)
		if err != nil {
			return &spec.Error{Pos: p.Attestation.Entry.Pos, Err: err}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.done == nil {
			w.done, w.by = map[string]bool{}, map[string][]manifest.ReferrerResult{}
		}
		w.done[p.Attestation.Descriptor.Digest.String()] = true
		s := p.Subject.Descriptor.Digest.String()
		w.by[s] = append(w.by[s], r)
		return nil
	})
	return spec.Join(errList...)
}

// writePending writes a push's attestations as referrers
// ([target.writeAttestations]), before its index, and lists each under
// its image in the result.
func (t *target) writePending(ctx context.Context) error {
	if len(t.j.pending) == 0 {
		return nil
	}
	if err := t.writeAttestations(ctx, t.j.pending); err != nil {
		return err
	}
	res := t.result
	for i := range res.Manifests {
		res.Manifests[i].Referrers = append(res.Manifests[i].Referrers, t.attested.referrersOf(res.Manifests[i].Digest)...)
	}
	return nil
}

// checkPending checks, before anything is written, that each pending
// attestation whose manifest the resolve kept can be made a referrer:
// one that cannot (a Docker manifest) fails the document with nothing
// written, rather than after its members are copied.
func checkPending(pending []attest.Pending) error {
	var errList []error
	for _, p := range pending {
		if p.Attestation.Manifest == nil {
			continue // read again when written, and checked then
		}
		if _, _, err := attest.AsReferrer(p.Attestation.Manifest, p.Subject.Descriptor); err != nil {
			src := p.Attestation.Entry.Image.SetDigest(p.Attestation.Descriptor.Digest.String())
			errList = append(errList, &spec.Error{Pos: p.Attestation.Entry.Pos, Err: fmt.Errorf("%s: %w%.0w", src.CommonName(), err, manifest.ErrInvalid)})
		}
	}
	return spec.Join(errList...)
}

// referrersOf returns what was written as referrers of the image digest.
func (w *writtenReferrers) referrersOf(digest string) []manifest.ReferrerResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.by[digest]
}

// writeAttestation writes one attestation into target as a referrer of
// its image ([target.writeAttestations]).
func (c *Client) writeAttestation(ctx context.Context, target ref.Ref, p attest.Pending) (manifest.ReferrerResult, error) {
	a := p.Attestation
	src := a.Entry.Image.SetDigest(a.Descriptor.Digest.String())
	man := a.Manifest
	if man == nil {
		var err error
		if man, err = c.manifestOf(ctx, src); err != nil {
			return manifest.ReferrerResult{}, c.opError("reading the attestation", src, err)
		}
		if err := manifest.CheckListed(a, man); err != nil {
			return manifest.ReferrerResult{}, err
		}
	}
	conv, changed, err := attest.AsReferrer(man, p.Subject.Descriptor)
	if err != nil {
		return manifest.ReferrerResult{}, fmt.Errorf("%s: %w%.0w", src.CommonName(), err, manifest.ErrInvalid)
	}
	d := conv.GetDescriptor()
	res := manifest.ReferrerResult{Digest: d.Digest.String(), ArtifactType: artifactTypeOf(conv), How: manifest.HowPresent}
	subject := target.SetDigest(p.Subject.Descriptor.Digest.String())
	l, err := c.referrersOf(ctx, subject)
	if err != nil {
		return res, c.opError("listing the referrers of", subject, err)
	}
	for _, x := range l.descs {
		if x.Digest == d.Digest {
			c.log.Infof("present attestation %s as a referrer of %s", d.Digest, subject.CommonName())
			return res, nil
		}
	}
	what := "as it was"
	if changed {
		what = "with a subject"
	}
	if ref.EqualRepository(a.Entry.Image, target) {
		// its blobs are in the repository: only the manifest is written
		at := target.SetDigest(d.Digest.String())
		if err := withTokensErr(c, at, func(rc *regclient.RegClient) error { return rc.ManifestPut(ctx, at, conv) }); err != nil {
			return res, c.opError("writing the attestation "+d.Digest.String()+" as a referrer into", target.SetTag(""), err)
		}
		res.How = manifest.HowCopied
	} else {
		m := manifest.Member{Descriptor: descriptor.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, Entry: a.Entry, Manifest: conv}
		if res.How, err = c.copies.get(repoName(target)+"@"+d.Digest.String(), func() (manifest.How, error) {
			return c.copyMember(ctx, m, target)
		}); err != nil {
			return res, err
		}
	}
	c.log.Infof("wrote attestation %s (%s) as %s, a referrer of %s", a.Descriptor.Digest, what, d.Digest, subject.CommonName())
	return res, nil
}

// artifactTypeOf is what a referrers listing gives as the manifest's
// artifact type: its artifactType, else its config's media type.
func artifactTypeOf(m rcmanifest.Manifest) string {
	if o, ok := m.GetOrig().(v1.Manifest); ok && o.ArtifactType != "" {
		return o.ArtifactType // BuildKit's artifact form
	}
	if img, ok := m.(rcmanifest.Imager); ok {
		if cd, err := img.GetConfig(); err == nil {
			return cd.MediaType
		}
	}
	return ""
}
