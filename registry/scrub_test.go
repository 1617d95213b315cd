package registry

import (
	"strings"
	"testing"
	"time"

	"github.com/regclient/regclient/types/ref"
)

// What a Scrubber blots out: a given secret always, a short one only where
// it stands alone, a learnt token except where the text is one of the
// run's own words.
func TestScrubber(t *testing.T) {
	t.Parallel()
	var targets []ref.Ref
	for _, name := range []string{"127.0.0.1:5000/echo/app:1.0", "127.0.0.1:5000/app:2"} {
		r, err := ref.New(name)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, r)
	}
	tests := []struct {
		name            string
		secrets, tokens []string
		in, want        string
	}{
		{"a secret, anywhere", []string{"Pa55word"}, nil, "saw xPa55wordx and Pa55word", "saw x***x and ***"},
		{"secrets that overlap", []string{"abcdef", "cdefgh"}, nil, "abcdefgh!", "***!"},
		{"a short secret, alone", []string{"ab"}, nil, `password ab rejected; "ab"; user:ab@host; ab`, `password *** rejected; "***"; user:***@host; ***`},
		{"a short secret, in words", []string{"ab"}, nil, "a table, x-ab-y, ab.example.com, ab1, about", "a table, x-ab-y, ab.example.com, ab1, about"},
		// punctuation that joins nothing: a sentence's end, a dash before a space
		{"a short secret, at a sentence's end", []string{"ab"}, nil, "password ab. Or (ab-) or ab_", "password ***. Or (***-) or ***_"},
		{"a secret of one character", []string{"q"}, nil, "quota q (q) q=1 equal", "quota *** (***) ***=1 equal"},
		{"a secret of three, unicode around", []string{"k9x"}, nil, "ék9x k9x→", "ék9x ***→"},
		{"a given secret that is the host", []string{"127.0.0.1:5000"}, nil, "GET http://127.0.0.1:5000/v2/", "GET http://***/v2/"},
		{"a token", nil, []string{"tk4f3a9c"}, "session tk4f3a9c may not push", "session *** may not push"},
		{"a token that is the host", nil, []string{"127.0.0.1:5000"}, "GET http://127.0.0.1:5000/v2/echo/app/manifests/1.0: 200 OK", "GET http://127.0.0.1:5000/v2/echo/app/manifests/1.0: 200 OK"},
		{"a token that is the repository", nil, []string{"echo/app"}, "pushed 127.0.0.1:5000/echo/app:1.0; echo/app", "pushed 127.0.0.1:5000/echo/app:1.0; echo/app"},
		{"a token that is the tag", nil, []string{"1.0"}, "tag 1.0 of echo/app", "tag 1.0 of echo/app"},
		{"a token over the host and more", nil, []string{"127.0.0.1:5000/v2"}, "GET http://127.0.0.1:5000/v2/echo/app", "GET http://127.0.0.1:5000***/echo/app"},
		{"a token that holds the tag", nil, []string{"x-1.0-y"}, "token x-1.0-y", "token ***"},
		{"a token that holds the host", nil, []string{"x127.0.0.1:5000y"}, "token x127.0.0.1:5000y", "token ***127.0.0.1:5000***"},
		{"a token that holds a short tag", nil, []string{"tk3a92f0"}, "session tk3a92f0 may not; tag 2", "session *** may not; tag 2"},
		{"a token over a short repository", nil, []string{"/v2/app"}, "GET /v2/app/manifests/1 of app", "GET ***app/manifests/1 of app"},
		{"a short token, alone", nil, []string{"zz"}, "zz, pizza", "***, pizza"},
		{"what is written as a credential", nil, nil, "Authorization: Bearer abc.def.ghi", "Authorization: Bearer ***"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s Scrubber
			s.Keep(targets...)
			s.Secret(tc.secrets...)
			s.Token(tc.tokens...)
			if got := s.Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// A long text with many short secrets in it is cleaned in one pass: the
// cost is the text's length times the secrets, not more.
func TestScrubberManyOccurrences(t *testing.T) {
	t.Parallel()
	var s Scrubber
	s.Secret("q")
	s.Token("tok")
	s.Keep(ref.Ref{Scheme: "reg", Registry: "tok.example.com", Repository: "a"})
	in := strings.Repeat("q tok ", 100_000)
	out := s.Clean(in)
	if want := strings.Repeat("*** *** ", 100_000); out != want {
		t.Errorf("%d bytes out, not every secret blotted out", len(out))
	}
}

// A token and a line that a hostile registry makes of one repeated
// character, so that the token is in the line at every offset: the line
// is blotted out whole, in time that follows the lengths, not their
// product (a 128 KiB token in a 1 MiB line took two minutes when each
// place was found and marked one by one; a run under -race takes far
// longer than one without, hence the bound). With a run's word of the same
// kind, which a token never blots out, the line is kept whole, as fast;
// a secret of the same kind blots it out whole.
func TestScrubberRepeatedText(t *testing.T) {
	t.Parallel()
	const n = 1 << 20
	line := "error: " + strings.Repeat("a", n) + " end"
	for _, tc := range []struct {
		name                string
		secret, token, word string
		want                string
	}{
		{"a token", "", strings.Repeat("a", 128<<10), "", "error: *** end"},
		{"a token over a word", "", strings.Repeat("a", 128<<10), strings.Repeat("a", 16<<10), line},
		{"a secret", strings.Repeat("a", 128<<10), "", "", "error: *** end"},
	} {
		var s Scrubber
		s.Secret(tc.secret)
		s.Token(tc.token)
		s.add(&s.words, "word", []string{tc.word})
		start := time.Now()
		got := s.Clean(line)
		took := time.Since(start)
		t.Logf("measured: %s of 128 KiB repeated in a 1 MiB line: %s", tc.name, took)
		if got != tc.want {
			t.Errorf("%s: Clean = %.60q…, want %.60q…", tc.name, got, tc.want)
		}
		if took > 30*time.Second {
			t.Errorf("%s: took %s, over 30 s", tc.name, took)
		}
	}
}
