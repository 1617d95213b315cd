// Package registry is the only part of manifest-tool that talks to
// registries (and to OCI layouts on disk): it fetches, copies and writes,
// and leaves every decision about manifests to package manifest. It wraps
// regclient, which does the protocol: references, token and basic auth,
// the Docker config and its credential helpers, blob mounts and digest
// checks.
//
// # The client
//
// A [Client] is made once per run with [New]. Its options decide which
// registries are spoken to over plain HTTP ([WithPlainHTTP]) or without TLS
// verification ([WithInsecure]): exactly the hosts named, no other.
// Credentials come from the Docker config ([WithDockerConfig]), or from
// [WithCredentials] for one named host; a [Scrubber] ([WithScrubber]) is
// told every secret and every token learnt, and [Client.Secrets] lists what
// must never be shown. No request goes out in plain HTTP to a host not
// named with [WithPlainHTTP], whoever built its URL (an HTTPS registry's
// upload Location http://… is refused). A Client reads nothing twice in a run: a manifest, a config
// platform and a member copied into a repository are each remembered.
//
// # Publishing
//
// The job runs in one direction:
//
//	results, err := client.Publish(ctx, specs, registry.PublishOptions{Type: manifest.OCI})
//
// [Client.Publish] checks what the specs alone show ([manifest.Precheck]),
// resolves every member of every spec ([Client.Resolve]: one manifest GET
// per member, plus one config GET for an image, or a GET by digest for each
// entry taken from an index), builds and validates every index, and only
// then writes, after reading every tag once (a target that cannot be
// reached fails before anything is written): members missing from the
// target repository (present, mounted from another repository of the
// registry, or copied, blob by blob, with [WithProgress] told of each), the
// index with the target's tag, then the extra tags. A tag already pointing
// at the index is left alone. For N members already in place and M extra
// tags that is 2N + 2(M + 1) requests.
//
// With PublishOptions.Append (--append) or Edit (edit), the index is not
// replaced but changed: the members are copied first, the target is read
// right before the PUT and merged ([manifest.Merge]), and after
// PublishOptions.Settle it is read again; a change another writer took
// back is merged and written again, after a jittered backoff, [MaxRounds]
// times at most ([manifest.Verify] tells a conflict apart). That is two
// GETs more than a push, and a PUT and two GETs per further round.
//
// # Reading
//
// [Client.Fetch] reads what inspect and platforms show, as deep as its
// [FetchDepth] says: the manifest alone (inspect --raw), what the
// platforms need (an image's config, nested indexes), or every entry's
// manifest too (inspect). Entries are read concurrently, level by level,
// each distinct manifest once however many entries name it (what a walk
// costs follows the distinct manifests, not the paths through them),
// nested indexes to a depth of 8 and at most [DefaultMaxEntries] index
// entries in all ([WithMaxEntries]); an entry that cannot be read is
// reported in the result rather than failing the rest. Bytes are kept as
// the registry served them, digest-checked.
//
// # Probing
//
// [Client.Probe] tells what a registry can do for multi-platform images,
// with the checks of package registry/probe, run on a regclient client of
// its own that records every exchange (challenges, upload requests,
// answer headers) and uploads in small chunks.
//
// # The transport
//
// Under regclient, every request goes through the tool's own
// http.RoundTripper (package registry/internal/transport): it retries what
// is transient (429 with Retry-After, 5xx including 503, resets, cut
// answers, stalls) with backoff, at most 10 attempts and 2 minutes a
// request; fails an attempt on which no byte moved for the idle limit
// ([WithIdleTimeout], 60s), sending its body or reading its answer's, as
// it fails one reset; says at once when a host never answered, and gives
// up on a host that stopped answering ([RetryError], [NoAnswerError]);
// names the request in flight when the caller's deadline passed
// ([DeadlineError], with the limit of [WithTimeLimit]); and gives each
// host its own TLS settings (certs.d, --ca-file, --insecure), which it
// must own because regclient applies its TLS settings only to a plain
// *http.Transport. A blob upload the transport cannot replay, or a blob
// read that stalls, starts over, up to 5 times.
//
// # Errors
//
// Errors name the spec entry at fault ([spec.Error], with its file:line)
// and the operation and reference ([OpError]), and say the cause in plain
// words, with the way out when one is known ("connection refused by
// reg:5000 (is the registry running...)"). A failure of the registry
// rather than of a member (credentials, a certificate, a host down) is
// reported once, with the number of members it hit. A member that does not
// exist matches [manifest.ErrMissing]; an unreadable Docker config or CA
// file matches [ErrConfig].
package registry
