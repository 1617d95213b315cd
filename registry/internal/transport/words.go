package transport

import (
	"encoding/json"
	"slices"
	"strings"
)

// said is what a registry's error answer says in its own words (the
// distribution spec's {"errors":[{"code","message","detail"}]}): the codes
// of its errors, to choose the way out by, and its words in one line.
type said struct {
	codes []string // errors[].code, at most maxCodes
	words string   // "CODE: message; CODE: message", or the body's text; redacted, cut
}

// maxCodes bounds the codes kept of one answer (its words are cut anyway).
const maxCodes = 16

// saidIn reads an error answer's body: its errors' codes and messages
// when it is the spec's JSON, the message of a web API's JSON error
// ({"message":…}, GitHub's), else its text. The words are redacted and
// cut to maxBodyWords bytes before a word the cut would split; they are
// kept as the registry sent them otherwise, control characters included:
// what shows them escapes those (text.Escape, in the log formatter and
// the renderers), and a JSON log record keeps them as they were.
func saidIn(body string) said {
	var s said
	words := strings.TrimSpace(body)
	var e struct {
		Errors  []struct{ Code, Message string } `json:"errors"`
		Message string                           `json:"message"` // a web API's (GitHub's)
	}
	err := json.Unmarshal([]byte(words), &e)
	switch {
	case err == nil && len(e.Errors) == 0 && e.Message != "":
		words = e.Message
	case err == nil && len(e.Errors) > 0:
		var parts []string
		for _, x := range e.Errors {
			if len(s.codes) < maxCodes && x.Code != "" {
				s.codes = append(s.codes, strings.ToUpper(x.Code))
			}
			if len(parts) < maxCodes {
				parts = append(parts, strings.TrimSpace(x.Code+": "+x.Message))
			}
		}
		words = strings.Join(parts, "; ")
	}
	if len(words) > redactWindow {
		words = words[:redactWindow] // (a character cut here is cut off below)
	}
	s.words = cutWords(Redact(words), maxBodyWords)
	return s
}

// has reports whether the answer had the error code.
func (s said) has(code string) bool { return slices.Contains(s.codes, code) }

// in is the words in parentheses after a space, or "" when there are none.
func (s said) in() string {
	if s.words == "" {
		return ""
	}
	return " (" + s.words + ")"
}

// Asked is what an operation asked of a registry, for [CauseFor] to name
// in the way out: the registry, the repository, whose credentials were
// used, whether it wrote, and what the registry last said when it refused
// a request for that repository ([Transport.Refusal]).
type Asked struct {
	Host, Repository string
	Creds            string // "" for none
	Write            bool
	Refused          Refusal
}
