package integration

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// artifactIndex is what an index says of its artifact fields.
type artifactIndex struct {
	MediaType    string
	ArtifactType string
	Subject      *struct {
		MediaType, Digest string
		Size              int64
	}
	Manifests []struct{ Digest string }
}

// referrersOf is what inspect --referrers lists under the image ref.
func referrersOf(t *testing.T, ref string) []struct{ Digest, MediaType, ArtifactType string } {
	t.Helper()
	var v struct {
		Manifests []struct {
			Referrers []struct{ Digest, MediaType, ArtifactType string }
		}
	}
	out := mt(t, "--plain-http", "inspect", "--referrers", "-o", "json", ref).out(t)
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Manifests) == 0 {
		t.Fatalf("%v: %s", err, out)
	}
	return v.Manifests[0].Referrers
}

// --subject and --artifact-type make an OCI index (without --type) that
// refers to the subject, pushed here by its digest alone: the index
// carries the subject's descriptor and the artifact type; the registry's
// referrers API (go-containerregistry's) or, on Distribution 3 and 2.8,
// which have none, the sha256-<hex> fallback index lists it, a second referrer
// joining the first there; inspect --referrers on the subject finds both.
func TestSubjectArtifactType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		r    *regtest.Registry
		api  bool
	}{
		{"ggcr with the referrers API", regtest.NewGGCR(t), true},
		{"distribution without it", regtest.New(t), false},
		{"distribution 2.8 without it", regtest.NewDistribution28(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.r
			imgs := seed(t, r, "app", "1", false, linuxAMD64, linuxS390x)
			subject := imgs["1-linux-amd64"].Manifest
			member := r.Host + "/app:1-linux-s390x"
			var pushed []string
			for _, at := range []string{"application/vnd.example.release+json", "application/vnd.example.sbom.v1+json"} {
				res := decodePush(t, mt(t, "--plain-http", "push", "--by-digest", "-o", "json", "from-args", "--target", r.Host+"/app",
					"--member", member, "--subject", r.Host+"/app:1-linux-amd64", "--artifact-type", at).out(t))
				pushed = append(pushed, res.Digest)
				m, err := r.GetManifest("app", res.Digest)
				if err != nil {
					t.Fatal(err)
				}
				var idx artifactIndex
				if err := json.Unmarshal(m.Body, &idx); err != nil {
					t.Fatal(err)
				}
				if idx.MediaType != "application/vnd.oci.image.index.v1+json" || idx.ArtifactType != at || idx.Subject == nil ||
					idx.Subject.Digest != subject.Digest || idx.Subject.Size != subject.Size || idx.Subject.MediaType != subject.MediaType {
					t.Errorf("the index pushed: %s", m.Body)
				}
			}
			fallback := "sha256-" + strings.TrimPrefix(subject.Digest, "sha256:")
			if tc.api {
				if body := referrersAPI(t, r.Host, "app", subject.Digest); !strings.Contains(body, pushed[0]) || !strings.Contains(body, pushed[1]) {
					t.Errorf("the referrers API does not list both: %s", body)
				}
			} else {
				m, err := r.GetManifest("app", fallback)
				if err != nil {
					t.Fatalf("no fallback tag %s: %v", fallback, err)
				}
				for _, d := range pushed {
					if !strings.Contains(string(m.Body), d) {
						t.Errorf("the fallback index %s does not list %s: %s", fallback, d, m.Body)
					}
				}
				if !strings.Contains(string(m.Body), "application/vnd.example.sbom.v1+json") || !strings.Contains(string(m.Body), "application/vnd.example.release+json") {
					t.Errorf("the fallback index lacks the artifact types: %s", m.Body)
				}
			}
			var found []string
			for _, ref := range referrersOf(t, r.Host+"/app:1-linux-amd64") {
				if ref.MediaType == "application/vnd.oci.image.index.v1+json" {
					found = append(found, ref.Digest)
				}
			}
			slices.Sort(found)
			slices.Sort(pushed)
			if !slices.Equal(found, pushed) {
				t.Errorf("inspect --referrers lists %q, want %q", found, pushed)
			}
		})
	}
}

// A bad --subject or --artifact-type is one line, exit 2, naming it,
// before any request; a subject that does not exist is exit 1 naming it,
// and nothing is written.
func TestSubjectRefused(t *testing.T) {
	t.Parallel()
	base := []string{"push", "from-args", "--target", "reg.invalid/app:1", "--member", "reg.invalid/app:1-amd64"}
	long := "application/" + strings.Repeat("x", 300)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "docker", "--subject", "reg.invalid/app:0"}, `error: --subject "reg.invalid/app:0": --type docker: a Docker manifest list has no subject or artifactType; drop --type docker (they make an OCI index)`},
		{[]string{"--artifact-type", "application/x", "--type", "docker"}, `error: --artifact-type: --type docker: a Docker manifest list has no subject or artifactType; drop --type docker (they make an OCI index)`},
		{[]string{"--artifact-type", "not a type"}, `error: --artifact-type: "not a type" is not a media type (type/subtype as RFC 6838 names them, at most 255 characters, no parameters), e.g. application/vnd.example.sbom.v1+json`},
		{[]string{"--artifact-type", "text/plain; charset=utf-8"}, `error: --artifact-type: "text/plain; charset=utf-8" is not a media type (type/subtype as RFC 6838 names them, at most 255 characters, no parameters), e.g. application/vnd.example.sbom.v1+json`},
		{[]string{"--artifact-type", long}, `error: --artifact-type: "` + long + `" is not a media type (type/subtype as RFC 6838 names them, at most 255 characters, no parameters), e.g. application/vnd.example.sbom.v1+json`},
		{[]string{"--subject", "reg.invalid/other:1"}, `error: --subject "reg.invalid/other:1": "reg.invalid/other:1" is not in the target's repository ("reg.invalid/app"): a subject and the manifests that refer to it share one repository`},
		{[]string{"--subject", "reg.invalid/app:1", "--append"}, `error: --subject "reg.invalid/app:1": --append keeps the subject and artifactType of the index there; push without --append`},
	} {
		mt(t, append(slices.Clone(base), tc.args...)...).fails(t, 2, tc.want)
	}
	file := writeFile(t, "release.yaml", "image: reg.invalid/app:1\ntype: docker\nsubject: reg.invalid/app:0\nmanifests:\n  - image: reg.invalid/app:1-amd64\n")
	mt(t, "push", "from-spec", file).fails(t, 2, `error: `+file+`:2: type: docker: a Docker manifest list has no subject or artifactType (subject); make it oci, or drop them`)

	r := regtest.New(t)
	seed(t, r, "app", "1", false, linuxAMD64)
	r.Requests()
	mt(t, "--plain-http", "push", "from-args", "--target", r.Host+"/app:idx", "--member", r.Host+"/app:1-linux-amd64", "--subject", r.Host+"/app:missing").fails(t, 1,
		`error: --subject "`+r.Host+`/app:missing": resolving the subject `+r.Host+`/app:missing: not found (MANIFEST_UNKNOWN: manifest unknown)`)
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("written with a missing subject: %q", w)
	}
}

// subject: and artifact-type: in a spec do what the flags do.
func TestSubjectSpecKeys(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "app", "1", false, linuxAMD64, linuxS390x)
	file := writeFile(t, "release.yaml", "image: "+r.Host+"/app:sbom\nsubject: "+r.Host+"/app:1-linux-amd64\nartifact-type: application/vnd.example.sbom.v1+json\nmanifests:\n  - image: "+r.Host+"/app:1-linux-s390x\n")
	digest, _ := mt(t, "--plain-http", "push", "from-spec", file).ok(t)
	m, err := r.GetManifest("app", "sbom")
	if err != nil {
		t.Fatal(err)
	}
	var idx artifactIndex
	if err := json.Unmarshal(m.Body, &idx); err != nil {
		t.Fatal(err)
	}
	if m.Digest != digest || idx.ArtifactType != "application/vnd.example.sbom.v1+json" || idx.Subject == nil || idx.Subject.Digest != imgs["1-linux-amd64"].Manifest.Digest {
		t.Errorf("pushed %s", m.Body)
	}
}

// A subject whose registry answers with a manifest made to exhaust memory
// (2 GB announced, zeros sent without end) is refused by the limit on a
// manifest's size: one line naming the subject, exit 1, in bounded memory
// and time, nothing written.
func TestSubjectHostile(t *testing.T) {
	t.Parallel()
	h := newHostile(t, endless("2147483648"))
	seed(t, reg, "subject-hostile", "1", false, linuxAMD64)
	ref := h.Host + "/app:1"
	res := mtMeasured(t, nil, "", "--plain-http", "push", "--type", "oci", "from-args", "--target", h.Host+"/app:idx",
		"--member", reg.Host+"/subject-hostile:1-linux-amd64", "--subject", ref)
	res.fails(t, 1, `error: --subject "`+ref+`": resolving the subject `+ref+`: GET `+h.Host+`/v2/app/manifests/1: the manifest is 2147483648 bytes, over the limit of 4MiB (raise it with --max-manifest-size)`)
	t.Logf("measured: a subject of 2 GB announced: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	if res.maxRSS > 200<<10 || res.elapsed > time.Minute {
		t.Errorf("max RSS %d KiB, %s: over 200 MiB or a minute", res.maxRSS, res.elapsed)
	}
}

// An index whose subject is itself an index (the release a signature
// index refers to) is found by inspect --referrers on that index, at the
// top of its view: on Distribution, through the fallback tag.
func TestSubjectIndex(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "app", "1", false, linuxAMD64, linuxS390x)
	release, _ := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", r.Host+"/app:1.0", "--member", r.Host+"/app:1-linux-amd64").ok(t)
	r.Requests()
	sig, _ := mt(t, "--plain-http", "push", "--by-digest", "from-args", "--target", r.Host+"/app", "--member", r.Host+"/app:1-linux-s390x",
		"--subject", r.Host+"/app@"+release, "--artifact-type", "application/vnd.example.signatures+json").ok(t)
	// the subject is read once; the fallback index is read, then written
	reqs := r.Requests()
	t.Logf("requests: %q", reqs)
	fallback := "/v2/app/manifests/sha256-" + strings.TrimPrefix(release, "sha256:")
	for _, tc := range []struct {
		req  string
		want int
	}{
		{"GET /v2/app/manifests/" + release, 1},
		{"HEAD /v2/app/manifests/" + release, 0},
		{"PUT /v2/app/manifests/" + sig, 1},
		{"PUT " + fallback, 1},
	} {
		if n := countOf(reqs, tc.req); n != tc.want {
			t.Errorf("%d × %s, want %d", n, tc.req, tc.want)
		}
	}
	var v struct {
		Digest    string
		Referrers []struct{ Digest, ArtifactType string }
	}
	out := mt(t, "--plain-http", "inspect", "--referrers", "-o", "json", r.Host+"/app:1.0").out(t)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Digest != release || len(v.Referrers) != 1 || v.Referrers[0].Digest != sig || v.Referrers[0].ArtifactType != "application/vnd.example.signatures+json" {
		t.Errorf("inspect --referrers of the index: %s", out)
	}
	text := mt(t, "--plain-http", "inspect", "--referrers", r.Host+"/app:1.0").out(t)
	if !strings.Contains(text, "\nReferrers: 1\n  application/vnd.example.signatures+json, ") || !strings.Contains(text, sig) {
		t.Errorf("text:\n%s", text)
	}
}

func countOf(reqs []string, req string) int {
	n := 0
	for _, q := range reqs {
		if q == req {
			n++
		}
	}
	return n
}

// In an OCI layout, the subject is a manifest of the same layout, and
// inspect --referrers on it finds the index (regclient keeps a layout's
// referrers in its sha256-<hex> fallback index).
func TestSubjectLayout(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "builds", "1", false, linuxAMD64, linuxS390x)
	dir := t.TempDir()
	release, _ := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", "ocidir://"+dir+":1.0", "--member", r.Host+"/builds:1-linux-amd64").ok(t)
	sig, _ := mt(t, "--plain-http", "push", "from-args", "--target", "ocidir://"+dir+":sig", "--member", r.Host+"/builds:1-linux-s390x",
		"--subject", "ocidir://"+dir+":1.0", "--artifact-type", "application/vnd.example.signatures+json").ok(t)
	var v struct {
		Digest    string
		Referrers []struct{ Digest, ArtifactType string }
	}
	out := mt(t, "inspect", "--referrers", "-o", "json", "ocidir://"+dir+":1.0").out(t)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Digest != release || len(v.Referrers) != 1 || v.Referrers[0].Digest != sig {
		t.Errorf("inspect --referrers of the layout's index: %s", out)
	}
}
