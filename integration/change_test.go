package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// changeJSON is push or edit --output json with the fields of a change.
type changeJSON struct {
	pushJSON
	Kept, Added, Replaced, Removed []string
	Rounds                         int
}

// out fails the test unless the run exited 0, and returns stdout (stderr
// says what was copied).
func (r result) out(t *testing.T) string {
	t.Helper()
	r.ok0(t)
	return r.stdout
}

func changeResult(t *testing.T, stdout string) changeJSON {
	t.Helper()
	var c changeJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &c); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &c.pushJSON); err != nil {
		t.Fatal(err)
	}
	return c
}

// entries lists an index's entries as the registry serves them: an image
// by its platform, an attestation as "att:" and the platform of the image
// it describes.
func entries(t *testing.T, r *regtest.Registry, repo, tag string) string {
	t.Helper()
	_, idx, err := r.GetIndex(repo, tag)
	if err != nil {
		t.Fatal(err)
	}
	platformOf := map[string]string{}
	for _, d := range idx.Manifests {
		if d.Platform != nil {
			platformOf[d.Digest] = d.Platform.String()
		}
	}
	var out []string
	for _, d := range idx.Manifests {
		if of := d.Annotations["vnd.docker.reference.digest"]; of != "" {
			out = append(out, "att:"+platformOf[of])
			continue
		}
		out = append(out, d.Platform.String())
	}
	return strings.Join(out, " ")
}

// appendAll runs one process per member at once, each appending its
// member to target (push --type oci from-args --append), with extra args.
func appendAll(t *testing.T, target string, members []string, extra ...string) ([]result, []error) {
	var wg sync.WaitGroup
	results := make([]result, len(members))
	errs := make([]error, len(members))
	for i := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"--plain-http", "push", "--type", "oci", "from-args", "--append", "--target", target, "--member", members[i]}, extra...)
			results[i], errs[i] = runTool(t, nil, "", args...)
		}()
	}
	wg.Wait()
	return results, errs
}

// pushed is an image pushed by digest, as a per-platform build job does.
func pushedByDigest(t *testing.T, r *regtest.Registry, repo string, p regtest.Platform) string {
	t.Helper()
	img := regtest.NewImage(p, false)
	if err := r.PushImage(repo, img.Manifest.Digest, img); err != nil {
		t.Fatal(err)
	}
	return r.Host + "/" + repo + "@" + img.Manifest.Digest
}

// push from-args --member: the by-digest workflow, members in other
// repositories and in a buildx index, a platform selection, and the errors.
func TestMembers(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	amd := pushedByDigest(t, r, "builds/amd64", linuxAMD64)
	arm := pushedByDigest(t, r, "builds/arm64", linuxARM64)
	bx := regtest.NewBuildxIndex(linuxS390x)
	if err := r.PushBuildx("builds/s390x", "1", bx); err != nil {
		t.Fatal(err)
	}
	s390x := r.Host + "/builds/s390x:1"
	target := r.Host + "/app:1"

	t.Run("by digest, from three repositories, one an index", func(t *testing.T) {
		out := mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", target,
			"--member", amd, "--member", arm+","+s390x, "--tags", "latest", "--output", "json").out(t)
		res := pushResults(t, out)[0]
		if got := entries(t, r, "app", "1"); got != "linux/amd64 linux/arm64/v8 linux/s390x att:linux/s390x" {
			t.Errorf("index holds %s", got)
		}
		var from []string
		for _, m := range res.Manifests {
			from = append(from, m.Image)
		}
		if want := []string{amd, arm, s390x, s390x}; !slices.Equal(from, want) {
			t.Errorf("manifests[].image %q, want %q", from, want)
		}
		if got := tagStatuses(res); got != "1=created/ latest=created/" {
			t.Errorf("tags %s", got)
		}
		if m, err := r.GetManifest("app", "latest"); err != nil || m.Digest != res.Digest {
			t.Errorf("latest is %s (%v), want %s", m.Digest, err, res.Digest)
		}
	})
	t.Run("--platforms selects", func(t *testing.T) {
		mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", r.Host+"/app:some",
			"--member", amd+","+arm+","+s390x, "--platforms", "linux/arm64,linux/s390x").ok(t)
		if got := entries(t, r, "app", "some"); got != "linux/arm64/v8 linux/s390x att:linux/s390x" {
			t.Errorf("index holds %s", got)
		}
	})
	t.Run("a selected platform no member has", func(t *testing.T) {
		args := []string{"--plain-http", "push", "from-args", "--target", r.Host + "/app:none", "--member", amd + "," + arm, "--platforms", "linux/amd64,linux/ppc64le"}
		mt(t, args...).fails(t, 1, `error: --platforms "linux/ppc64le": no member has a linux/ppc64le image (they have linux/amd64, linux/arm64/v8)`)
		res := mt(t, append(args, "--ignore-missing")...)
		res.ok(t)
		if !strings.Contains(res.stderr, `warning: --platforms "linux/ppc64le": no member has a linux/ppc64le image`) {
			t.Errorf("no warning:\n%s", res.stderr)
		}
		if got := entries(t, r, "app", "none"); got != "linux/amd64" {
			t.Errorf("index holds %s", got)
		}
	})
	t.Run("two members of one platform", func(t *testing.T) {
		other := pushedByDigest(t, r, "builds/amd64", linuxAMD64)
		res := mt(t, "--plain-http", "push", "from-args", "--target", r.Host+"/app:dup", "--member", amd, "--member", other)
		if lines := errorLines(res.stderr); res.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], amd) || !strings.Contains(lines[0], other) {
			t.Errorf("the error names not both members:\n%s", res.stderr)
		}
	})
	t.Run("--member with --template", func(t *testing.T) {
		mt(t, "push", "from-args", "--target", target, "--member", amd, "--template", "r/a:ARCH", "--platforms", "linux/amd64").
			fails(t, 2, "error: --member: and --template name the members two ways; give one of them")
	})
}

// --append and edit: entries kept in place, replaced by platform, removed
// with their attestations; the type kept; each error.
func TestAppendAndEdit(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	bxAmd, bxArm := regtest.NewBuildxIndex(linuxAMD64), regtest.NewBuildxIndex(linuxARM64)
	for tag, bx := range map[string]regtest.BuildxIndex{"amd64": bxAmd, "arm64": bxArm} {
		if err := r.PushBuildx("builds", tag, bx); err != nil {
			t.Fatal(err)
		}
	}
	b := r.Host + "/builds:"
	mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--target", r.Host+"/app:1",
		"--member", b+"amd64,"+b+"arm64", "--annotations", "org.example.a=1,org.example.b=2").ok(t)
	if got := entries(t, r, "app", "1"); got != "linux/amd64 linux/arm64/v8 att:linux/amd64 att:linux/arm64/v8" {
		t.Fatalf("index holds %s", got)
	}

	t.Run("append a platform", func(t *testing.T) {
		s390x := pushedByDigest(t, r, "builds", linuxS390x)
		out := mt(t, "--plain-http", "push", "from-args", "--append", "--target", r.Host+"/app:1", "--member", s390x,
			"--annotations", "org.example.b=3", "--tags", "1.0", "--output", "json").out(t)
		res := changeResult(t, out)
		if got := entries(t, r, "app", "1"); got != "linux/amd64 linux/arm64/v8 linux/s390x att:linux/amd64 att:linux/arm64/v8" {
			t.Errorf("index holds %s", got)
		}
		if !slices.Equal(res.Kept, []string{"linux/amd64", "linux/arm64/v8"}) || !slices.Equal(res.Added, []string{"linux/s390x"}) || res.Rounds != 1 {
			t.Errorf("kept %v added %v rounds %d", res.Kept, res.Added, res.Rounds)
		}
		// the index keeps its type although --type was not given (docker
		// is the default); annotations merge
		m, idx, _ := r.GetIndex("app", "1")
		if m.MediaType != regtest.OCIIndex || idx.Annotations["org.example.a"] != "1" || idx.Annotations["org.example.b"] != "3" {
			t.Errorf("%s with %v", m.MediaType, idx.Annotations)
		}
		if got := tagStatuses(res.pushJSON); got != "1=updated/other 1.0=created/" {
			t.Errorf("tags %s", got)
		}
		if tag, _ := r.GetManifest("app", "1.0"); tag.Digest != m.Digest || res.Digest != m.Digest {
			t.Errorf("1.0 is %s, the index %s, the result %s", tag.Digest, m.Digest, res.Digest)
		}
	})
	t.Run("replace a platform: its attestation goes with it", func(t *testing.T) {
		newArm := regtest.NewBuildxIndex(linuxARM64)
		if err := r.PushBuildx("builds", "arm64-2", newArm); err != nil {
			t.Fatal(err)
		}
		res := changeResult(t, mt(t, "--plain-http", "push", "from-args", "--append", "--target", r.Host+"/app:1", "--member", b+"arm64-2", "--output", "json").out(t))
		if got := entries(t, r, "app", "1"); got != "linux/amd64 linux/arm64/v8 linux/s390x att:linux/amd64 att:linux/arm64/v8" {
			t.Errorf("index holds %s", got)
		}
		_, idx, _ := r.GetIndex("app", "1")
		var digests []string
		for _, d := range idx.Manifests {
			digests = append(digests, d.Digest)
		}
		if digests[1] != newArm.Image.Manifest.Digest || !slices.Contains(digests, newArm.Attestation.Manifest.Digest) ||
			slices.Contains(digests, bxArm.Image.Manifest.Digest) || slices.Contains(digests, bxArm.Attestation.Manifest.Digest) {
			t.Errorf("entries %v", digests)
		}
		if !slices.Equal(res.Replaced, []string{"linux/arm64/v8"}) {
			t.Errorf("replaced %v", res.Replaced)
		}
	})
	t.Run("an explicit other type: nothing is written, not even the member", func(t *testing.T) {
		s390x := pushedByDigest(t, r, "builds", linuxS390x)
		before, _ := r.GetManifest("app", "1")
		mt(t, "--plain-http", "push", "--type", "docker", "from-args", "--append", "--target", r.Host+"/app:1", "--member", s390x).
			fails(t, 2, "error: "+r.Host+"/app:1 is an OCI image index (application/vnd.oci.image.index.v1+json); a change keeps its type, so --type docker cannot apply: drop --type, or give --type oci")
		if after, _ := r.GetManifest("app", "1"); after.Digest != before.Digest {
			t.Error("the index changed")
		}
		if _, err := r.GetManifest("app", s390x[strings.Index(s390x, "@")+1:]); err == nil {
			t.Error("the member was copied into app")
		}
	})
	t.Run("annotations on a Docker list", func(t *testing.T) {
		amd := pushedByDigest(t, r, "builds", linuxAMD64)
		mt(t, "--plain-http", "push", "from-args", "--target", r.Host+"/app:dl", "--member", amd).ok(t)
		mt(t, "--plain-http", "edit", "--annotations", "k=v", r.Host+"/app:dl").
			fails(t, 2, "error: "+r.Host+"/app:dl is a Docker manifest list (application/vnd.docker.distribution.manifest.list.v2+json), which cannot carry annotations, and a change keeps its type: drop --annotations, or push it anew with --type oci")
	})
	t.Run("a target that does not exist is created; an image becomes the first entry", func(t *testing.T) {
		amd := pushedByDigest(t, r, "builds", linuxAMD64)
		mt(t, "--plain-http", "push", "from-args", "--append", "--target", r.Host+"/app:new", "--member", amd).ok(t)
		if got := entries(t, r, "app", "new"); got != "linux/amd64" {
			t.Errorf("index holds %s", got)
		}
		img := regtest.NewImage(linuxARMv7, true)
		if err := r.PushImage("app", "single", img); err != nil {
			t.Fatal(err)
		}
		mt(t, "--plain-http", "push", "from-args", "--append", "--target", r.Host+"/app:single", "--member", amd).ok(t)
		if got := entries(t, r, "app", "single"); got != "linux/arm/v7 linux/amd64" {
			t.Errorf("index holds %s", got)
		}
	})
	t.Run("from-spec --append", func(t *testing.T) {
		ppc := pushedByDigest(t, r, "builds", regtest.Platform{OS: "linux", Architecture: "ppc64le"})
		f := writeFile(t, "add.yaml", fmt.Sprintf("image: %s/app:1\nmanifests:\n  - image: %s\n", r.Host, ppc))
		mt(t, "--plain-http", "push", "from-spec", "--append", f).ok(t)
		if got := entries(t, r, "app", "1"); got != "linux/amd64 linux/arm64/v8 linux/s390x linux/ppc64le att:linux/amd64 att:linux/arm64/v8" {
			t.Errorf("index holds %s", got)
		}
	})
	t.Run("edit removes with attestations, sets and drops annotations", func(t *testing.T) {
		res := changeResult(t, mt(t, "--plain-http", "edit", r.Host+"/app:1", "--remove", "linux/amd64,linux/ppc64le",
			"--annotations", "org.example.c=4", "--remove-annotation", "org.example.a", "--output", "json").out(t))
		if got := entries(t, r, "app", "1"); got != "linux/arm64/v8 linux/s390x att:linux/arm64/v8" {
			t.Errorf("index holds %s", got)
		}
		_, idx, _ := r.GetIndex("app", "1")
		if _, ok := idx.Annotations["org.example.a"]; ok || idx.Annotations["org.example.c"] != "4" || idx.Annotations["org.example.b"] != "3" {
			t.Errorf("annotations %v", idx.Annotations)
		}
		if !slices.Equal(res.Removed, []string{"linux/amd64", "linux/ppc64le"}) {
			t.Errorf("removed %v", res.Removed)
		}
	})
	t.Run("edit --add and --dry-run", func(t *testing.T) {
		before, _ := r.GetManifest("app", "1")
		amd := pushedByDigest(t, r, "builds", linuxAMD64)
		out := mt(t, "--plain-http", "edit", "--add", amd, "--dry-run", r.Host+"/app:1").out(t)
		if !strings.Contains(out, `"linux"`) || !strings.Contains(out, "Digest: sha256:") {
			t.Errorf("dry run printed\n%s", out)
		}
		if after, _ := r.GetManifest("app", "1"); after.Digest != before.Digest {
			t.Error("a dry run wrote")
		}
	})
	t.Run("edit errors", func(t *testing.T) {
		before, _ := r.GetManifest("app", "1")
		riscv := pushedByDigest(t, r, "builds", regtest.Platform{OS: "linux", Architecture: "riscv64"})
		mt(t, "--plain-http", "edit", "--add", riscv, "--remove", "windows/amd64", r.Host+"/app:1").
			fails(t, 1, `error: --remove "windows/amd64": `+r.Host+`/app:1 has no windows/amd64 image (it has linux/arm64/v8, linux/s390x); the index was not changed`)
		if after, _ := r.GetManifest("app", "1"); after.Digest != before.Digest {
			t.Error("the index changed")
		}
		if _, err := r.GetManifest("app", riscv[strings.Index(riscv, "@")+1:]); err == nil {
			t.Error("the member to add was copied into app")
		}
		res := mt(t, "--plain-http", "edit", "--remove", "windows/amd64", "--annotations", "org.example.d=5", "--ignore-missing", r.Host+"/app:1")
		res.ok(t)
		if !strings.Contains(res.stderr, "warning: --remove \"windows/amd64\"") {
			t.Errorf("no warning:\n%s", res.stderr)
		}
		mt(t, "--plain-http", "edit", "--remove", "linux/arm64,linux/s390x", r.Host+"/app:1").
			fails(t, 2, "error: "+r.Host+"/app:1: the change leaves no image in the index (it had linux/arm64/v8, linux/s390x); the index was not changed")
		mt(t, "--plain-http", "edit", "--remove", "linux/amd64", r.Host+"/app:single-image").
			fails(t, 1, "error: "+r.Host+"/app:single-image does not exist; edit changes an index that is there (push it first, or use push --append)")
		img := regtest.NewImage(linuxAMD64, false)
		if err := r.PushImage("app", "single-image", img); err != nil {
			t.Fatal(err)
		}
		mt(t, "--plain-http", "edit", "--remove", "linux/amd64", r.Host+"/app:single-image").
			fails(t, 2, "error: "+r.Host+"/app:single-image is an OCI image manifest, not an index; edit changes an index (push --append makes an index with it)")
		mt(t, "edit", r.Host+"/app:1").fails(t, 2, "error: edit needs a change: --add, --remove, --annotations, --remove-annotation or --attestations drop|referrers (see manifest-tool edit --help)")
		if after, _ := r.GetManifest("app", "1"); after.Digest == before.Digest {
			t.Error("--ignore-missing with an annotation wrote nothing")
		}
	})
}

// Eight runners append their own platform to one tag at the same moment,
// each through 30 ms of latency: every platform is in the final index, in
// every trial. The settle pause is 2 s, not the default 1 s: the guarantee
// holds while each writer's read-to-write window is shorter than the
// pause, and a CI machine busy with the rest of the suite can stretch
// eight runs' windows past a second.
func TestAppendRace(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	proxy := regtest.ProxyWith(t, r, regtest.ProxyOptions{Latency: 30 * time.Millisecond})
	var plats []regtest.Platform
	for _, a := range []string{"amd64", "arm64", "s390x", "ppc64le", "riscv64", "386", "mips64le", "loong64"} {
		plats = append(plats, regtest.Platform{OS: "linux", Architecture: a})
	}
	members := make([]string, len(plats))
	for i, p := range plats {
		img := regtest.NewImage(p, false)
		if err := r.PushImage("app", img.Manifest.Digest, img); err != nil {
			t.Fatal(err)
		}
		members[i] = proxy.Host + "/app@" + img.Manifest.Digest
	}
	const trials = 20
	rounds := map[int]int{}
	for trial := 1; trial <= trials; trial++ {
		tag := fmt.Sprintf("race-%d", trial)
		results, errs := appendAll(t, proxy.Host+"/app:"+tag, members, "--output", "json", "--settle", "2s")
		for i, res := range results {
			if errs[i] != nil || res.code != 0 {
				t.Fatalf("trial %d, runner %d: exit %d, %v\n%s", trial, i, res.code, errs[i], res.stderr)
			}
			rounds[changeResult(t, res.stdout).Rounds]++
		}
		got := entries(t, r, "app", tag)
		for _, p := range plats {
			if !slices.Contains(strings.Fields(got), p.String()) {
				t.Errorf("trial %d: %s lost; the index holds %s", trial, p, got)
			}
		}
	}
	t.Logf("rounds needed by the %d runs: %v", trials*len(members), rounds)
}

// Another writer that sets this run's platform to a third digest between
// its write and its check is a conflict: exit 1, naming the platform and
// both digests; another writer that takes it back is merged with again.
func TestAppendConflict(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	desc := func(img regtest.Image) regtest.Descriptor {
		d := img.Manifest.Descriptor
		p := img.Platform
		d.Platform = &p
		return d
	}
	push := func(p regtest.Platform) regtest.Image {
		img := regtest.NewImage(p, false)
		if err := r.PushImage("app", img.Manifest.Digest, img); err != nil {
			t.Fatal(err)
		}
		return img
	}
	old, mine, theirs, other := push(linuxAMD64), push(linuxAMD64), push(linuxAMD64), push(linuxS390x)
	for _, tc := range []struct {
		name    string
		between regtest.Blob // what another writer puts at the tag after this run's PUT
		code    int
		want    string
		rounds  int
	}{
		{"a third digest", regtest.NewIndex(false, desc(theirs)), 1,
			"error: %s/app:%s: linux/amd64 is now " + theirs.Manifest.Digest + ", set by another writer after this run replaced " + old.Manifest.Digest +
				" and wrote " + mine.Manifest.Digest + "; run again to apply this change on top of it", 0},
		{"taken back", regtest.NewIndex(false, desc(old), desc(other)), 0, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := strings.ReplaceAll(tc.name, " ", "-")
			start := regtest.NewIndex(false, desc(old))
			if err := r.PutManifest("app", tag, regtest.OCIIndex, start.Data); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			puts := 0
			host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
				if req.URL.Path != "/v2/app/manifests/"+tag {
					return false
				}
				mu.Lock()
				defer mu.Unlock()
				if req.Method == http.MethodPut {
					puts++
				}
				if req.Method == http.MethodGet && puts == 1 { // the check after the first write
					puts++
					if err := r.PutManifest("app", tag, regtest.OCIIndex, tc.between.Data); err != nil {
						t.Error(err)
					}
				}
				return false
			})
			res := mt(t, "--plain-http", "push", "from-args", "--append", "--settle", "10ms", "--target", host+"/app:"+tag,
				"--member", host+"/app@"+mine.Manifest.Digest, "--output", "json")
			if tc.code != 0 {
				res.fails(t, tc.code, fmt.Sprintf(tc.want, host, tag))
				return
			}
			c := changeResult(t, res.out(t))
			if got := entries(t, r, "app", tag); got != "linux/amd64 linux/s390x" || c.Rounds != tc.rounds {
				t.Errorf("index holds %s after %d rounds", got, c.Rounds)
			}
			if !strings.Contains(res.stderr, "another writer took back linux/amd64; merging onto what is there (round 2 of 5)") {
				t.Errorf("no warning:\n%s", res.stderr)
			}
		})
	}
}

// Runs that append to one OCI layout at once take turns on it: every
// platform is in the index, and the layout's other tags stay.
func TestAppendLayoutRace(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	dir := t.TempDir()
	keep := regtest.NewImage(linuxARMv7, false)
	if err := regtest.WriteLayout(dir, "keep", keep.Manifest, keep.Blobs()...); err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, a := range []string{"amd64", "arm64", "s390x", "ppc64le", "riscv64", "386"} {
		members = append(members, pushedByDigest(t, r, "builds", regtest.Platform{OS: "linux", Architecture: a}))
	}
	results, errs := appendAll(t, "ocidir://"+dir+":all", members)
	for i, res := range results {
		if errs[i] != nil || res.code != 0 {
			t.Fatalf("runner %d: exit %d, %v\n%s", i, res.code, errs[i], res.stderr)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top regtest.Index
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, d := range top.Manifests {
		tags[d.Annotations["org.opencontainers.image.ref.name"]] = d.Digest
	}
	if tags["keep"] != keep.Manifest.Digest || tags["all"] == "" {
		t.Fatalf("the layout's tags are %v", tags)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(tags["all"], "sha256:")))
	if err != nil {
		t.Fatal(err)
	}
	var all regtest.Index
	if err := json.Unmarshal(idx, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Manifests) != len(members) {
		t.Errorf("the index holds %d entries, want %d:\n%s", len(all.Manifests), len(members), idx)
	}
}
