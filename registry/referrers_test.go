package registry

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/regclient/regclient/types/mediatype"
	v1 "github.com/regclient/regclient/types/oci/v1"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// pushReferrer pushes an artifact (an SBOM, say) whose subject is m, in
// repo, and returns it.
func (r *memRegistry) pushReferrer(t *testing.T, repo string, subject rcmanifest.Manifest, artifactType string) rcmanifest.Manifest {
	t.Helper()
	ctx := context.Background()
	payload := []byte(`{"sbom":"` + artifactType + `"}`)
	target := r.ref(t, repo+":x")
	pd := descriptor.Descriptor{MediaType: "application/json", Digest: digest.FromBytes(payload), Size: int64(len(payload))}
	if _, err := r.rc.BlobPut(ctx, target, pd, bytes.NewReader(payload)); err != nil {
		t.Fatal(err)
	}
	empty := descriptor.Descriptor{MediaType: mediatype.OCI1Empty, Digest: descriptor.EmptyDigest, Size: 2}
	if _, err := r.rc.BlobPut(ctx, target, empty, bytes.NewReader([]byte("{}"))); err != nil {
		t.Fatal(err)
	}
	sd := subject.GetDescriptor()
	m, err := rcmanifest.New(rcmanifest.WithOrig(v1.Manifest{Versioned: v1.ManifestSchemaVersion, MediaType: mediatype.OCI1Manifest,
		ArtifactType: artifactType, Config: empty, Layers: []descriptor.Descriptor{pd},
		Subject: &descriptor.Descriptor{MediaType: sd.MediaType, Digest: sd.Digest, Size: sd.Size}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.rc.ManifestPut(ctx, target.SetDigest(m.GetDescriptor().Digest.String()), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// With Referrers, a member copied from another repository brings its
// referrers, and theirs (a signature on the SBOM), so that the target's
// clients find them; without, no referrers request is sent.
func TestPublishReferrers(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t, ggcr.WithReferrersSupport(true))
	img := reg.pushImage(t, "builds", "amd64", "linux/amd64")
	sbom := reg.pushReferrer(t, "builds", img, "application/spdx+json")
	sig := reg.pushReferrer(t, "builds", sbom, "application/vnd.dev.cosign.artifact.sig.v1+json")
	s := reg.spec(t, "app:plain", nil, "builds:amd64")
	reg.count()
	if _, err := reg.client(t).Publish(context.Background(), []manifestSpec{s}, PublishOptions{Type: manifest.OCI}); err != nil {
		t.Fatal(err)
	}
	if got := reg.requests(); bytes.Contains([]byte(got), []byte("referrers")) {
		t.Errorf("without --referrers: %s", got)
	}
	results, err := reg.client(t).Publish(context.Background(), []manifestSpec{reg.spec(t, "other:1", nil, "builds:amd64")}, PublishOptions{Type: manifest.OCI, Referrers: ReferrersCopy})
	if err != nil {
		t.Fatal(err)
	}
	refs := results[0].Manifests[0].Referrers
	// (go-containerregistry's referrers list gives the config's media type
	// as the artifactType; the result says what the registry listed)
	if len(refs) != 1 || refs[0].Digest != sbom.GetDescriptor().Digest.String() || refs[0].ArtifactType == "" || refs[0].How != manifest.HowCopied {
		t.Errorf("referrers %+v", refs)
	}
	for subject, want := range map[string]rcmanifest.Manifest{img.GetDescriptor().Digest.String(): sbom, sbom.GetDescriptor().Digest.String(): sig} {
		rl, err := reg.rc.ReferrerList(context.Background(), reg.ref(t, "other@"+subject))
		if err != nil || len(rl.Descriptors) != 1 || rl.Descriptors[0].Digest != want.GetDescriptor().Digest {
			t.Errorf("referrers of %s in the target: %+v, %v", subject, rl.Descriptors, err)
		}
	}
}

func TestCheckReferrersAnswer(t *testing.T) {
	t.Parallel()
	const index = `"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"`
	tests := []struct{ name, body, want string }{
		{"empty list", `{` + index + `,"manifests":[]}`, ""},
		{"one referrer", `{` + index + `,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("a", 64) + `","size":5,"artifactType":"application/spdx+json"}]}`, ""},
		{"cut", `{` + index + `,"manifests":[`, "what is not an image index (unexpected end of JSON input)"},
		{"a number for a digest", `{` + index + `,"manifests":[{"digest":17}]}`, "what is not an image index (json: cannot unmarshal number into Go struct field Descriptor.manifests.digest of type digest.Digest)"},
		{"html", `<html>`, "what is not an image index (invalid character '<' looking for beginning of value)"},
		{"no media type (the header says it)", `{"schemaVersion":2,"manifests":[]}`, ""},
		{"bad digest", `{` + index + `,"manifests":[{"mediaType":"m","digest":"sha256:abc","size":1}]}`, `an index whose manifests[0] is not a descriptor (media type "m", digest "sha256:abc", size 1)`},
		{"negative size", `{` + index + `,"manifests":[{"mediaType":"m","digest":"sha256:` + strings.Repeat("a", 64) + `","size":-1}]}`, `an index whose manifests[0] is not a descriptor (media type "m", digest "sha256:` + strings.Repeat("a", 64) + `", size -1)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if _, err := checkReferrersAnswer([]byte(tc.body)); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// What --referrers costs on top of a push, by kind of request, for two
// members from another repository, each with an SBOM and a signature on
// the SBOM (4 referrers), in go-containerregistry's registry, which has
// the referrers API:
//   - one referrers query per manifest copied: the 2 members, and each
//     referrer for its own;
//   - one tag list of the source repository, for cosign's tags;
//   - per referrer, a HEAD of it in the target, a GET in the source and a
//     PUT in the target; and since this registry does not confirm a
//     subject with an OCI-Subject header, regclient also updates the
//     sha256-<hex> fallback index (a GET and a PUT), as the OCI
//     distribution spec asks of a client;
//   - a HEAD of each blob of each referrer, its layer and its empty
//     config, which this registry finds (it keeps one blob store for all
//     repositories), so none is sent (each referrer is one ImageCopy, so
//     the config the SBOM and its signature share is looked at twice).
func TestReferrersBudget(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t, ggcr.WithReferrersSupport(true))
	var members []string
	for _, arch := range []string{"amd64", "arm64"} {
		img := reg.pushImage(t, "builds", arch, "linux/"+arch)
		sbom := reg.pushReferrer(t, "builds", img, "application/spdx+json")
		reg.pushReferrer(t, "builds", sbom, "application/vnd.dev.cosign.artifact.sig.v1+json")
		members = append(members, "builds:"+arch)
	}
	counts := func(target string, referrers ReferrersPolicy) map[string]int {
		reg.count()
		// one at a time: which mounts are tried depends on the order
		// (a declined one is not tried again for that repository)
		c := reg.client(t, WithConcurrency(1))
		if _, err := c.Publish(context.Background(), []manifestSpec{reg.spec(t, target, nil, members...)}, PublishOptions{Type: manifest.OCI, Referrers: referrers}); err != nil {
			t.Fatal(err)
		}
		reg.mu.Lock()
		defer reg.mu.Unlock()
		return maps.Clone(reg.counts)
	}
	plain, with := counts("plain:1", ReferrersOff), counts("signed:1", ReferrersCopy)
	extra := map[string]int{}
	for k, n := range with {
		if d := n - plain[k]; d != 0 {
			extra[k] = d
		}
	}
	const referrers = 4
	want := map[string]int{
		"HEAD blob":     2 * referrers,
		"GET referrers": 2 + referrers,
		"GET tags":      1,
		"HEAD manifest": referrers,
		"GET manifest":  2 * referrers,
		"PUT manifest":  2 * referrers,
	}
	if !maps.Equal(extra, want) {
		t.Errorf("--referrers cost %v on top of the push (%v), want %v", extra, plain, want)
	}
}

// What the referrers API answered is a problem when regclient would take
// it for "no API": a body that is not an index, or a server error, also
// the last of those the transport gave up on; a 404 is a registry without
// the API, and other paths are not the API's.
func TestWatchReferrersAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path   string
		status int
		body   string
		want   string
	}{
		{"/v2/app/referrers/sha256:1", 503, "", "the referrers API of reg.example.com answered 503 Service Unavailable, so the referrers listed may be incomplete"},
		{"/v2/app/referrers/sha256:1", 200, "<html>", "the referrers API of reg.example.com answered what is not an image index (invalid character '<' looking for beginning of value), so the referrers listed may be incomplete"},
		{"/v2/app/referrers/sha256:1", 404, "", ""},
		{"/v2/app/manifests/1", 503, "", ""},
	} {
		_, w, stop := watchReferrersAPI(context.Background(), 10, nil)
		defer stop()
		req, _ := http.NewRequest("GET", "https://reg.example.com"+tc.path, nil)
		w.see(req, tc.status, []byte(tc.body))
		got := ""
		if err := w.problem(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.path, tc.status, got, tc.want)
		}
	}
}

// The watch of a referrers listing keeps its first referrers and ends it
// past its limit: more referrers than the limit over the pages, more
// pages, or an answer too large to be shown whole.
func TestReferrersWatchCut(t *testing.T) {
	t.Parallel()
	page := func(digests ...string) []byte {
		var entries []string
		for _, d := range digests {
			entries = append(entries, `{"mediaType":"m","digest":"`+digest.FromString(d).String()+`","size":1}`)
		}
		return []byte(`{"schemaVersion":2,"manifests":[` + strings.Join(entries, ",") + `]}`)
	}
	req, _ := http.NewRequest("GET", "https://reg.example.com/v2/app/referrers/sha256:1", nil)
	for _, tc := range []struct {
		name  string
		pages [][]byte
		cut   bool
		first int
	}{
		{"within", [][]byte{page("a", "b"), page("c")}, false, 3},
		{"a referrer more", [][]byte{page("a", "b"), page("c", "d")}, true, 3},
		{"one listed twice", [][]byte{page("a", "b"), page("b", "c")}, false, 3},
		{"pages", [][]byte{page(), page(), page(), page()}, true, 0},
		{"too large to be shown", [][]byte{page("a"), nil}, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, w, stop := watchReferrersAPI(context.Background(), 3, nil)
			defer stop()
			for _, p := range tc.pages {
				w.see(req, http.StatusOK, p)
			}
			if w.cut() != tc.cut || (ctx.Err() != nil) != tc.cut || len(w.first()) != tc.first || !w.asked() {
				t.Errorf("cut %v (context %v), %d kept; want cut %v, %d kept", w.cut(), ctx.Err(), len(w.first()), tc.cut, tc.first)
			}
		})
	}
}

// Each page of a listing past its first takes one from the run's bound in
// all; once it is spent, the listing ends there, said as the bound in
// all, with the referrers listed so far kept.
func TestReferrersWatchPagesInAll(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest("GET", "https://reg.example.com/v2/app/referrers/sha256:1", nil)
	first := []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"` + digest.FromString("a").String() + `","size":1}]}`)
	empty := []byte(`{"schemaVersion":2,"manifests":[]}`)
	left := 2
	ctx, w, stop := watchReferrersAPI(context.Background(), 1000, func() bool {
		if left == 0 {
			return false
		}
		left--
		return true
	})
	defer stop()
	w.see(req, http.StatusOK, first)
	for range 2 {
		w.see(req, http.StatusOK, empty)
	}
	if w.cut() || left != 0 {
		t.Fatalf("cut %v with %d pages of the bound left after two pages past the first, want not cut and none left", w.cut(), left)
	}
	w.see(req, http.StatusOK, empty)
	if !w.cut() || !w.overTotal() || ctx.Err() == nil || len(w.first()) != 1 {
		t.Errorf("a page past the bound in all: cut %v, in all %v, context %v, %d kept; want cut by the bound in all, 1 kept", w.cut(), w.overTotal(), ctx.Err(), len(w.first()))
	}
}

// inspect --referrers asks about each digest once, however many entries
// have it, and within the bounds per manifest and in all (a manifest
// past the bound in all is not asked about).
func TestReferrersOncePerDigest(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t, ggcr.WithReferrersSupport(true))
	img := reg.pushImage(t, "app", "1", "linux/amd64")
	other := reg.pushImage(t, "app", "2", "linux/arm64")
	reg.pushReferrer(t, "app", img, "application/spdx+json")
	reg.pushReferrer(t, "app", img, "application/vnd.dev.cosign.artifact.sig.v1+json")
	reg.pushReferrer(t, "app", other, "application/spdx+json")
	d, o := img.GetDescriptor().Digest.String(), other.GetDescriptor().Digest.String()
	for _, tc := range []struct {
		limits      ReferrerLimits
		img, others int // referrers listed for img, and for the other
		requests    string
	}{
		{ReferrerLimits{}, 2, 1, "GET referrers 2"},
		{ReferrerLimits{PerSubject: 1}, 1, 1, "GET referrers 2"},
		{ReferrerLimits{Total: 2}, 2, 0, "GET referrers 1"},
	} {
		reg.count()
		c := reg.client(t, WithReferrerLimits(tc.limits), WithConcurrency(1)) // in order
		got, err := c.Referrers(context.Background(), reg.ref(t, "app:1"), []string{d, o, d, d})
		if err != nil {
			t.Fatal(err)
		}
		if len(got[d]) != tc.img || len(got[o]) != tc.others || reg.requests() != tc.requests {
			t.Errorf("%+v: %d and %d referrers listed with %s; want %d and %d with %s", tc.limits, len(got[d]), len(got[o]), reg.requests(), tc.img, tc.others, tc.requests)
		}
	}
}

// The referrers API's watch says a redirect that led to a failure, naming
// where and what was answered, and a redirect loop, as problems.
func TestReferrersWatchRedirects(t *testing.T) {
	t.Parallel()
	parse := func(s string) *http.Request {
		req, err := http.NewRequest(http.MethodGet, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	first := parse("http://reg:5000/v2/app/referrers/sha256:x")
	api := parse("http://api:8080/orgs/acme/versions?token=secret")
	api.Response = &http.Response{Status: "303 See Other", StatusCode: 303, Request: first}

	w := &apiWatch{limit: 10, cancel: func(error) {}}
	w.see(first, http.StatusSeeOther, nil)
	w.see(api, http.StatusTooManyRequests, []byte("API rate limit exceeded"))
	want := "the referrers API of reg:5000 redirected the request (303 See Other) to http://api:8080/orgs/acme/versions, " +
		"which answered 429 Too Many Requests (API rate limit exceeded), so the referrers listed may be incomplete"
	if err := w.problem(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}

	w = &apiWatch{limit: 10, cancel: func(error) {}}
	for range maxRedirects {
		w.see(first, http.StatusSeeOther, nil)
	}
	want = "the referrers API of reg:5000 redirected the request 10 times, the last time to http://reg:5000/v2/app/referrers/sha256:x (a loop?), and no further, so the referrers listed may be incomplete"
	if err := w.problem(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
