package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// digestsDir writes a folder the way Docker's push-by-digest workflow does
// (touch "/tmp/digests/${digest#sha256:}"): an empty file per digest.
func digestsDir(t *testing.T, digests ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range digests {
		if err := os.WriteFile(filepath.Join(dir, strings.TrimPrefix(d, "sha256:")), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pushResult is what push -o json says of the members.
type pushResult struct {
	Digest    string
	Reference string
	Status    string
	Tags      []struct{ Tag, Status string }
	Manifests []struct{ Image, Digest, Platform, How string }
}

func decodePush(t *testing.T, out string) pushResult {
	t.Helper()
	var res pushResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

// --members-from takes a member per file of a digests folder, in
// --member-repo or the target's repository, in name order (files named
// with a leading '.' left out); the index holds exactly those digests.
func TestMembersFrom(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "builds", "1", false, linuxAMD64, linuxARM64, linuxS390x)
	var digests []string
	for _, img := range imgs {
		digests = append(digests, img.Manifest.Digest)
	}
	dir := digestsDir(t, digests...)
	if err := os.WriteFile(filepath.Join(dir, ".gitkeep"), []byte("not a digest"), 0o644); err != nil {
		t.Fatal(err)
	}
	// only names count: a named pipe no one writes and a link to /dev/zero,
	// each named by a digest, are members by name, their content never read
	fifo := seed(t, r, "builds", "2", false, linuxARMv7)["2-linux-armv7"].Manifest.Digest
	if err := syscall.Mkfifo(filepath.Join(dir, strings.TrimPrefix(fifo, "sha256:")), 0o644); err != nil {
		t.Fatal(err)
	}
	link := seed(t, r, "builds", "3", false, windows)["3-windows-amd64"].Manifest.Digest
	if err := os.Symlink("/dev/zero", filepath.Join(dir, strings.TrimPrefix(link, "sha256:"))); err != nil {
		t.Fatal(err)
	}
	digests = append(digests, fifo, link)
	slices.Sort(digests)
	res := decodePush(t, mt(t, "--plain-http", "push", "-o", "json", "from-args", "--target", r.Host+"/app:1",
		"--members-from", dir, "--member-repo", r.Host+"/builds").out(t))
	var got []string
	for _, m := range res.Manifests {
		got = append(got, m.Digest)
		if want := r.Host + "/builds@" + m.Digest; m.Image != want {
			t.Errorf("member named %s, want %s", m.Image, want)
		}
	}
	if !slices.Equal(got, digests) {
		t.Errorf("index members %q, want the folder's digests in name order %q", got, digests)
	}
	// without --member-repo, the digests are in the target's repository
	seedAt := seed(t, r, "app2", "1", false, linuxAMD64)
	dir2 := digestsDir(t, seedAt["1-linux-amd64"].Manifest.Digest)
	res = decodePush(t, mt(t, "--plain-http", "push", "-o", "json", "from-args", "--target", r.Host+"/app2:1", "--members-from", dir2).out(t))
	if len(res.Manifests) != 1 || res.Manifests[0].Image != r.Host+"/app2@"+seedAt["1-linux-amd64"].Manifest.Digest || res.Manifests[0].Platform != "linux/amd64" {
		t.Errorf("members %+v", res.Manifests)
	}
	// with --member: the --member ones first, then the folder's
	res = decodePush(t, mt(t, "--plain-http", "push", "-o", "json", "from-args", "--target", r.Host+"/app2:2", "--members-from", dir2,
		"--member", r.Host+"/builds:1-linux-s390x").out(t))
	if len(res.Manifests) != 2 || res.Manifests[0].Platform != "linux/s390x" || res.Manifests[1].Platform != "linux/amd64" {
		t.Errorf("members with --member %+v", res.Manifests)
	}
}

// A digests folder that cannot be used is one line naming it, exit 2,
// before any request: missing, a file, empty (or only dot files), a
// subfolder, a name that is not a digest; --member-repo without it.
func TestMembersFromRefused(t *testing.T) {
	t.Parallel()
	hex := strings.Repeat("a", 64)
	file := writeFile(t, "digests", "")
	empty := t.TempDir()
	dots := digestsDir(t, "."+hex)
	sub := digestsDir(t, hex)
	if err := os.Mkdir(filepath.Join(sub, "linux-amd64"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := digestsDir(t, hex)
	if err := os.WriteFile(filepath.Join(bad, "digest.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := digestsDir(t, hex)
	missing := filepath.Join(t.TempDir(), "none")
	target := []string{"push", "from-args", "--target", "reg.invalid/app:1"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--members-from", missing}, `error: --members-from "` + missing + `": open: no such file or directory`},
		{[]string{"--members-from", file}, `error: --members-from "` + file + `": is not a folder (want the folder the builds wrote a file per digest into)`},
		{[]string{"--members-from", empty}, `error: --members-from "` + empty + `": holds no digest (names starting with '.' do not count): did the builds write their digests there?`},
		{[]string{"--members-from", dots}, `error: --members-from "` + dots + `": holds no digest (names starting with '.' do not count): did the builds write their digests there?`},
		{[]string{"--members-from", sub}, `error: --members-from "` + sub + `": holds the subfolder "linux-amd64"; want only files named by a digest's hex`},
		{[]string{"--members-from", bad}, `error: --members-from "` + bad + `": holds "digest.txt", which is not a sha256 digest's hex (64 of 0-9a-f); remove it, or start its name with '.'`},
		{[]string{"--member", "reg.invalid/app:1-amd64", "--member-repo", "reg.invalid/builds"}, `error: --member-repo: names the repository of the --members-from digests; add --members-from DIR`},
		{[]string{"--members-from", good, "--template", "reg.invalid/app:OS"}, `error: --members-from: and --template name the members two ways; give one of them`},
		{[]string{"--members-from", ""}, `error: --members-from needs a folder, got an empty value`},
	} {
		mt(t, append(slices.Clone(target), tc.args...)...).fails(t, 2, tc.want)
	}
}

// A folder of 100,000 digest files is refused past --max-members (10,000
// by default) in one line, exit 2, reading the folder in batches: its
// memory and time stay bounded, and no registry is asked anything.
func TestMembersFromHostileFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 100000 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%064x", i)))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	res := mtMeasured(t, nil, "", "push", "from-args", "--target", "reg.invalid/app:1", "--members-from", dir)
	res.fails(t, 2, `error: --members-from "`+dir+`": holds more than 10000 digests (--max-members raises the limit)`)
	t.Logf("measured: a folder of 100,000 digests: exit %d, max RSS %d KiB, %s", res.code, res.maxRSS, res.elapsed.Round(10*time.Millisecond))
	if res.maxRSS > 100<<10 {
		t.Errorf("max RSS %d KiB, over 100 MiB", res.maxRSS)
	}
	res = mt(t, "push", "from-args", "--target", "reg.invalid/app:1", "--members-from", dir, "--max-members", "5")
	res.fails(t, 2, `error: --members-from "`+dir+`": holds more than 5 digests (--max-members raises the limit)`)
	res = mtEnv(t, []string{"MANIFEST_TOOL_MAX_MEMBERS=0"}, "", "push", "from-args", "--target", "reg.invalid/app:1", "--members-from", dir)
	res.fails(t, 2, `error: --max-members (or $MANIFEST_TOOL_MAX_MEMBERS) 0: want a number above 0`)
}
