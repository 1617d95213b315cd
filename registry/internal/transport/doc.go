// Package transport is the HTTP transport every registry request of a run
// goes through, under regclient: it retries what is transient, gives each
// host its own TLS settings, and says what went wrong in plain words.
//
// [New] composes it as a stack of RoundTrippers, one concern each; its
// doc lists them from the top, and why in that order.
//
// # What is retried
//
// An attempt is tried again, after a wait, when it ends in
//
//   - an answer 408, 429, 500, 502, 503 or 504;
//   - a connection refused, reset or broken;
//   - a timeout: to connect (10 s), or from the request sent to its
//     answer's headers (2 min);
//   - a stall: no byte moved for the idle limit (60 s, --idle-timeout)
//     while the request's body was sent (the registry stopped reading
//     it) or while a read of the answer's body waited (it stopped
//     sending), said as an [IdleError];
//   - a connection closed before a whole answer: at once, inside the
//     status line or the headers, or inside the body of a successful GET
//     or POST answer of up to 8 MiB, which is read whole before it is
//     handed on, so that a cut one is retried here and not half-way
//     through regclient.
//
// Anything else is handed back at once: an answer (200, 401, 404 ...) as
// it is, any other failure as net/http returned it. A request is sent
// again only when its body can be: none, or one of a known length of up
// to 4 MiB, kept from the first attempt. A longer or streamed body is sent
// once; the operation it belongs to may start over instead
// ([Transport.Restartable] says whether, and after how long).
//
// # Waits and limits
//
// The wait after attempt n is 200 ms doubled n-1 times, at most 5 s, moved
// at random by up to ±25%. When the answer carries a longer Retry-After,
// in seconds or as an HTTP date, that is the wait, capped at 60 s. One
// request gets at most 10 attempts (about 26 s of backoff) and 2 minutes,
// its waits included: an attempt whose wait would pass either is the
// last. A wait of a second or more is logged as a warning, a shorter one
// at debug level. A request whose context ends (an interrupt, --timeout)
// stops waiting at once, and its error is handed back as it is. Each
// limit is a field of [Options] or [Policy]; a zero field is the default
// given here.
//
// # Stalls and the run's deadline
//
// Each attempt has a watchdog, and a context of its own that the watchdog
// cancels (closing the connection) when no byte has moved for the idle
// limit: it counts while the transport holds body bytes it was handed to
// send and has not asked for more, and while a read of the answer's body
// waits, not while the caller is slow to read, nor while the answer's
// headers are awaited (that is the header timeout). A stall is retried as
// a reset. An answer's body handed on (one too large to read whole, or
// not read here) stays watched; when it stalls, the read fails with a
// [RetryError] naming the request, and the operation may start over
// ([Transport.Restartable]).
//
// The idle limit does not see an answer whose body trickles in, a byte
// every few seconds. So an answer that is not a blob's (a manifest, a tag
// list, referrers, a token; a blob is a path with /blobs/, or a redirect
// from one) must be whole within the request's budget, 2 minutes from its
// first attempt ([Policy].Budget): past it the read fails with a
// [BodyTimeoutError] naming the request, which is not retried. A blob may
// take its time on a slow link; the idle limit and the run's deadline
// bound it.
//
// A request cut by its context's deadline (--timeout) while in flight,
// from RoundTrip until its answer's body is read or closed, fails with a
// [DeadlineError] naming it and [Options].Timeout: "timed out (--timeout
// 2s) during GET reg:5000/v2/app/manifests/1.0". A request tried after
// the deadline passed fails with the context's error as it is.
//
// # The watchdog's states
//
// An attempt's watchdog (watch.go) is in one state at a time. Two of
// them count down the idle limit, from the event that entered them.
// Beside them, once the headers of an answer that is not a blob's came,
// a timer waits for the end of the request's budget.
//
//	state     event                                   next      what is done
//	--------  --------------------------------------  --------  ---------------------------------------
//	sending   the transport takes body bytes to send  holding   the countdown starts
//	holding   it asks for more, having sent them      sending   the countdown stops
//	sending,  the answer's headers come               answered  the countdown stops; the request's
//	holding                                                     body counts no more
//	answered  a read of the answer's body starts      reading   the countdown starts
//	reading   the read returns                        answered  the countdown stops
//	holding,  the countdown ends                      fired     the attempt is cancelled: an IdleError,
//	reading                                                     retried as a reset
//	any but   the budget runs out (an answer that     late      the attempt is cancelled: a
//	fired     is not a blob's)                                  BodyTimeoutError, not retried
//	any       the attempt ends: its answer was read,  ended     the timers stop, the attempt's context
//	          closed, refused or dropped                        is released; nothing starts a countdown
//
// The wait for the answer's headers is the header timeout's, not the
// watchdog's.
//
// # Answers have size limits
//
// A manifest answer (to a GET or HEAD of /manifests/) larger than
// [Options].MaxManifestSize (4 MiB, as Distribution and containerd;
// --max-manifest-size) is a [SizeError], not retried: at once,
// its body unread, when its Content-Length says so; once more than the
// limit was read when its length is not said (the bytes past the limit
// are not handed on). Any other answer that is not a blob's (a tag list,
// referrers, a token) is held to 32 MiB the same way, an
// [SizeError]: regclient reads those whole, without a limit. A
// registry that answers a gigabyte costs a few reads.
//
// # Hosts that do not answer
//
//   - A host that has not answered in this run, and that refuses the
//     connection or cannot be connected to on the first attempt, is said
//     at once: a wrong address, or a registry not started.
//   - A host that has not answered, and that closes the connection
//     without an HTTP answer on a second attempt of a request as on an
//     earlier one, is a [NoAnswerError]: something listens there that does
//     not speak HTTP back (a TLS port asked in plain HTTP). Once is
//     retried: a registry going down is met that way too.
//   - A request whose body could be sent again, and that ran out of
//     attempts or time failing to connect, makes the transport give up on
//     its host: every later request to it is tried once, and when that
//     cannot connect either it is a [RetryError] whose Prior is the
//     request that gave up. An answer from the host takes it back.
//
// # TLS, per host
//
// Each host (host:port, as in its URLs) gets its own connections and TLS
// settings, made on first use: TLS 1.2 at least, the certificate verified
// against the system roots, the certificates of [Options].CA (--ca-file,
// trusted for every host: a token server may sit on another host than
// its registry) and Docker's <certs.d>/<host>/*.crt (certs.d is
// /etc/docker/certs.d; the directory of a host on port 443 is named
// without the port), and the client certificates <certs.d>/<host>/NAME.cert
// with their keys NAME.key presented. A host named in [Options].Insecure
// is not verified (its client certificates are still presented). A
// redirect to another host, such as a blob store, is that host's: its own
// certs.d, not the settings of the registry that redirected. A file that
// cannot be read or used is a warning, and left out.
//
// # Credentials and redirects
//
// A request that follows a redirect to another origin (scheme, host and
// port, the default ports 80 and 443 written or not) than the first
// request of its chain is sent without its Authorization and Cookie
// headers, from a copy: a blob store on another host or port gets the
// signed URL it handed out, not the registry's credentials. A redirect
// within the origin, or back to it, keeps them. net/http would copy them
// to any host of the same name, whatever the port (redirect.go says why
// this is here).
//
// # Plain HTTP only where it was named
//
// A request in plain HTTP (an http:// URL) is sent only to a host named
// in [Options].PlainHTTP (--plain-http, --plain-http-registry; a host
// without a port is on port 80), or to an origin that an answer received
// in plain HTTP named (a plain registry's redirect, upload Location, Link
// or token realm: nothing is taken down from HTTPS then). Any other is
// refused before a byte is sent, whoever built it (regclient, for an
// upload's Location, a declined mount's, a PATCH's, a list's next page; a
// redirect), with a [PlainHTTPError] that names the URL without its
// query, the HTTPS registry whose answer named it when one did, and the
// --plain-http-registry that would allow it. An HTTPS registry behind a
// proxy that does not forward the scheme answers "Location: http://…" on
// its own host; its blobs and credentials do not go out in clear text
// (plain.go says why this is here). A token realm in plain HTTP named by
// an HTTPS registry is refused by regclient, and [Cause] says so. What
// the transport notes of answers is bounded: 256 origins, and 16 realms
// for each of 256 hosts that challenged; a refusal that a full record
// decided says so.
//
// # Tokens are secrets
//
// Each token answer read whole (a JSON object with a "token",
// "access_token" or "refresh_token" string at its top) from a token
// endpoint that a Bearer challenge named (its realm: origin and path, any
// query) has its tokens told to [Options].Secrets before it is handed on,
// so that a scrubber hides them from then on (tokens.go says why). Any
// other answer, whatever its keys (a tag list, a referrers list, /v2/, a
// manifest, a blob), is no token answer: a registry cannot make a text
// of its choosing a secret to be blotted out of what the run shows.
//
// # Why the transport owns TLS
//
// regclient has TLS settings of its own (per host: insecure, a registry
// certificate, a client certificate and key; for every host: root CAs and
// certificate directories), but it applies them only to a plain
// *http.Transport. In v0.11.7, internal/reghttp/http.go, (*Client).getHost
// (lines 767-810) gives each host a shallow copy of the http.Client it was
// handed, a clone of http.DefaultTransport when that client has no
// Transport; then, when one of those settings is present, it type-asserts
// the Transport to *http.Transport and, only if that holds, clones or
// makes its TLSClientConfig, sets InsecureSkipVerify, RootCAs and
// Certificates in it and stores it back into that *http.Transport; with
// any other RoundTripper the block is skipped, without an error or a log
// line. This transport is a RoundTripper that wraps http.Transports to
// retry, so regclient's TLS settings would be dropped in silence; and a
// plain *http.Transport handed in is shared by the copies of every host,
// so the settings written for one host would hold for all. Hence TLS is
// set here, per host, and regclient is given none of it (plain HTTP stays
// regclient's: it is a scheme, chosen per host).
//
// # Errors
//
// The error types are in types.go. A request that fails after retries is a [RetryError]: method, host,
// path, the status or the cause in a few words, and the attempts made
// ("PUT reg:5000/v2/app/manifests/1.0: 503 Service Unavailable (5
// attempts)"); its Wait says how long to wait before starting over. A
// host that speaks no HTTP is a [NoAnswerError]; a request the deadline
// cut, a [DeadlineError]. [Cause] says any error of
// a registry request in plain words with the way out when one is known
// ("connection refused by reg:5000 (is the registry running, and is the
// address right?)"), naming the host that failed: the registry, a host it
// redirected the request to ("a redirect target of reg:5000"), or its
// token server ("the realm of reg:5000"), whose failures regclient wraps
// as unauthorized. Its rules are a list in cause.go, in order, the first
// that holds saying the failure; what a registry's error answer says is
// cut at 100 bytes. [LimitCause] says an answer one of the limits above
// refused; [LayoutCause] says an OCI layout's failure, naming its
// directory. [Unanswered] says whether a request got no answer at all.
// [Redact] and [RedactURL] make a text safe to show: no query strings, no
// user info in URLs, no credentials.
package transport
