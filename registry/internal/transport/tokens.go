package transport

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Tokens are learnt here because regclient keeps the tokens it gets from
// a token server to itself: the run's scrubber, which learns the Docker
// config's secrets before the first request, would not know them, and a
// registry that echoes a token in an error body ("token 4f3a... may not
// push") would have it printed, where [Redact]'s patterns do not see a
// bare token. Only an endpoint a Bearer challenge named (notes.go) gives
// token answers: a "token" from anywhere else would let a registry have
// any text of its choosing blotted out of what the run prints.

// tokenKeys are the keys of a token answer that hold a secret.
var tokenKeys = [][]byte{[]byte(`"token"`), []byte(`"access_token"`), []byte(`"refresh_token"`)}

// tokensIn returns the tokens of body when it is a token answer (a JSON
// object with one of tokenKeys at its top) to a request for path, a
// realm, and not a manifest or a blob; nil otherwise.
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
