package integration

import (
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

const ociImage = "org.opencontainers.image."

// craneAnnotations reads an index's annotations back with crane.
func craneAnnotations(t *testing.T, ref string) map[string]string {
	t.Helper()
	crane := peer("crane")
	if crane == "" {
		t.Skip("crane is not installed (MANIFEST_TOOL_PEERS, make peers)")
	}
	out, err := exec.Command(crane, "manifest", "--insecure", ref).Output()
	if err != nil {
		t.Fatalf("crane manifest %s: %v", ref, err)
	}
	var idx struct {
		MediaType   string            `json:"mediaType"`
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(out, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.MediaType != regtest.OCIIndex {
		t.Fatalf("crane: %s is %s, want an OCI index", ref, idx.MediaType)
	}
	return idx.Annotations
}

// blobGETs is how many blobs (here: configs) a run read through p.
func blobGETs(p *regtest.FaultProxy) int { return p.Counts()["GET blob"] }

// --annotations-from-labels: the org.opencontainers.image.* labels every
// image carries alike become index annotations, read back with crane; one
// the images disagree on, or one an image lacks, is left out and named at
// --debug; an explicit annotation wins; labels outside the prefix are not
// taken. Images named themselves cost no config GET beyond the one read
// for their platform; images taken from buildx indexes cost one config GET
// each (their attestations none, and their missing labels do not count).
func TestAnnotationsFromLabels(t *testing.T) {
	t.Parallel()
	p := regtest.ProxyWith(t, reg, regtest.ProxyOptions{})
	amd := regtest.WithLabels(regtest.NewImage(linuxAMD64, false), map[string]string{
		ociImage + "source": "https://example.com/app", ociImage + "description": "the app", ociImage + "version": "1.0",
		ociImage + "licenses": "MIT", "maintainer": "someone"})
	arm := regtest.WithLabels(regtest.NewImage(linuxARM64, false), map[string]string{
		ociImage + "source": "https://example.com/app", ociImage + "description": "the app", ociImage + "version": "2.0",
		"maintainer": "someone"})
	for tag, img := range map[string]regtest.Image{"1-amd64": amd, "1-arm64": arm} {
		if err := reg.PushImage("labels/app", tag, img); err != nil {
			t.Fatal(err)
		}
	}
	for tag, img := range map[string]regtest.Image{"bx-amd64": amd, "bx-arm64": arm} {
		if err := reg.PushBuildx("labels/app", tag, regtest.BuildxIndexOf(img)); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{ociImage + "source": "https://example.com/app", ociImage + "description": "the app"}
	notes := []string{
		`label "org.opencontainers.image.version" differs: "1.0" on ` + p.Host + `/labels/app@` + amd.Manifest.Digest + `, "2.0" on ` + p.Host + `/labels/app@` + arm.Manifest.Digest,
		`label "org.opencontainers.image.licenses" is not on ` + p.Host + `/labels/app@` + arm.Manifest.Digest,
	}
	for _, tc := range []struct {
		name, members string
		explicit      []string
		want          map[string]string
		configGETs    int // with the flag, and without it
		configGETs0   int
	}{
		{"images named, configs read for their platforms", "1-amd64,1-arm64", nil, want, 2, 2},
		{"images from buildx indexes, configs not read otherwise", "bx-amd64,bx-arm64", nil, want, 2, 0},
		{"an explicit annotation wins", "1-amd64,1-arm64", []string{"--annotations", ociImage + "description=given", "--annotations", ociImage + "version=3"},
			map[string]string{ociImage + "source": "https://example.com/app", ociImage + "description": "given", ociImage + "version": "3"}, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := p.Host + "/labels/app:" + strings.ReplaceAll(tc.members[:4], ",", "")
			var members []string
			for _, m := range strings.Split(tc.members, ",") {
				members = append(members, "--member", p.Host+"/labels/app:"+m)
			}
			args := append(append([]string{"--plain-http", "--debug", "push", "--type", "oci", "from-args", "--target", target}, members...), tc.explicit...)
			p.Counts()
			res := mt(t, append(args, "--annotations-from-labels")...)
			res.ok(t)
			got := craneAnnotations(t, target)
			configs := blobGETs(p) // crane reads no blob
			if !maps.Equal(got, tc.want) {
				t.Errorf("index annotations %v, want %v", got, tc.want)
			}
			for _, n := range notes {
				if explicit := strings.Contains(strings.Join(tc.explicit, " "), "version="); explicit && strings.Contains(n, "version") {
					if strings.Contains(res.stderr, n) {
						t.Errorf("a note on a key given explicitly: %s", n)
					}
					continue
				}
				if !strings.Contains(res.stderr, "--annotations-from-labels: "+n+": not made an index annotation") {
					t.Errorf("--debug does not say: %s\n%s", n, res.stderr)
				}
			}
			if strings.Contains(res.stderr, "--annotations-from-labels: --annotations-from-labels:") {
				t.Errorf("a note names the flag twice:\n%s", res.stderr)
			}
			mt(t, append(args, "--dry-run")...).ok(t)
			configs0 := blobGETs(p)
			t.Logf("measured: %s: config GETs %d with --annotations-from-labels, %d without", tc.name, configs, configs0)
			if configs != tc.configGETs || configs0 != tc.configGETs0 {
				t.Errorf("config GETs: %d with the flag, %d without; want %d and %d", configs, configs0, tc.configGETs, tc.configGETs0)
			}
		})
	}
}

// annotations-from-labels: true in a spec works as the flag does; on a
// Docker list it is refused before any request, as annotations are, and
// so is the flag; --append (which keeps members the run does not read) is
// refused too.
func TestAnnotationsFromLabelsInput(t *testing.T) {
	t.Parallel()
	img := regtest.WithLabels(regtest.NewImage(linuxAMD64, false), map[string]string{ociImage + "title": "t"})
	if err := reg.PushImage("labels/input", "1-amd64", img); err != nil {
		t.Fatal(err)
	}
	src := reg.Host + "/labels/input:1-amd64"
	ok := writeFile(t, "release.yaml", "image: "+reg.Host+"/labels/input:1\ntype: oci\nannotations-from-labels: true\nmanifests:\n  - image: "+src+"\n")
	mt(t, "--plain-http", "push", "from-spec", ok).ok(t)
	if got := craneAnnotations(t, reg.Host+"/labels/input:1"); !maps.Equal(got, map[string]string{ociImage + "title": "t"}) {
		t.Errorf("from the spec key: %v", got)
	}
	docker := writeFile(t, "release.yaml", "image: "+reg.Host+"/labels/input:2\nannotations-from-labels: true\nmanifests:\n  - image: "+src+"\n")
	bad := writeFile(t, "release.yaml", "image: "+reg.Host+"/labels/input:2\nannotations-from-labels: yes please\nmanifests:\n  - image: "+src+"\n")
	const dockerList = "a Docker manifest list cannot carry annotations; use --type oci"
	mt(t, "--plain-http", "push", "from-spec", docker).fails(t, 2, "error: "+docker+":2: annotations-from-labels: "+dockerList)
	mt(t, "--plain-http", "push", "from-spec", bad).fails(t, 2, "error: "+bad+":2: annotations-from-labels: \"yes please\": want true or false")
	mt(t, "--plain-http", "push", "from-args", "--annotations-from-labels", "--target", reg.Host+"/labels/input:2", "--member", src).
		fails(t, 2, "error: --annotations-from-labels: "+dockerList)
	mt(t, "--plain-http", "push", "--type", "oci", "--append", "from-args", "--annotations-from-labels", "--target", reg.Host+"/labels/input:1", "--member", src).
		fails(t, 2, "error: --annotations-from-labels: annotations from labels apply to a push that writes the whole index, not to --append or edit; give the annotations with --annotations")
}

// Labels made to bloat the index or the terminal: 10,000 labels under the
// prefix, a value of 100 KB, control characters. At most 64 keys of 8 KiB
// values at most reach the index; a value with control characters is kept
// byte for byte (JSON escapes it) and shown escaped at --debug. A config
// stated over the manifest limit is refused before it is read.
func TestAnnotationsFromLabelsHostile(t *testing.T) {
	t.Parallel()
	many := map[string]string{ociImage + "description": "a\x1b[2Jb\x07c", ociImage + "huge": strings.Repeat("x", 100_000)}
	for i := range 10_000 {
		many[ociImage+"k"+strconv.Itoa(i)] = "v"
	}
	img := regtest.WithLabels(regtest.NewImage(linuxAMD64, false), many)
	if err := reg.PushImage("labels/hostile", "1-amd64", img); err != nil {
		t.Fatal(err)
	}
	target := reg.Host + "/labels/hostile:1"
	res := mtMeasured(t, nil, "", "--plain-http", "--debug", "push", "--type", "oci", "from-args", "--annotations-from-labels", "--target", target, "--member", reg.Host+"/labels/hostile:1-amd64")
	res.ok(t)
	got := craneAnnotations(t, target)
	m, err := reg.GetManifest("labels/hostile", "1")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("measured: 10,002 labels: %d annotations, index %d bytes, max RSS %d KiB, %s", len(got), len(m.Body), res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	if len(got) > 64 || len(m.Body) > 64*(256+8192)+4096 {
		t.Errorf("%d annotations, index of %d bytes: over 64 keys", len(got), len(m.Body))
	}
	if _, ok := got[ociImage+"huge"]; ok {
		t.Error("the 100 KB value is in the index")
	}
	if got[ociImage+"description"] != "a\x1b[2Jb\x07c" {
		t.Errorf("description %q, want the control characters kept", got[ociImage+"description"])
	}
	if strings.ContainsAny(res.stderr, "\x1b\x07") {
		t.Errorf("stderr holds raw control characters:\n%q", res.stderr)
	}
	if !strings.Contains(res.stderr, "10002 labels under org.opencontainers.image., over 64") || !strings.Contains(res.stderr, `label "org.opencontainers.image.huge" is a value of 100000 bytes, over 8192`) {
		t.Errorf("--debug does not name what was left out:\n%s", res.stderr)
	}

	// a config whose descriptor states 5 MiB: refused before it is read
	big := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("a", 64) + `","size":5242880},"layers":[]}`
	h2 := newHostile(t, raw(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: %d\r\n", len(big)), big, false))
	r := mt(t, "--plain-http", "push", "--type", "oci", "--dry-run", "from-args", "--annotations-from-labels", "--target", h2.Host+"/app:2", "--member", h2.Host+"/app:1")
	if r.code != 1 || !strings.Contains(r.stderr, "is 5242880 bytes, over the limit of 4MiB (raise it with --max-manifest-size)") {
		t.Errorf("exit %d, want 1 naming the config's size:\n%s", r.code, r.stderr)
	}
}
