package transport

import (
	"context"
	"net/http"
)

// An Observer is shown each answer a request made under its context is
// handed back with: its status, and its body when the transport read it
// whole (a successful GET or POST answer of up to 8 MiB; nil otherwise);
// and, for a request given up on after its answers (503 ten times), the
// status of the last one; and a request the transport refused to send (a
// [PlainHTTPError]) with status 0 and the refusal's words as body.
// It must not keep body, and it runs on the request's goroutine.
//
// It exists because regclient reads some answers without a word about
// them: a referrers API that answers with a body it cannot parse, or with
// a server error, is taken for a registry without the API, and the
// sha256-<hex> tag is listed instead, so that a broken API passes for "no
// referrers". The caller that must tell the difference watches the
// answers it caused.
type Observer func(req *http.Request, status int, body []byte)

type observerKey struct{}

// WithObserver returns ctx, under which every answer is shown to see.
func WithObserver(ctx context.Context, see Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, see)
}

func observerOf(ctx context.Context) Observer {
	see, _ := ctx.Value(observerKey{}).(Observer)
	return see
}
