package transport

import (
	"io"
	"net/http"
	"strings"
)

// DefaultMaxManifestSize is 4 MiB, the limit of Distribution and containerd.
const DefaultMaxManifestSize = 4 << 20

// answerMax bounds an answer that is neither a manifest nor a blob (a tag
// list, referrers, a token), which regclient v0.11.7 reads whole without
// a limit (scheme/reg/tag.go TagList, referrer.go: io.ReadAll). 32 MiB
// holds hundreds of thousands of tags, or tens of thousands of images in
// Google's manifest map.
const answerMax = 32 << 20

// LimitCause says err in one line when one of the transport's limits on
// answers stopped it (a [BodyTimeoutError], a [SizeError]); "" otherwise.
func LimitCause(err error) string {
	if late := errorAs[*BodyTimeoutError](err); late != nil {
		return late.Error()
	}
	if big := errorAs[*SizeError](err); big != nil {
		return big.Error()
	}
	return ""
}

// bounded reports whether the answers to a request, the first of its
// chain of redirects, must be whole within its budget: all but a blob's.
func bounded(first string) bool { return !strings.Contains(first, "/blobs/") }

// sizeLimits holds each attempt's answer to its size limit, below the
// retrier, so that one too large is refused before the retrier reads it
// whole, not after 8 MiB of it were read. regclient v0.11.7 refuses a
// manifest over 8 MiB (scheme/reg/manifest.go, ManifestGet), twice the
// registries' limit, after the transport read it, not on a HEAD, and
// names no way to raise it; the Client sets that limit to this one.
type sizeLimits struct {
	next        http.RoundTripper
	maxManifest int64
}

// RoundTrip refuses an answer whose Content-Length is over its limit,
// unread; the body of one of unsaid length fails past the limit.
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
// a larger one; 0 for no limit: a blob's, a HEAD's (but a manifest's), or
// one that is not a success (regclient reads at most 8 MiB of an error's).
func (l *sizeLimits) limitOf(first *http.Request, resp *http.Response) (int64, *SizeError) {
	big := &SizeError{Method: first.Method, Host: first.URL.Host, Path: first.URL.Path, Size: resp.ContentLength}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	switch {
	case ok && (first.Method == http.MethodGet || first.Method == http.MethodHead) && strings.Contains(first.URL.Path, "/manifests/"):
		big.Limit, big.Manifest = l.maxManifest, true
	case ok && bounded(first.URL.Path) && first.Method != http.MethodHead:
		big.Limit = answerMax
	}
	return big.Limit, big
}

// capped is a body of unknown length whose read past left fails with
// err, the bytes past it not handed on.
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
