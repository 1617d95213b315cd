package transport

import (
	"net/http"
	"net/url"
	"strings"
)

// A registry may answer a request with a redirect, a blob GET most often
// (to S3, GCS, Azure, a CDN). net/http's client follows it, copying the
// request's headers, Authorization and Cookie included, to every target
// whose host name is the first request's or a subdomain of it, whatever
// the port and the scheme (net/http client.go, shouldCopyHeaderOnRedirect
// compares host names only); regclient adds no check of its own (v0.11.7,
// internal/reghttp/http.go, checkRedirect refuses HTTPS to HTTP and a
// public host to a local one, then adds credentials for challenges the
// target itself made). So a registry at reg:5000 that redirects to
// reg:9000, another service on the same machine, would hand that service
// the registry's credentials. The transport keeps them with their origin.

// originGuard is the top of the stack: it sends each request, the
// request of a redirect or not, as ownCredentials makes it.
type originGuard struct{ next http.RoundTripper }

func (g originGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	return g.next.RoundTrip(ownCredentials(req))
}

// ownCredentials is req, the request of a redirect or not, as it may be
// sent: without Authorization and Cookie when its origin (scheme, host,
// port) is not that of the first request of its chain of redirects. It is
// a copy then; req is never changed.
func ownCredentials(req *http.Request) *http.Request {
	first := firstOf(req)
	if first == req || origin(first.URL) == origin(req.URL) {
		return req
	}
	if req.Header.Get("Authorization") == "" && req.Header.Get("Cookie") == "" {
		return req
	}
	out := req.Clone(req.Context())
	out.Header.Del("Authorization")
	out.Header.Del("Cookie")
	return out
}

// firstOf is the request that began req's chain of redirects: req
// itself, unless net/http made it to follow an answer (then its Response
// is that answer, whose Request is the one before).
func firstOf(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// origin is a URL's scheme, host and port, the default port of the scheme
// written out: "https://reg.example.com:443".
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
