// Package transport is the HTTP transport every registry request of a run
// goes through, under regclient: it retries what is transient, gives each
// host its own TLS settings, bounds answers, and says what went wrong in
// plain words. [New] composes it as a stack of RoundTrippers, one concern
// each; its doc lists them from the top.
//
// # What is retried
//
// An attempt is tried again, after a wait, when it ends in an answer 408,
// 429 (but one whose limit is spent and not said to reopen, or one
// another origin answered a lookup with a fallback: policy.go,
// notRetried), 500, 502, 503 or 504; a connection refused, reset or broken; a
// timeout to connect (10 s) or from the request sent to its answer's
// headers (2 min); a stall ([IdleError], below); or a connection closed
// before a whole answer: at once, in the status line or the headers, or
// in the body of a successful GET or POST answer of up to 8 MiB, which is
// read whole before it is handed on, so that a cut one is retried here
// and not half-way through regclient. Anything else is handed back at
// once: an answer as it is, a failure as net/http returned it. A request
// is sent again only when its body can be: none, or one of a known length
// of up to 4 MiB, kept from the first attempt. A longer or streamed body
// is sent once; the operation may start over ([Transport.Restartable]).
//
// The wait after attempt n is 200 ms doubled n-1 times, at most 5 s, moved
// at random by up to ±25%, or a longer Retry-After (seconds or an HTTP
// date) capped at 60 s. A request gets at most 10 attempts and 2 minutes,
// its waits included: an attempt whose wait would pass either is the
// last. A wait of a second or more is logged as a warning. A request
// whose context ends (an interrupt, --timeout) stops waiting at once.
// Each limit is a field of [Options] or [Policy].
//
// # Stalls and deadlines
//
// Each attempt has a watchdog (watch.go) that cancels it, closing the
// connection, when no byte moved for the idle limit (60 s,
// --idle-timeout) while the transport holds body bytes it was handed to
// send, or while a read of the answer's body waits (not while the caller
// is slow to read, nor while the headers are awaited): an [IdleError],
// retried as a reset, or once the answer was handed on a [RetryError]
// naming the request. An answer that is not a blob's (a blob is a path
// with /blobs/, or a redirect from one) must also be whole within the
// request's budget, so that one trickling in cannot hold the run: a
// [BodyTimeoutError], not retried. A request in flight (until its
// answer's body is read or closed) when its context's deadline
// (--timeout) passes fails with a [DeadlineError] naming it. The watchdog:
//
//	state     event                                   next      what is done
//	--------  --------------------------------------  --------  -----------------------------------
//	sending   the transport takes body bytes to send  holding   the countdown starts
//	holding   it asks for more, having sent them      sending   the countdown stops
//	sending,  the answer's headers come               answered  the countdown stops; the
//	holding                                                     request's body counts no more
//	answered  a read of the answer's body starts      reading   the countdown starts
//	reading   the read returns                        answered  the countdown stops
//	holding,  the countdown ends                      fired     cancelled: IdleError, retried
//	reading
//	any but   the budget runs out (an answer that     late      cancelled: BodyTimeoutError
//	fired     is not a blob's)
//	any       the attempt ends: its answer read,      ended     the timers stop, the context is
//	          closed, refused or dropped                        released; no countdown starts
//
// # Answers have size limits
//
// A manifest answer (GET or HEAD of /manifests/) over
// [Options].MaxManifestSize (4 MiB, --max-manifest-size), or another
// successful answer that is not a blob's (a tag list, referrers, a token)
// over 32 MiB, is a [SizeError], not retried: its body unread when its
// Content-Length says so, else once more than the limit was read
// (limits.go says why).
//
// # Hosts that do not answer
//
// A host that has not answered in this run, and refuses the connection
// or cannot be connected to on the first attempt, is said at once (a
// wrong address, a registry not started). One that has not answered, and
// closes the connection without an HTTP answer on a second attempt as on
// an earlier one, is a [NoAnswerError] (a TLS port asked in plain HTTP).
// A request whose body could be sent again that ran out of attempts or
// time failing to connect gives up on its host: each later request to it
// is tried once, and failing to connect is a [RetryError] whose Prior is
// that request, until the host answers.
//
// # TLS, per host
//
// Each host (host:port) gets its own connections and TLS settings, made
// on first use: TLS 1.2 at least, verified against the system roots,
// [Options].CA (--ca-file, for every host: a token server may sit on
// another) and Docker's <certs.d>/<host>/*.crt, presenting the client
// certificates <certs.d>/<host>/NAME.cert with NAME.key. A host in
// [Options].Insecure is not verified; a redirect target has its own
// settings; a file that cannot be used is a warning, and left out.
//
// regclient v0.11.7 applies its own TLS settings only to a plain
// *http.Transport (internal/reghttp/http.go, (*Client).getHost, lines
// 767-810), skipping them without a word for any other RoundTripper, and
// one handed in is shared by every host, so that one host's settings
// would hold for all. So TLS is set here, per host, and regclient is
// given none of it (plain HTTP, a scheme, stays regclient's).
//
// # Credentials, plain HTTP and tokens
//
// A redirect to another origin than the first request of its chain is
// sent without Authorization and Cookie (redirect.go). A request in plain
// HTTP is sent only to a host in [Options].PlainHTTP or to an origin that
// an answer received in plain HTTP named; any other is refused before a
// byte is sent, with a [PlainHTTPError] (plain.go). The tokens of a token
// server's answer are told to [Options].Secrets before it is handed on
// (tokens.go).
//
// # Errors
//
// The error types are in types.go, each one line; a [RetryError] carries
// the registry's words in its last answer. [Cause] says any error
// of a registry request in plain words, naming the host that failed (the
// registry, a redirect target, its token server) and the way out when
// one is known; its rules are a list in cause.go. [CauseFor] adds the
// registry's own words (words.go: its errors' code and message, one line)
// and the way out its code names (wayout.go); a 401's words, which
// regclient drops, are noted by the transport (refusals.go). [LimitCause] says an
// answer a limit refused, [LayoutCause] an OCI layout's failure, and
// [Unanswered] whether a request got no answer at all. [Redact] and
// [RedactURL] make a text safe to show.
package transport
