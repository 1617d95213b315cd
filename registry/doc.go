// Package registry is the only part of manifest-tool that talks to
// registries (and to OCI layouts on disk): it fetches, copies and writes,
// and leaves every decision about manifests to package manifest. It wraps
// regclient, which does the protocol: references, token and basic auth,
// the Docker config and its credential helpers, blob mounts and digest
// checks.
//
// # The client
//
// A [Client] is made once per run with [New]. Plain HTTP ([WithPlainHTTP])
// and skipped TLS verification ([WithInsecure]) apply to exactly the hosts
// named: no request goes out in plain HTTP to another host, whoever built
// its URL. Credentials come from the Docker config ([WithDockerConfig]), or
// [WithCredentials] for one host; a [Scrubber] ([WithScrubber]) is told
// every secret and token, and [Client.Secrets] lists them. A Client reads
// nothing twice in a run.
//
// # Publishing
//
//	results, err := client.Publish(ctx, specs, registry.PublishOptions{Type: manifest.OCI})
//
// [Client.Publish] checks what the specs alone show ([manifest.Precheck]),
// resolves every member ([Client.Resolve]), builds and validates every
// index, reads every tag once (an unreachable target fails before anything
// is written), and only then writes: the members missing from the target
// repository (mounted or copied, [WithProgress] told of each blob), the
// index, then the extra tags. For N members in place and M extra tags that
// is 2N + 2(M + 1) requests.
//
// With PublishOptions.Append (--append) or Edit (edit), the target is read
// right before the PUT and merged ([manifest.Merge]), and read again after
// PublishOptions.Settle; a change another writer took back is merged and
// written again, [MaxRounds] times at most ([manifest.Verify]).
//
// # Reading
//
// [Client.Fetch] reads as deep as its [FetchDepth] says, concurrently,
// level by level, each distinct manifest once, nested indexes to a depth of
// 8 and at most [DefaultMaxEntries] entries in all ([WithMaxEntries]); an
// entry that cannot be read is reported in the result. Bytes are kept as
// the registry served them, digest-checked.
//
// # Probing
//
// [Client.Probe] runs the checks of package registry/probe on a regclient
// client of its own that records every exchange.
//
// # The transport
//
// Every request goes through the tool's own http.RoundTripper (package
// registry/internal/transport): it retries what is transient with backoff
// (at most 10 attempts and 2 minutes a request), fails an attempt idle for
// [WithIdleTimeout], gives up on a host that stopped answering
// ([RetryError], [NoAnswerError]), names the request cut by the deadline
// ([DeadlineError]), and gives each host its own TLS settings, which
// regclient applies only to a plain *http.Transport.
//
// # Errors
//
// Errors name the spec entry at fault ([spec.Error]), the operation and
// reference ([OpError]), the cause in plain words and the way out when
// known. A failure of the registry rather than of a member is reported
// once, with the number of members it hit. A missing member matches
// [manifest.ErrMissing]; an unreadable Docker config or CA file,
// [ErrConfig].
package registry
