package transport

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/manifest-tool/manifest-tool/internal/units"
)

// BodyTimeoutError is an answer, not a blob's, whose body was not whole
// when the request's time ran out ([Policy].Budget). The idle limit does
// not see a registry that sends a byte every few seconds: without a bound
// on the whole answer, such a body would hold a run for ever. A blob may
// take its time on a slow link, and has only the idle limit.
type BodyTimeoutError struct {
	Method, Host, Path string // the request, its path without the query
	Limit              time.Duration
}

func (e *BodyTimeoutError) Error() string {
	return fmt.Sprintf("%s %s%s: the answer's body took longer than %s", e.Method, e.Host, e.Path, e.Limit)
}

// DefaultMaxManifestSize is the largest manifest taken from a registry
// unless [Options].MaxManifestSize says otherwise: 4 MiB, the limit of
// Distribution and containerd.
const DefaultMaxManifestSize = 4 << 20

// SizeError is an answer larger than the transport takes: a manifest
// (GET or HEAD of /manifests/) over the limit ([Options].MaxManifestSize,
// --max-manifest-size), or another answer that is not a blob's (a tag
// list, referrers, a token) over [answerMax]. It is refused before its
// body is read when its Content-Length says so, or once more than the
// limit was read when it does not.
//
// Why the transport checks manifests rather than regclient: regclient
// v0.11.7 refuses a manifest over 8 MiB (scheme/reg/manifest.go,
// ManifestGet: Content-Length, then a limited reader), twice the limit of
// the registries that store them; it checks after the transport has read
// an answer of up to 8 MiB whole (to retry a cut one); its HEAD has no
// limit; and its words name no way to raise it. The Client sets
// regclient's own limit to this one, so that a raised limit holds there
// too.
type SizeError struct {
	Method, Host, Path string // the request, its path without the query
	Size               int64  // as announced; -1: unsaid, and more than Limit came
	Limit              int64
	Manifest           bool // a manifest's answer, whose limit a flag raises
}

func (e *SizeError) Error() string {
	what, limit, fix := "the answer", "the limit of "+units.Format(e.Limit)+" for what is not a manifest or a blob", ""
	if e.Manifest {
		what, limit, fix = "the manifest", "the limit of "+units.Format(e.Limit), " (raise it with --max-manifest-size)"
	}
	if e.Size < 0 {
		return fmt.Sprintf("%s %s%s: %s is over %s, more was sent%s", e.Method, e.Host, e.Path, what, limit, fix)
	}
	return fmt.Sprintf("%s %s%s: %s is %d bytes, over %s%s", e.Method, e.Host, e.Path, what, e.Size, limit, fix)
}

// answerMax bounds an answer that is neither a manifest nor a blob: a
// tag list, referrers, a token. regclient v0.11.7 reads these whole, with
// no limit (scheme/reg/tag.go TagList, referrer.go: io.ReadAll), so that
// a registry answering one without end takes all the memory there is. 32
// MiB holds the tag list of a repository with hundreds of thousands of
// tags, or with Google's manifest map (some 300 bytes an image) tens of
// thousands of images; reading it costs regclient about three times as
// much memory.
const answerMax = 32 << 20

// errLate is what the watchdog cancels an attempt's context with when
// the request's time runs out before its answer's body is whole.
var errLate = errors.New("the answer's body took too long")

// Limited says err in one line when one of the transport's limits on
// answers stopped it (a [BodyTimeoutError], a [SizeError]): the request
// and the limit; "" for any other error. The error says it all, whatever
// wraps it.
func Limited(err error) string {
	var late *BodyTimeoutError
	if errors.As(err, &late) {
		return late.Error()
	}
	var big *SizeError
	if errors.As(err, &big) {
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

// sizeLimit is the largest body the transport takes for resp, the answer
// to a request whose chain of redirects began with first, and the error
// that refuses a larger one (its Size is resp's Content-Length, -1 when
// unsaid); 0 when
// there is no limit: a blob's, an answer without a body, or one that is
// not a success (regclient reads at most 8 MiB of an error's).
func (t *Transport) sizeLimit(first *http.Request, resp *http.Response) (int64, error) {
	switch {
	case manifestAnswer(first, resp):
		return t.maxManifest, &SizeError{Method: first.Method, Host: first.URL.Host, Path: first.URL.Path, Size: resp.ContentLength, Limit: t.maxManifest, Manifest: true}
	case bounded(first.URL.Path) && first.Method != http.MethodHead && resp.StatusCode >= 200 && resp.StatusCode < 300:
		return answerMax, &SizeError{Method: first.Method, Host: first.URL.Host, Path: first.URL.Path, Size: resp.ContentLength, Limit: answerMax}
	}
	return 0, nil
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
