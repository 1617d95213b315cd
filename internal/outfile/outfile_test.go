package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "md.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(file, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	if err := Replace(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	fi, _ := os.Lstat(link)
	if string(b) != "new" || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the file holds %q and the link is %v: want the file behind the link replaced", b, fi.Mode())
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	// a failure leaves nothing beside the path
	if err := Replace(filepath.Join(dir, "sub"), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Replace(filepath.Join(dir, "sub"), []byte("x")); err == nil {
		t.Error("a directory was replaced")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries left in the folder, want md.json, link.json and sub", len(entries))
	}
}

func TestAppend(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "out")
	for _, s := range []string{"a=1\n", "b=2\n"} {
		if err := Append(file, s); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "a=1\nb=2\n" {
		t.Errorf("file %q", b)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "exists")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path      string
		appending bool
		want      string // "" for no error
	}{
		{file, false, ""},
		{file, true, ""},
		{filepath.Join(dir, "new"), true, ""},
		// invalid: each names why
		{"", false, "want the path of a file"},  // nothing
		{"-", false, "want the path of a file"}, // stdout is the Digest: lines'
		{dir, false, "is a directory"},
		{"/dev/null", true, "is not a regular file"},
		{filepath.Join(dir, "no", "f"), false, "does not exist"},
		{filepath.Join(file, "f"), false, "is not a folder"}, // its folder is a file
	} {
		err := Check(tc.path, tc.appending)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%q, %v) = %v, want %q", tc.path, tc.appending, err, tc.want)
		}
	}
}
