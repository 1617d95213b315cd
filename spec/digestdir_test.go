package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func hexOf(c byte) string { return strings.Repeat(string(c), 64) }

func TestReadDigestDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{hexOf('b'), hexOf('a'), ".gitkeep", ".DS_Store"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("content never read"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// a link counts by its own name, even when it points nowhere
	if err := os.Symlink("/nonexistent", filepath.Join(dir, hexOf('c'))); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDigestDir(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{hexOf('a'), hexOf('b'), hexOf('c')}; !reflect.DeepEqual(got, want) {
		t.Errorf("digests %q, want %q (sorted, dot files left out)", got, want)
	}
	if _, err := ReadDigestDir(dir, 2); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 2 digests (--max-members") {
		t.Errorf("over the limit: %v", err)
	}
}

func TestReadDigestDirRefuses(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "digests")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	withSub := t.TempDir()
	if err := os.Mkdir(filepath.Join(withSub, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	badName := t.TempDir()
	for _, name := range []string{hexOf('a'), "sha256:" + hexOf('b')} {
		if err := os.WriteFile(filepath.Join(badName, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	upper := t.TempDir()
	if err := os.WriteFile(filepath.Join(upper, hexOf('A')), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	onlyDots := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyDots, "."+hexOf('a')), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(t.TempDir(), "missing"), "missing\": open: no such file or directory"},
		{file, "digests\": is not a folder"},
		{withSub, `holds the subfolder "sub"`},
		{badName, `holds "sha256:` + hexOf('b') + `", which is not a sha256 digest's hex`},
		{upper, `holds "` + hexOf('A') + `", which is not`},
		{onlyDots, "holds no digest"},
		{t.TempDir(), "holds no digest"},
	} {
		_, err := ReadDigestDir(tc.dir, 10)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "--members-from \""+tc.dir+"\": ") {
			t.Errorf("%s: %v, want an error naming the folder with %q", tc.dir, err, tc.want)
		}
	}
}

func TestFromArgsDigestDir(t *testing.T) {
	t.Parallel()
	a := Args{Targets: []string{"localhost:5000/app:1.0"}, Members: []string{"other.example/base:1"}, DigestDir: "/d", Digests: []string{hexOf('a'), hexOf('b')}}
	s, err := FromArgs(a)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Manifests {
		got = append(got, e.Image.CommonName()+" | "+e.Pos.String())
	}
	want := []string{
		`other.example/base:1 | --member "other.example/base:1"`,
		`localhost:5000/app@sha256:` + hexOf('a') + ` | --members-from "/d": ` + hexOf('a'),
		`localhost:5000/app@sha256:` + hexOf('b') + ` | --members-from "/d": ` + hexOf('b'),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("members\n got %q\nwant %q", got, want)
	}
	a.Members, a.MemberRepo = nil, "localhost:5000/builds"
	if s, err = FromArgs(a); err != nil || s.Manifests[0].Image.CommonName() != "localhost:5000/builds@sha256:"+hexOf('a') {
		t.Errorf("--member-repo: %v %v", s.Manifests, err)
	}
	for _, tc := range []struct {
		a    Args
		want string
	}{
		{Args{Targets: []string{"r/app:1"}, DigestDir: "/d", Digests: a.Digests, MemberRepo: "r/builds:1"}, `--member-repo "r/builds:1": names a tag or digest`},
		{Args{Targets: []string{"r/app:1"}, DigestDir: "/d", Digests: a.Digests, MemberRepo: "r/b@sha256:" + hexOf('a')}, `names a tag or digest`},
		{Args{Targets: []string{"r/app:1"}, DigestDir: "/d", Digests: a.Digests, MemberRepo: "r/x y"}, `--member-repo "r/x y"`},
		{Args{Targets: []string{"r/app:1"}, MemberRepo: "r/builds", Members: []string{"r/x:1"}}, `--member-repo: names the repository of the --members-from digests; add --members-from DIR`},
		{Args{Targets: []string{"r/app:1"}, DigestDir: "/d", Digests: a.Digests, Template: "r/app:OS"}, `--members-from: and --template name the members two ways`},
	} {
		if _, err := FromArgs(tc.a); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.a, err, tc.want)
		}
	}
}

func TestByDigest(t *testing.T) {
	t.Parallel()
	untagged, err := FromArgs(Args{Targets: []string{"r.example/app"}, Members: []string{"r.example/b:1"}})
	if err != nil {
		t.Fatal(err)
	}
	specs := []Spec{untagged}
	if err := ByDigest(specs); err != nil || !specs[0].ByDigest || specs[0].Target.Tag != "" || specs[0].TagDefaulted {
		t.Fatalf("%v: %+v", err, specs[0])
	}
	tagged, _ := FromArgs(Args{Targets: []string{"r.example/app:latest"}, Members: []string{"r.example/b:1"}})
	tags, _ := FromArgs(Args{Targets: []string{"r.example/app"}, Members: []string{"r.example/b:1"}, Tags: []string{"x"}})
	err = ByDigest([]Spec{tagged, tags})
	want := "--target: \"r.example/app:latest\" carries the tag \"latest\"; --by-digest pushes the index by its digest alone: drop the tag\n" +
		"--tags \"x\": --by-digest pushes no tag: drop the tags, or push without --by-digest"
	if !errors.Is(err, ErrInvalid) || err.Error() != want {
		t.Errorf("got %v, want\n%s", err, want)
	}
}

func TestByDigestSeveralTargets(t *testing.T) {
	t.Parallel()
	s, err := FromArgs(Args{Targets: []string{"r.example/app", "ocidir:///l", "q.example/app"}, Members: []string{"r.example/b:1"}})
	if err != nil {
		t.Fatal(err)
	}
	specs := []Spec{s}
	if err := ByDigest(specs); err != nil || !specs[0].ByDigest {
		t.Fatalf("%v: %+v", err, specs[0])
	}
	for _, target := range specs[0].AllTargets() {
		if target.Ref.Tag != "" || target.TagDefaulted {
			t.Errorf("%s keeps a tag: %+v", target.Pos, target)
		}
	}
	// a tagged one among them is named, and nothing is changed
	s, _ = FromArgs(Args{Targets: []string{"r.example/app", "q.example/app:1", "ocidir:///l:v2"}, Members: []string{"r.example/b:1"}})
	specs = []Spec{s}
	err = ByDigest(specs)
	want := "--target \"q.example/app:1\": \"q.example/app:1\" carries the tag \"1\"; --by-digest pushes the index by its digest alone: drop the tag\n" +
		"--target \"ocidir:///l:v2\": \"ocidir:///l:v2\" carries the tag \"v2\"; --by-digest pushes the index by its digest alone: drop the tag"
	if !errors.Is(err, ErrInvalid) || err.Error() != want || specs[0].ByDigest {
		t.Errorf("got %v, want\n%s", err, want)
	}
}
