package registry

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/ref"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
	"github.com/manifest-tool/manifest-tool/spec"
)

var (
	// ErrConfig is returned when a Docker config or CA file, named or
	// found, cannot be used. Bad input.
	ErrConfig = errors.New("unusable configuration")
	// ErrNotIndex is returned when edit is pointed at something that is
	// not an index. Bad input: it matches manifest.ErrInvalid too.
	ErrNotIndex = fmt.Errorf("not an index%.0w", manifest.ErrInvalid)
	// ErrNoTarget is returned when edit is pointed at a tag that does not
	// exist. A failure, not bad input.
	ErrNoTarget = errors.New("target not found")
	// ErrReferrer is returned when a referrer of a member could not be
	// listed or copied with --referrers=required (without it, that is a
	// warning).
	ErrReferrer = errors.New("referrer not copied")
)

// errNotStarted is returned, with the context's cause, by forEach for
// each item it never started because the context ended first.
var errNotStarted = errors.New("not started")

// OpError is a failed registry operation on one reference. Its text is
// one line: what was being done, to which reference, and the cause in
// plain words with the way out when one is known.
type OpError struct {
	Op  string // "resolving", "pushing the index to", ...
	Ref string
	Err error

	host    string
	layout  string // the directory of an OCI layout (ocidir://), instead of a host
	creds   string // whose credentials were used ("" for none)
	missing bool   // the image itself does not exist
	// the scope the registry refused a token that was asked for it
	// (tokens.go), "" when none was
	narrowed string
	asked    transport.Asked
}

// writeOps begin the operations that write to their reference: a
// refusal of one has its own way out (a repository to create first, a
// scope to push).
var writeOps = []string{"pushing ", "uploading ", "mounting ", "copying "}

// opError describes a failed operation on r.
func (c *Client) opError(op string, r ref.Ref, err error) *OpError {
	name := r.CommonName()
	if name == "" { // a registry, not an image
		name = r.Registry
	}
	e := &OpError{Op: op, Ref: name, Err: err, host: r.Registry, creds: c.creds[r.Registry], narrowed: c.refusedScope(r)}
	if r.Scheme == "ocidir" {
		e.layout = r.Path
		return e
	}
	e.asked = transport.Asked{Host: r.Registry, Repository: r.Repository, Creds: e.creds,
		Write: slices.ContainsFunc(writeOps, func(w string) bool { return strings.HasPrefix(op, w) })}
	if c.tr != nil { // what the registry said when it last refused a request for the repository
		e.asked.Refused = c.tr.Refusal(config.HostNewName(r.Registry).Hostname, r.Repository)
	}
	return e
}

func (e *OpError) Error() string { return e.Op + " " + e.Ref + ": " + e.Cause() }

// Cause says in a few words why the operation failed.
func (e *OpError) Cause() string {
	if e.layout != "" {
		return transport.LayoutCause(e.Err, e.layout)
	}
	if s := transport.LimitCause(e.Err); s != "" { // an answer the transport refused
		return s
	}
	cause := transport.CauseFor(e.Err, e.asked)
	if e.asked.Host == "" { // made without opError
		cause = transport.Cause(e.Err, e.host, e.creds)
	}
	switch {
	case e.narrowed == "" || !errors.Is(e.Err, errs.ErrHTTPUnauthorized):
	case e.asked.Refused.Scope != "" && strings.EqualFold(e.asked.Refused.Error, "insufficient_scope"):
		// the way out (transport's "insufficient scope") named the scope
		// refused and the repository already
		cause += " (refused again with a token asked for this repository alone)"
	default:
		// asked for it, and refused again with a token per repository
		cause += "; " + e.host + " wants a token with " + e.narrowed + ", and its token service leaves that out when asked, also for this repository alone: the credentials used (" + cmp.Or(e.creds, "none") + ") may not do that there"
	}
	return cause
}

func (e *OpError) Unwrap() error { return e.Err }

// Is makes the failure to find a member image match manifest.ErrMissing.
func (e *OpError) Is(target error) bool { return target == manifest.ErrMissing && e.missing }

// RetryError is a request that failed every attempt the transport gave
// it, or an answer not retried (a rate limit spent, with nothing said of
// when it reopens); its text names method, host, path, status or cause,
// the registry's words in the last answer, and attempts.
type RetryError = transport.RetryError

// NoAnswerError is a host that took the connection and closed it without
// an HTTP answer.
type NoAnswerError = transport.NoAnswerError

// IdleError is an attempt on which no byte moved for the idle limit
// ([WithIdleTimeout]); after retries it is the Err of a [RetryError].
type IdleError = transport.IdleError

// DeadlineError is a request cut by its context's deadline (--timeout);
// it names that request, in flight when the deadline passed, and the
// limit of [WithTimeLimit].
type DeadlineError = transport.DeadlineError

// mergeCauses reports a failure that is the registry's, not a member's (a
// certificate, credentials, a refused connection, a host that kept failing
// whatever the request), once, on the first member or request it hit,
// instead of once per member; a missing member is each reported. Lists of
// errors ([spec.Errors]) are taken apart first. It is called once, on the
// failures of a whole publish (or of one document), never on its own
// output.
func mergeCauses(errList []error) []error {
	var out []error
	first := map[string]int{}      // cause -> index in out
	groups := map[string][]error{} // cause -> the errors with it
	for _, err := range spec.Split(errList...) {
		var op *OpError
		if !errors.As(err, &op) || errors.Is(op.Err, errs.ErrNotFound) {
			out = append(out, err)
			continue
		}
		key := op.Cause()
		var retry *RetryError
		var plain *transport.PlainHTTPError
		switch {
		case errors.As(op.Err, &retry): // a host that keeps failing, whatever the path
			key = retry.Host + ": " + retry.Reason()
		case errors.As(op.Err, &plain): // each upload's own URL, one refusal
			key = "plain HTTP to " + plain.Host
		}
		if _, seen := first[key]; !seen {
			first[key] = len(out)
			out = append(out, err)
		}
		groups[key] = append(groups[key], err)
	}
	for key, i := range first {
		out[i] = mergeGroup(groups[key])
	}
	return out
}

// mergeGroup is one failure for the errors of one cause: the one of the
// request that met it first-hand, rather than one tried once after its
// host was given up on, standing for the members of the others.
func mergeGroup(group []error) error {
	rep := 0
	for j, err := range group {
		var retry *RetryError
		if errors.As(err, &retry) && retry.Prior == nil {
			rep = j
			break
		}
	}
	m := &merged{error: group[rep]}
	for j, err := range group {
		if se := (*spec.Error)(nil); errors.As(err, &se) {
			m.at = append(m.at, se.Pos)
			if j != rep {
				m.more++
			}
		}
	}
	if m.more == 0 {
		return group[rep]
	}
	return m
}

// merged is a failure that stands for more members that failed the same
// way.
type merged struct {
	error
	more int        // members beside this one
	at   []spec.Pos // where each member it stands for is, this one's too
}

var _ manifest.Positioned = (*merged)(nil)

// Positions says where each member the failure stands for is in the
// input, so that a result can give each its failure.
func (m *merged) Positions() []spec.Pos { return m.at }

func (m *merged) Error() string {
	return fmt.Sprintf("%s (and %s)", m.error, text.Plural(m.more, "more member"))
}

func (m *merged) Unwrap() error { return m.error }
