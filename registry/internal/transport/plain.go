package transport

import (
	"net/http"
	"net/url"
	"strings"
)

// plainGuard refuses an attempt in plain HTTP that may not be sent, and
// has the origins and realms each answer names noted. It sits closest to
// the wire, under the retrier, so that it sees every attempt whoever
// built it, and every answer, those that are retried included.
//
// It is here because a registry's answers name the URLs of later requests
// (an upload's Location, a redirect, a next page's Link, a token realm),
// and regclient builds most of those requests itself with the registry's
// credentials, keyed on the host, not the scheme (v0.11.7,
// scheme/reg/blob.go, blobGetUploadURL and blobPutUploadFull;
// internal/reghttp/http.go), so that neither net/http's redirect checks
// nor regclient's (internal/regnet, AllowRedirect) see them. An HTTPS
// registry behind a proxy that does not forward the scheme answers
// "Location: http://<its host>/v2/…": the blob and the credentials would
// go out in clear text.
type plainGuard struct {
	next     http.RoundTripper
	allowed  map[string]bool // origins named to be spoken to in plain HTTP
	allowAll bool            // tests: any origin may be
	notes    *answerNotes
}

// newPlainGuard is the guard over next of the hosts named plain HTTP
// (host[:port]; a host without a port is on port 80).
func newPlainGuard(next http.RoundTripper, named []string, notes *answerNotes) *plainGuard {
	g := &plainGuard{next: next, allowed: map[string]bool{}, notes: notes}
	for _, h := range named {
		g.allowed[origin(&url.URL{Scheme: "http", Host: h})] = true
	}
	return g
}

// RoundTrip refuses req when check does, its body closed; else sends it and notes the answer.
func (g *plainGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.check(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := g.next.RoundTrip(req)
	if err == nil {
		g.notes.note(req, resp)
	}
	return resp, err
}

// check returns the error that refuses req when it is in plain HTTP and
// may not be: it may when its host was named plain HTTP, or when an
// answer received in plain HTTP named its origin and no answer over HTTPS
// did (of the whole run: a plain registry must not open an HTTPS one's
// host:port, where regclient would send that one's credentials), while
// the record of HTTPS answers is not full.
func (g *plainGuard) check(req *http.Request) error {
	if !strings.EqualFold(req.URL.Scheme, "http") {
		return nil
	}
	o := origin(req.URL)
	if g.allowAll || g.allowed[o] {
		return nil
	}
	refused := g.notes.plainRefusal(o)
	if refused == nil {
		return nil
	}
	refused.Method, refused.URL, refused.Host = req.Method, RedactURL(req.URL.String()), req.URL.Host
	return refused
}
