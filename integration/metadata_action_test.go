package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// metadataActionJSON is docker/metadata-action's output for tags, with
// annotations at the index and manifest levels.
func metadataActionJSON(tags ...string) string {
	return fmt.Sprintf(`{"tags": ["%s"], "labels": {"org.opencontainers.image.title": "app"},
 "annotations": ["manifest:org.opencontainers.image.title=app", "index:org.opencontainers.image.version=1.2.3",
  "org.opencontainers.image.source=https://example.com/app"]}`, strings.Join(tags, `", "`))
}

// --metadata-action with --members-from publishes to every repository
// docker/metadata-action's JSON names, in two registries, each with
// exactly its tags and the same digest; an explicit --target adds a
// target; index annotations are set and manifest ones skipped with a note.
func TestMetadataAction(t *testing.T) {
	t.Parallel()
	a, b := regtest.New(t), regtest.New(t)
	imgs := seed(t, a, "builds", "1", false, linuxAMD64, linuxARM64)
	var digests []string
	for _, img := range imgs {
		digests = append(digests, img.Manifest.Digest)
	}
	dir := digestsDir(t, digests...)
	meta := writeFile(t, "meta.json", metadataActionJSON(a.Host+"/app:1.2.3", a.Host+"/app:latest", b.Host+"/org/app:1.2.3", b.Host+"/org/app:1.2"))
	res := mtEnv(t, nil, "", "--plain-http", "push", "--type", "oci", "from-args", "--members-from", dir, "--member-repo", a.Host+"/builds",
		"--metadata-action", meta, "--target", b.Host+"/mirror:1", "--annotations", "org.opencontainers.image.version=1.2.3-explicit")
	res.ok0(t)
	lines := regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64}) \d+ (\S+)$`).FindAllStringSubmatch(res.stdout, -1)
	if len(lines) != 3 {
		t.Fatalf("want a Digest: line per target (3), got %q", res.stdout)
	}
	digest := lines[0][1]
	if !strings.Contains(res.stderr, `annotation "manifest:org.opencontainers.image.title=app" is not for an index: skipped`) {
		t.Errorf("no note of the skipped manifest annotation in stderr:\n%s", res.stderr)
	}
	for _, tc := range []struct {
		r          *regtest.Registry
		repo, tags string
		absent     string
	}{
		{a, "app", "1.2.3 latest", "1.2"},
		{b, "org/app", "1.2.3 1.2", "latest"},
		{b, "mirror", "1", "latest"},
	} {
		for _, tag := range strings.Fields(tc.tags) {
			m, idx, err := tc.r.GetIndex(tc.repo, tag)
			if err != nil {
				t.Errorf("%s/%s:%s: %v", tc.r.Host, tc.repo, tag, err)
				continue
			}
			if m.Digest != digest {
				t.Errorf("%s/%s:%s is %s, want %s", tc.r.Host, tc.repo, tag, m.Digest, digest)
			}
			if len(idx.Manifests) != 2 || idx.Annotations["org.opencontainers.image.version"] != "1.2.3-explicit" ||
				idx.Annotations["org.opencontainers.image.source"] != "https://example.com/app" || idx.Annotations["org.opencontainers.image.title"] != "" {
				t.Errorf("%s/%s:%s: %d members, annotations %v", tc.r.Host, tc.repo, tag, len(idx.Manifests), idx.Annotations)
			}
		}
		if _, err := tc.r.GetManifest(tc.repo, tc.absent); err == nil {
			t.Errorf("%s/%s:%s exists; each repository gets exactly its tags", tc.r.Host, tc.repo, tc.absent)
		}
	}
	// --append with the same JSON merges onto each target's index, under
	// each repository's own tags
	more := seed(t, a, "builds", "2", false, linuxS390x)["2-linux-s390x"].Manifest.Digest
	mt(t, "--plain-http", "push", "--type", "oci", "--append", "from-args", "--member", a.Host+"/builds@"+more,
		"--metadata-action", writeFile(t, "meta2.json", metadataActionJSON(a.Host+"/app:1.2.3", a.Host+"/app:latest", b.Host+"/org/app:1.2.3", b.Host+"/org/app:1.2"))).ok0(t)
	var appended string
	for _, tc := range []struct {
		r         *regtest.Registry
		repo, tag string
	}{{a, "app", "1.2.3"}, {a, "app", "latest"}, {b, "org/app", "1.2.3"}, {b, "org/app", "1.2"}} {
		m, idx, err := tc.r.GetIndex(tc.repo, tc.tag)
		if appended == "" {
			appended = m.Digest
		}
		if err != nil || len(idx.Manifests) != 3 || m.Digest != appended {
			t.Errorf("after --append, %s/%s:%s: %v, %d members, %s (want 3, %s)", tc.r.Host, tc.repo, tc.tag, err, len(idx.Manifests), m.Digest, appended)
		}
	}
	if _, err := b.GetManifest("org/app", "latest"); err == nil {
		t.Errorf("--append wrote %s/org/app:latest, which the JSON does not list", b.Host)
	}
	// the same JSON on standard input: the index pushed first again
	res = mtEnv(t, nil, metadataActionJSON(a.Host+"/app:1.2.3", a.Host+"/app:latest"), "--plain-http", "push", "--type", "oci", "from-args",
		"--members-from", dir, "--member-repo", a.Host+"/builds", "--metadata-action", "-", "--annotations", "org.opencontainers.image.version=1.2.3-explicit")
	if d, _ := res.ok(t); d != digest || !strings.Contains(res.stdout+res.stderr, "app:latest") {
		t.Errorf("from stdin: digest %s, want %s", d, digest)
	}
}

// Output that is not docker/metadata-action's is one line naming the
// file (and the tag at fault), exit 2, before any request; a file far over
// the size limit is refused within bounded memory; --username with the
// JSON's two registries needs --username-registry.
func TestMetadataActionRefused(t *testing.T) {
	t.Parallel()
	hex := strings.Repeat("a", 64)
	dir := digestsDir(t, hex)
	bad := writeFile(t, "bad.json", `{"tags": ["reg.invalid/app:1",`)
	badTag := writeFile(t, "tag.json", metadataActionJSON("reg.invalid/App:1"))
	noTag := writeFile(t, "notag.json", metadataActionJSON("reg.invalid/app"))
	many := make([]string, 65)
	for i := range many {
		many[i] = fmt.Sprintf("reg.invalid/app:t%d", i)
	}
	tooMany := writeFile(t, "many.json", metadataActionJSON(many...))
	two := writeFile(t, "two.json", metadataActionJSON("a.invalid/app:1", "b.invalid/app:1"))
	missing := filepath.Join(t.TempDir(), "none.json")
	huge := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(4 << 30); err != nil { // 4 GiB, sparse
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--metadata-action", bad}, "error: --metadata-action " + bad + ": is not docker/metadata-action's JSON output: unexpected end of JSON input"},
		{[]string{"--metadata-action", badTag}, `error: --metadata-action ` + badTag + `: tag "reg.invalid/App:1": invalid reference "reg.invalid/App:1", repo must be lowercase`},
		{[]string{"--metadata-action", noTag}, `error: --metadata-action ` + noTag + `: tag "reg.invalid/app": names no tag; docker/metadata-action writes full references (reg/app:tag)`},
		{[]string{"--metadata-action", tooMany}, "error: --metadata-action " + tooMany + ": lists 65 tags, more than 64 (--max-targets raises the limit)"},
		{[]string{"--metadata-action", missing}, "error: --metadata-action " + missing + ": cannot be read: no such file or directory"},
		{[]string{"--metadata-action", huge}, "error: --metadata-action " + huge + ": is larger than 1024 KiB, which is no docker/metadata-action output"},
		{[]string{"--metadata-action", ""}, "error: --metadata-action needs a file (or - for stdin), got an empty value"},
		{[]string{"--metadata-action", two, "--username", "u", "--password", "p"}, ""},
	} {
		res := mtMeasured(t, nil, "", append([]string{"push", "from-args", "--members-from", dir, "--member-repo", "reg.invalid/builds"}, tc.args...)...)
		if tc.want == "" { // the credentials rule: its own message, exit 2
			if res.code != 2 || !strings.Contains(res.stderr, "--username-registry") {
				t.Errorf("--username with two registries: exit %d, stderr %s", res.code, res.stderr)
			}
			continue
		}
		res.fails(t, 2, tc.want)
		t.Logf("%s: peak RSS %d KiB, %v", filepath.Base(tc.args[len(tc.args)-1]), res.maxRSS, res.elapsed)
		if res.maxRSS > 100<<10 {
			t.Errorf("peak RSS %d KiB refusing %v, want under 100 MiB", res.maxRSS, tc.args)
		}
	}
}
