package registry

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/ref"
)

// Scrubber blots a run's secrets out of text before it is shown, as "***":
// the last line of defence. Secrets given to the run ([Scrubber.Secret])
// go wherever they appear; tokens from token servers ([Scrubber.Token]),
// which a hostile one may make any text, its host name say, go except where
// the text is one of the run's own words ([Scrubber.Keep]). A secret, token
// or word of fewer than 4 characters counts only where it stands alone
// ("ab" goes in "user:ab@" and "password ab.", not in "table" or
// "ab.example.com"). Anything written as a credential goes too ([Redact]).
//
// A Scrubber is safe for concurrent use; its zero value is ready.
type Scrubber struct {
	mu      sync.Mutex
	secrets []string
	tokens  []string
	words   []string
	known   map[string]bool // every secret, token and word held, to add each once
}

// shortSecret is the length under which a secret is blotted out only
// where it stands alone.
const shortSecret = 4

// Secret adds secrets given to the run, always blotted out.
func (s *Scrubber) Secret(secrets ...string) { s.add(&s.secrets, "secret", secrets) }

// Token adds tokens a token server handed out: blotted out except where
// the text is one of the run's own words.
func (s *Scrubber) Token(tokens ...string) { s.add(&s.tokens, "token", tokens) }

// Keep adds the words of references the run names, which a token never
// blots out: each in full and its parts (registry and URL host,
// repository, tag, digest).
func (s *Scrubber) Keep(refs ...ref.Ref) {
	var words []string
	for _, r := range refs {
		if r.Scheme != "reg" {
			continue // a layout's path is no registry's to echo
		}
		words = append(words, r.Reference, r.CommonName(), r.Registry, config.HostNewName(r.Registry).Hostname,
			r.Repository, r.Tag, r.Digest)
	}
	s.add(&s.words, "word", words)
}

func (s *Scrubber) add(to *[]string, kind string, xs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known == nil {
		s.known = map[string]bool{}
	}
	for _, x := range xs {
		if x == "" || s.known[kind+"\x00"+x] {
			continue
		}
		s.known[kind+"\x00"+x] = true
		*to = append(*to, x)
	}
}

// Clean returns text with credentials ([Redact]), then the run's secrets
// and tokens, blotted out (Redact first: a URL with *** in its host no
// longer parses), in time linear in the lengths ([spans]).
func (s *Scrubber) Clean(text string) string {
	text = Redact(text)
	s.mu.Lock()
	defer s.mu.Unlock()
	var blot []bool // the bytes of text to blot out; nil while there are none
	mark := func(from, to int, keep []bool) {
		if blot == nil {
			blot = make([]bool, len(text))
		}
		for i := from; i < to; i++ {
			blot[i] = blot[i] || keep == nil || !keep[i]
		}
	}
	for _, x := range s.secrets {
		spans(text, x, func(from, to int) { mark(from, to, nil) })
	}
	var keep []bool // the bytes of the run's own words, found once a token is
	for _, x := range s.tokens {
		spans(text, x, func(from, to int) {
			if keep == nil {
				keep = make([]bool, len(text))
				for _, w := range s.words {
					spans(text, w, func(from, to int) {
						for i := from; i < to; i++ {
							keep[i] = true
						}
					})
				}
			}
			mark(from, to, keep)
		})
	}
	if blot != nil {
		var b strings.Builder
		for i := 0; i < len(text); {
			if !blot[i] {
				b.WriteByte(text[i])
				i++
				continue
			}
			b.WriteString("***")
			for i < len(text) && blot[i] {
				i++
			}
		}
		text = b.String()
	}
	return text
}

// spans calls mark with the places x is in text, overlapping ones
// included, each byte once (a short x only where it stands alone). It uses
// the Knuth-Morris-Pratt automaton, linear in len(text) and len(x): a
// hostile registry picks both its token and the text a line quotes, and
// overlapping matches one by one would take len(text) times len(x).
func spans(text, x string, mark func(from, to int)) {
	first := strings.Index(text, x)
	if x == "" || first < 0 {
		return
	}
	m := len(x)
	border := make([]int32, m) // border[i]: the longest proper border of x[:i+1]
	for i, k := 1, int32(0); i < m; i++ {
		for k > 0 && x[i] != x[k] {
			k = border[k-1]
		}
		if x[i] == x[k] {
			k++
		}
		border[i] = k
	}
	end := 0 // text[:end] is marked
	for i, k := first, int32(0); i < len(text); i++ {
		for k > 0 && text[i] != x[k] {
			k = border[k-1]
		}
		if text[i] == x[k] {
			k++
		}
		if int(k) < m {
			continue
		}
		at := i + 1 - m
		k = border[m-1]
		if m < shortSecret && !alone(text, at, m) {
			continue
		}
		mark(max(at, end), i+1)
		end = i + 1
	}
}

// alone says whether the n bytes of text at at stand alone: neither the
// text before them nor the text after them continues a word ([joined]).
func alone(text string, at, n int) bool {
	return !joined(text[:at], true) && !joined(text[at+n:], false)
}

// joined says whether side, the text before (before) or after a match,
// continues a word there: a letter or a digit, or one of - _ . + ~ with a
// letter or a digit beyond it.
func joined(side string, before bool) bool {
	next := func() rune {
		r, size := utf8.DecodeRuneInString(side)
		if before {
			r, size = utf8.DecodeLastRuneInString(side)
			side = side[:len(side)-size]
		} else {
			side = side[size:]
		}
		return r
	}
	r := next()
	if strings.ContainsRune("-_.+~", r) {
		r = next()
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
