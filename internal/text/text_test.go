package text

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
)

func TestWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"index": "2 indexes", "image": "2 images", "more member": "2 more members"} {
		t.Run(want, func(t *testing.T) {
			if got := Plural(2, in); got != want || Plural(1, in) != "1 "+in {
				t.Errorf("Plural(2, %s) = %q, Plural(1) = %q", in, got, Plural(1, in))
			}
		})
	}
	for _, tc := range []struct {
		in    string
		width int
		cut   bool
		want  []string
	}{
		{"a bb ccc dddd", 6, false, []string{"a bb", "ccc", "dddd"}},
		{"a " + strings.Repeat("y", 12) + " b", 5, true, []string{"a", "yyyyy", "yyyyy", "yy b"}},
		{"a " + strings.Repeat("y", 12) + " b", 5, false, []string{"a", strings.Repeat("y", 12), "b"}},
		{"two  spaces", 20, false, []string{"two spaces"}},
	} {
		t.Run(fmt.Sprintf("%s/cut=%v", tc.in, tc.cut), func(t *testing.T) {
			if got := Wrap(tc.in, tc.width, tc.cut); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Wrap(%q, %d, %v) = %q, want %q", tc.in, tc.width, tc.cut, got, tc.want)
			}
		})
	}
	for mt, want := range map[string]string{
		mediatype.OCI1ManifestList:    "an OCI image index",
		mediatype.Docker2ManifestList: "a Docker manifest list",
	} {
		t.Run(want, func(t *testing.T) {
			if got := Article(MediaTypeName(mt)); got != want {
				t.Errorf("Article(MediaTypeName(%s)) = %q, want %q", mt, got, want)
			}
		})
	}
}
