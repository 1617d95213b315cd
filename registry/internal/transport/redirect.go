package transport

import (
	"net/http"
	"net/url"
	"strings"
)

// originGuard is the top of the stack: it sends each request, the
// request of a redirect or not, as ownCredentials makes it.
//
// It is here because net/http's client, following a redirect (a blob GET
// to S3, a CDN), copies Authorization and Cookie to every target whose
// host name is the first request's or a subdomain of it, whatever the
// port and scheme (client.go, shouldCopyHeaderOnRedirect), and regclient
// adds no check of this (v0.11.7, internal/reghttp/http.go,
// checkRedirect): a registry at reg:5000 that redirects to reg:9000
// would hand that other service its credentials.
type originGuard struct{ next http.RoundTripper }

func (g originGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	return g.next.RoundTrip(ownCredentials(req))
}

// ownCredentials is req as it may be sent: a copy without Authorization
// and Cookie when its origin is not that of the first request of its
// chain of redirects.
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

// origin is a URL's scheme, host and port, the port written out: "https://reg:443".
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
