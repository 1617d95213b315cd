package transport

import (
	"context"
	"net/http"
)

// answerTap shows the final answer of each request, after its retries,
// before it is handed on: a token answer's tokens are told to secrets
// (tokens.go), and the request's [Observer] sees it.
type answerTap struct {
	next    http.RoundTripper
	notes   *answerNotes // the realms that challenges named
	passed  *passedHosts // hosts that answered without a 401
	scopes  *scopeNotes  // the scopes each token was asked for (scopes.go)
	refused *refusals    // what registries said when they refused
	secrets func(...string)
}

func (a *answerTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	see, _ := req.Context().Value(observerKey{}).(Observer)
	if err != nil {
		if see != nil {
			showFailure(see, req, err)
		}
		return nil, err
	}
	whole := wholeOf(resp)
	if first := firstOf(req); a.secrets != nil && resp.StatusCode < 300 && a.notes.isRealm(first.URL) {
		if tokens := tokensIn(first.URL.Path, whole); len(tokens) > 0 {
			a.secrets(tokens...) // before anything could show them
			if a.scopes != nil {
				a.scopes.token(first, tokens)
			}
		}
	}
	if a.scopes != nil && resp.StatusCode == http.StatusUnauthorized {
		a.scopes.challenged(req, resp) // before regclient asks again
	}
	if a.passed != nil { // after its tokens are told, before regclient sees it
		a.passed.note(req, resp.StatusCode)
	}
	if a.refused != nil {
		a.refused.note(req, resp)
	}
	if see != nil {
		see(req, resp.StatusCode, whole)
	}
	return resp, nil
}

// showFailure shows see a request refused, with status 0 and the
// refusal's words, or given up on after answers, with the last status.
func showFailure(see Observer, req *http.Request, err error) {
	if refused := errorAs[*PlainHTTPError](err); refused != nil {
		see(req, 0, []byte(refused.Error()))
	} else if last := errorAs[*RetryError](err); last != nil && last.StatusCode != 0 {
		see(req, last.StatusCode, []byte(last.Said()))
	}
}

// An Observer is shown each answer a request made under its context is
// handed back with: its status, and its body when the transport read it
// whole (nil otherwise); for a request given up on after its answers,
// the last one's status and the registry's words in it (one line, as
// [RetryError.Said]); for one refused, status 0 and the refusal's words.
// A request net/http made to follow a redirect is shown too: its
// Response is the redirect. It must not keep body, and runs on the request's goroutine.
//
// It exists because regclient takes a referrers API that answers with a
// body it cannot parse, or a server error, for a registry without the API
// and lists the sha256-<hex> tag instead, without a word: a broken API
// would pass for "no referrers".
type Observer func(req *http.Request, status int, body []byte)

type observerKey struct{}

type optionalKey struct{}

// Optional returns ctx, under which each request is a lookup with a
// fallback (a referrers request, which the sha256-<hex> tag stands in
// for): a 429 from another origin it was redirected to is not waited for
// (policy.go, notRetried).
func Optional(ctx context.Context) context.Context {
	return context.WithValue(ctx, optionalKey{}, true)
}

// isOptional reports whether ctx is [Optional]'s.
func isOptional(ctx context.Context) bool { b, _ := ctx.Value(optionalKey{}).(bool); return b }

// WithObserver returns ctx, under which every answer is shown to see.
func WithObserver(ctx context.Context, see Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, see)
}
