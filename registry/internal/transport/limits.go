package transport

import (
	"errors"
	"fmt"
	"strings"
	"time"
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

// errLate is what the watchdog cancels an attempt's context with when
// the request's time runs out before its answer's body is whole.
var errLate = errors.New("the answer's body took too long")

// Limited says err in one line when one of the transport's limits on
// answers stopped it (a [BodyTimeoutError]): the request and the limit;
// "" for any other error. The error says it all, whatever wraps it.
func Limited(err error) string {
	var late *BodyTimeoutError
	if errors.As(err, &late) {
		return late.Error()
	}
	return ""
}

// bounded reports whether the answers to a request (the first of its
// chain of redirects) must be whole within the request's budget: all but
// a blob's (a download from /blobs/, an upload's answer).
func bounded(first string) bool { return !strings.Contains(first, "/blobs/") }
