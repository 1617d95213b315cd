package transport

import (
	"net/http"
	"net/url"
	"strings"
)

// A registry's answers name the URLs of later requests: an upload's
// Location (of a POST, of a mount declined, of each PATCH), a redirect's,
// a tag list's or referrers list's next page (Link), a token realm
// (WWW-Authenticate). regclient builds a new request for most of them and
// adds the registry's credentials by host name (v0.11.7,
// scheme/reg/blob.go, blobGetUploadURL and blobPutUploadFull; the auth
// handler of internal/reghttp/http.go keys on the host, not the scheme),
// so net/http's redirect checks, and regclient's (internal/regnet,
// AllowRedirect: only redirects and token realms), never see them. An
// HTTPS registry behind a proxy that terminates TLS and does not forward
// the scheme answers a POST with "Location: http://<its host>/v2/…", and
// the blob and the Basic credentials would go out in clear text (on port
// 80, for a registry on 443). Every request goes through the transport,
// so it is the one place where a request in plain HTTP can be refused
// whatever built it.

// plainGuard refuses an attempt in plain HTTP that may not be sent, and
// has the origins and realms each answer names noted. It sits closest to
// the wire, under the retrier, so that it sees every attempt whoever
// built it, and every answer, those that are retried included.
type plainGuard struct {
	next     http.RoundTripper
	allowed  map[string]bool // origins named to be spoken to in plain HTTP
	allowAll bool            // tests: any origin may be
	notes    *answerNotes
}

// newPlainGuard is the guard over next of the hosts named plain HTTP
// (host[:port], as written in references; a host without a port is on
// port 80).
func newPlainGuard(next http.RoundTripper, named []string, notes *answerNotes) *plainGuard {
	g := &plainGuard{next: next, allowed: map[string]bool{}, notes: notes}
	for _, h := range named {
		g.allowed[origin(&url.URL{Scheme: "http", Host: h})] = true
	}
	return g
}

// RoundTrip refuses req, its body closed, when [plainGuard.check] does;
// else sends it and notes what its answer names.
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
// answer received in plain HTTP named its origin (a plain registry's
// redirect, upload Location or token realm: nothing is taken down from
// HTTPS then) and no answer received over HTTPS did. The records are of
// the whole run, not of one registry: a plain registry's answer that
// names the host:port of an HTTPS registry of the run must not open it to
// plain HTTP, where regclient would send that registry's credentials (it
// keys them on host:port, not on the scheme). Once the record of HTTPS
// answers is full, no plain answer opens anything; the error says when a
// full record decided it.
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
