package transport

import (
	"io"
	"net/http"
	"strings"
)

// DefaultMaxManifestSize is the largest manifest taken from a registry
// unless [Options].MaxManifestSize says otherwise: 4 MiB, the limit of
// Distribution and containerd.
const DefaultMaxManifestSize = 4 << 20

// answerMax bounds an answer that is neither a manifest nor a blob: a
// tag list, referrers, a token. regclient v0.11.7 reads these whole, with
// no limit (scheme/reg/tag.go TagList, referrer.go: io.ReadAll), so that
// a registry answering one without end takes all the memory there is. 32
// MiB holds the tag list of a repository with hundreds of thousands of
// tags, or with Google's manifest map (some 300 bytes an image) tens of
// thousands of images; reading it costs regclient about three times as
// much memory.
const answerMax = 32 << 20

// LimitCause says err in one line when one of the transport's limits on
// answers stopped it (a [BodyTimeoutError], a [SizeError]): the request
// and the limit; "" for any other error. The error says it all, whatever
// wraps it.
func LimitCause(err error) string {
	if late := errorAs[*BodyTimeoutError](err); late != nil {
		return late.Error()
	}
	if big := errorAs[*SizeError](err); big != nil {
		return big.Error()
	}
	return ""
}

// bounded reports whether the answers to a request (the first of its
// chain of redirects) must be whole within the request's budget: all but
// a blob's (a download from /blobs/, an upload's answer).
func bounded(first string) bool { return !strings.Contains(first, "/blobs/") }

// manifestAnswer reports whether resp is a manifest, answering a GET or
// a HEAD whose chain of redirects began with first.
func manifestAnswer(first *http.Request, resp *http.Response) bool {
	return (first.Method == http.MethodGet || first.Method == http.MethodHead) &&
		strings.Contains(first.URL.Path, "/manifests/") && resp.StatusCode >= 200 && resp.StatusCode < 300
}

// sizeLimits holds each attempt's answer to its size limit, below the
// retrier, so that an answer too large is refused before the retrier reads
// it whole (to retry a cut one), not after 8 MiB of it were read.
//
// Why the transport checks manifests rather than regclient: regclient
// v0.11.7 refuses a manifest over 8 MiB (scheme/reg/manifest.go,
// ManifestGet: Content-Length, then a limited reader), twice the limit of
// the registries that store them; it checks after the transport has read
// an answer of up to 8 MiB whole (to retry a cut one); its HEAD has no
// limit; and its words name no way to raise it. The Client sets
// regclient's own limit to this one, so that a raised limit holds there
// too. Other answers: see answerMax.
type sizeLimits struct {
	next        http.RoundTripper
	maxManifest int64
}

// RoundTrip refuses an answer whose Content-Length is over its limit,
// its body unread, with a [SizeError]; the body of one whose length is
// not said fails with it once more than the limit was read.
func (l *sizeLimits) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit, big := l.limitOf(firstOf(req), resp)
	switch {
	case limit == 0:
	case resp.ContentLength > limit:
		resp.Body.Close()
		return nil, big
	case resp.ContentLength < 0 && resp.Body != nil && resp.Body != http.NoBody:
		resp.Body = &capped{ReadCloser: resp.Body, left: limit, err: big}
	}
	return resp, nil
}

// limitOf is the largest body taken for resp, the answer to a request
// whose chain of redirects began with first, and the error that refuses
// a larger one (its Size is resp's Content-Length, -1 when unsaid); 0
// when there is no limit: a blob's, an answer without a body, or one that
// is not a success (regclient reads at most 8 MiB of an error's).
func (l *sizeLimits) limitOf(first *http.Request, resp *http.Response) (int64, *SizeError) {
	big := &SizeError{Method: first.Method, Host: first.URL.Host, Path: first.URL.Path, Size: resp.ContentLength}
	switch {
	case manifestAnswer(first, resp):
		big.Limit, big.Manifest = l.maxManifest, true
	case bounded(first.URL.Path) && first.Method != http.MethodHead && resp.StatusCode >= 200 && resp.StatusCode < 300:
		big.Limit = answerMax
	}
	return big.Limit, big
}

// capped is the body of an answer of unknown length that has a size
// limit: a read past the limit fails with err, and the bytes past it are
// not handed on.
type capped struct {
	io.ReadCloser
	left int64 // bytes that may still come; -1 once more came
	err  error
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1] // one byte more than allowed tells
	}
	n, err := c.ReadCloser.Read(p)
	if int64(n) > c.left {
		n, c.left = int(c.left), -1
		return n, c.err
	}
	c.left -= int64(n)
	return n, err
}
