package transport

import (
	"bytes"
	"encoding/json"
	"strings"
)

// A registry with bearer auth sends its client to a token server, whose
// JSON answer holds the token ("token", "access_token") and sometimes a
// refresh token. regclient asks for them through this transport and keeps
// them to itself; the run's scrubber, which blots out every secret it
// knows from what is printed, learns the passwords and the tokens of the
// Docker config before the first request, but not these. A registry that
// echoes the token it was sent in an error body ("token 4f3a... may not
// push") would then have it printed, even at the default level, where the
// credential patterns of [Redact] do not see a bare token. So the
// transport finds them in each token answer it reads whole, and tells
// [Options].Secrets before the answer is handed on. A token answer is one
// from an endpoint that a Bearer challenge named (plain.go, note): a JSON
// "token" from anywhere else would let a registry have any text of its
// choosing blotted out of every line the run prints.

// tokenKeys are the keys of a token answer that hold a secret.
var tokenKeys = [][]byte{[]byte(`"token"`), []byte(`"access_token"`), []byte(`"refresh_token"`)}

// tokensIn returns the tokens of body when it is a token answer (a JSON
// object with a token, access_token or refresh_token string at its top)
// to a request for path, a realm; nil otherwise. Manifests and blobs are
// never token answers, whatever their keys, even at a realm a registry
// named.
func tokensIn(path string, body []byte) []string {
	if strings.Contains(path, "/manifests/") || strings.Contains(path, "/blobs/") {
		return nil
	}
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || !bytes.Contains(b, tokenKeys[0]) && !bytes.Contains(b, tokenKeys[1]) && !bytes.Contains(b, tokenKeys[2]) {
		return nil // not worth a parse
	}
	var answer struct {
		Token        string `json:"token"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(b, &answer) != nil {
		return nil
	}
	var out []string
	for _, s := range []string{answer.Token, answer.AccessToken, answer.RefreshToken} {
		if s != "" && (len(out) == 0 || out[len(out)-1] != s) {
			out = append(out, s)
		}
	}
	return out
}
