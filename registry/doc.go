// Package registry is the only part of manifest-tool that talks to
// registries (and to OCI layouts on disk). It wraps regclient, which does
// the protocol: references, token and basic auth, the Docker config and
// its credential helpers, blob mounts and digest checks. Under regclient,
// every request goes through the tool's own transport (package
// registry/internal/transport), which retries what is transient (429 with
// Retry-After, 5xx including 503, resets, cut answers), gives each host its
// own TLS settings, and says at once when a host cannot be reached
// ([RetryError], [NoAnswerError]).
//
// A [Client] is made once per run with [New]. Its options decide which
// registries are spoken to over plain HTTP ([WithPlainHTTP]) or without TLS
// verification ([WithInsecure]): exactly the hosts named, no other.
// Credentials come from the Docker config ([WithDockerConfig]), or from
// [WithCredentials] for named hosts.
//
// The job runs in one direction:
//
//	results, err := client.Publish(ctx, specs, registry.PublishOptions{Type: manifest.OCI})
//
// [Client.Publish] resolves every member of every spec ([Client.Resolve]:
// one manifest GET per member, plus one config GET for an image), builds and
// validates every index (package manifest), and only then writes, after
// reading every tag once (a target that cannot be reached fails before
// anything is written): members missing from the target repository, the
// index with the target's tag, then the extra tags. A tag already pointing
// at the index is left alone.
//
// [Client.Probe] tells what a registry supports, with the checks of
// package probe run on a regclient client of its own that records every
// exchange.
//
// Errors name the spec entry ([EntryError]) and the operation and reference
// ([OpError]) and say the cause in plain words, with the way out when one
// is known ("connection refused by reg:5000 (is the registry running...)").
// A member that does not exist matches [ErrMissing]; an unreadable Docker
// config matches [ErrConfig].
package registry
