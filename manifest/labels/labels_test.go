package labels

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestAnnotations(t *testing.T) {
	const src, desc, ver = Prefix + "source", Prefix + "description", Prefix + "version"
	img := func(name string, kv ...string) Image {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return Image{Name: name, Labels: m}
	}
	tests := []struct {
		name     string
		images   []Image
		explicit map[string]string
		want     map[string]string
		notes    []string
	}{
		{"agreeing", []Image{img("a", src, "s", desc, "d"), img("b", src, "s", desc, "d")}, nil,
			map[string]string{src: "s", desc: "d"}, nil},
		{"disagreeing", []Image{img("a", src, "s", ver, "1"), img("b", src, "s", ver, "2")}, nil,
			map[string]string{src: "s"}, []string{`label "org.opencontainers.image.version" differs: "1" on a, "2" on b: not made an index annotation`}},
		{"missing on the second", []Image{img("a", src, "s", ver, "1"), img("b", src, "s")}, nil,
			map[string]string{src: "s"}, []string{`label "org.opencontainers.image.version" is not on b: not made an index annotation`}},
		{"missing on the first", []Image{img("a", src, "s"), img("b", src, "s", ver, "1")}, nil,
			map[string]string{src: "s"}, []string{`label "org.opencontainers.image.version" is not on a: not made an index annotation`}},
		{"explicit wins", []Image{img("a", src, "s"), img("b", src, "s")}, map[string]string{src: "given", "other": "x"},
			map[string]string{src: "given", "other": "x"}, nil},
		{"explicit over a disagreement, no note", []Image{img("a", ver, "1"), img("b", ver, "2")}, map[string]string{ver: "3"},
			map[string]string{ver: "3"}, nil},
		{"no image", nil, map[string]string{"k": "v"}, map[string]string{"k": "v"}, nil},
		{"nothing in common", []Image{img("a", ver, "1"), img("b")}, nil, nil,
			[]string{`label "org.opencontainers.image.version" is not on b: not made an index annotation`}},
		{"control characters kept as data", []Image{img("a", desc, "x\x1b[2Jy\n"), img("b", desc, "x\x1b[2Jy\n")}, nil,
			map[string]string{desc: "x\x1b[2Jy\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, notes := Annotations(tc.images, tc.explicit)
			if !maps.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Errorf("annotations %v, want %v", got, tc.want)
			}
			if !slices.Equal(notes, tc.notes) {
				t.Errorf("notes %q, want %q", notes, tc.notes)
			}
		})
	}
}

func TestKeep(t *testing.T) {
	labels := map[string]string{"maintainer": "x", Prefix + "title": "t", Prefix + "huge": strings.Repeat("v", MaxValueLen+1),
		Prefix + strings.Repeat("k", MaxKeyLen): "long key", Prefix + "ctl": "a\x00b\x7f"}
	got, notes := Keep("img", labels)
	want := map[string]string{Prefix + "title": "t", Prefix + "ctl": "a\x00b\x7f"}
	if !maps.Equal(got, want) {
		t.Errorf("kept %q, want %q", got, want)
	}
	if len(notes) != 2 || !strings.Contains(notes[0]+notes[1], "is a value of 8193 bytes, over 8192") || !strings.Contains(notes[0]+notes[1], "is a key of 281 bytes, over 256") {
		t.Errorf("notes %q", notes)
	}
	many := map[string]string{}
	for i := range 100_000 {
		many[Prefix+strconv.Itoa(i)] = "v"
	}
	got, notes = Keep("img", many)
	if len(got) != MaxKeys || len(notes) != 1 || !strings.Contains(notes[0], "100000 labels under org.opencontainers.image., over 64: the last 99936") {
		t.Errorf("kept %d, notes %q", len(got), notes)
	}
}
