package registry

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/regclient/regclient"
	"github.com/regclient/regclient/config"
	"github.com/regclient/regclient/scheme/reg"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// Client talks to registries (and OCI layouts) on behalf of one run. It is
// safe for concurrent use.
type Client struct {
	rc     *regclient.RegClient
	rcOpts []regclient.Opt // how rc was made, less its logger (for probe)
	// rc with a token per repository, for registries that narrow tokens
	// (tokens.go), and those registries' hosts, once logged
	rcRepo      *regclient.RegClient
	repoTokens  sync.Map
	tr          *transport.Transport
	log         *logrus.Logger
	concurrency int
	maxEntries  int               // index entries Fetch walks in all
	maxWalkSize int64             // bytes of manifests Fetch reads below the top, in all
	creds       map[string]string // host -> whose credentials (for messages), "" for none
	secrets     *secretList       // passwords and tokens, never to be shown
	progress    func(BlobEvent)
	manifests   memo[rcmanifest.Manifest]
	configs     memo[imageConfig]  // repository@digest -> what the run uses of an image config
	copies      memo[manifest.How] // target repository@digest -> how the member got there
	// member tag -> the digest it pointed at when resolved (--untag-members)
	resolvedTags sync.Map
	// registries that answered a mount with an upload (202) in this run
	mountDeclined sync.Map
	// per registry host, closed when the first call to it ends (burst.go)
	burstMu    sync.Mutex
	firstCalls map[string]chan struct{}
	blobBytes  blobBudget // small blobs held whole while copied (smallblob.go)

	referrerLimits  ReferrerLimits
	referrerLists   memo[listing] // repository@digest -> its referrers
	referrersBroken sync.Map      // repository -> what its referrers API did wrong
	referrerMu      sync.Mutex
	referrersListed int // referrers listed so far in the run
	maxManifest     int64
	layouts         memo[bool] // layout path -> checked ([Client.checkLayout])
	layoutTurns     sync.Map   // layout directory -> a one-slot channel its writers take turns on
}

type clientOptions struct {
	dockerCfg      string
	caFile         string
	user, pass     string
	credHost       string
	hosts          []string
	plainHTTP      []string
	insecure       []string
	log            *logrus.Logger
	userAgent      string
	concurrency    int
	idle           time.Duration
	timeLimit      time.Duration
	maxManifest    int64
	maxEntries     int
	maxWalkSize    int64
	referrerLimits ReferrerLimits
	progress       func(BlobEvent)
	scrub          *Scrubber
}

// Option configures a Client.
type Option func(*clientOptions)

// WithDockerConfig names the Docker config (a directory or a file), which
// must exist; the default, $DOCKER_CONFIG or ~/.docker, may be missing.
func WithDockerConfig(path string) Option { return func(s *clientOptions) { s.dockerCfg = path } }

// WithCredentials uses user and pass for host, and no other host, instead
// of the Docker config's.
func WithCredentials(user, pass, host string) Option {
	return func(s *clientOptions) { s.user, s.pass, s.credHost = user, pass, host }
}

// WithCAFile trusts the CA certificates (PEM) in file too, for every host
// (a token server may sit on another host than its registry).
func WithCAFile(file string) Option {
	return func(s *clientOptions) { s.caFile = file }
}

// WithPlainHTTP allows plain HTTP to these hosts only.
func WithPlainHTTP(hosts ...string) Option {
	return func(s *clientOptions) { s.plainHTTP = append(s.plainHTTP, hosts...) }
}

// WithInsecure skips TLS certificate verification for these hosts only.
func WithInsecure(hosts ...string) Option {
	return func(s *clientOptions) { s.insecure = append(s.insecure, hosts...) }
}

// WithLogger logs what the Client does (Info) and each request (Debug).
func WithLogger(l *logrus.Logger) Option { return func(s *clientOptions) { s.log = l } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(s *clientOptions) { s.userAgent = ua } }

// WithConcurrency overrides [DefaultConcurrency].
func WithConcurrency(n int) Option { return func(s *clientOptions) { s.concurrency = n } }

// WithHosts names the registries a run talks to, whose credentials New
// finds at once as Docker does, so that every secret is known, to be
// scrubbed, before the first request.
func WithHosts(hosts ...string) Option {
	return func(s *clientOptions) { s.hosts = append(s.hosts, hosts...) }
}

// WithScrubber tells s every secret of the run before it can be shown:
// those given, at New ([Scrubber.Secret]), and each token handed out,
// before regclient gets it ([Scrubber.Token]).
func WithScrubber(s *Scrubber) Option { return func(o *clientOptions) { o.scrub = s } }

// WithIdleTimeout fails, and retries, a request on which no byte moved
// for d (default 60s; d <= 0 keeps it).
func WithIdleTimeout(d time.Duration) Option { return func(s *clientOptions) { s.idle = d } }

// WithTimeLimit tells the Client the --timeout its contexts carry, for
// the errors of the requests it cuts ([DeadlineError]).
func WithTimeLimit(d time.Duration) Option { return func(s *clientOptions) { s.timeLimit = d } }

// DefaultMaxManifestSize is 4 MiB, the limit of Distribution and containerd.
const DefaultMaxManifestSize = transport.DefaultMaxManifestSize

// WithMaxManifestSize refuses a manifest over n bytes from a registry,
// before reading past n (n <= 0 keeps [DefaultMaxManifestSize]); a larger
// n also allows writing one that large.
func WithMaxManifestSize(n int64) Option { return func(s *clientOptions) { s.maxManifest = n } }

// DefaultConcurrency is how many members are resolved or copied at once,
// and requests sent to one registry at once. In the bench's hub mode 16
// against 8 takes a push of 64 members from 2.2 s to 1.5 s; 32 gains a
// quarter more for twice the requests in flight.
const DefaultConcurrency = 16

// New creates a Client for a run under ctx. It reads the Docker config at
// once, so that a broken one is an error, not an anonymous run, and asks
// credential helpers about the hosts of [WithHosts].
func New(ctx context.Context, opts ...Option) (*Client, error) {
	s := clientOptions{concurrency: DefaultConcurrency}
	for _, o := range opts {
		o(&s)
	}
	// a limit of 0 or below keeps its default
	s.concurrency = max(s.concurrency, 1)
	s.maxManifest = cmp.Or(max(s.maxManifest, 0), DefaultMaxManifestSize)
	s.maxEntries = cmp.Or(max(s.maxEntries, 0), DefaultMaxEntries)
	s.maxWalkSize = cmp.Or(max(s.maxWalkSize, 0), DefaultMaxWalkSize)
	rl, def := s.referrerLimits, DefaultReferrerLimits
	lim := ReferrerLimits{
		PerSubject: cmp.Or(max(rl.PerSubject, 0), def.PerSubject),
		Depth:      cmp.Or(max(rl.Depth, 0), def.Depth),
		Total:      cmp.Or(max(rl.Total, 0), def.Total),
	}
	if s.scrub == nil {
		s.scrub = &Scrubber{}
	}
	log := s.log
	if log == nil {
		log = logrus.New()
		log.SetOutput(io.Discard)
	}
	dcfg, err := loadCredSources(ctx, s.dockerCfg)
	if err != nil {
		return nil, err
	}
	// tokens handed out by token servers are secrets too, told as they come
	tokens := &secretList{tell: s.scrub.Token}
	topts, err := transportOptions(ctx, s, log, tokens)
	if err != nil {
		return nil, err
	}
	tr := transport.New(topts)
	hosts, creds, secrets, err := hostsFromConfig(ctx, s, dcfg, log)
	if err != nil {
		return nil, err
	}
	common := []regclient.Opt{
		// our transport retries; regclient's own retry would multiply ours
		regclient.WithRegOpts(reg.WithHTTPClient(&http.Client{Transport: tr}), reg.WithRetryLimit(1),
			reg.WithDelay(10*time.Millisecond, 200*time.Millisecond),
			// regclient's limits follow ours, so that a raised one holds
			reg.WithManifestMax(max(s.maxManifest, DefaultMaxManifestSize), s.maxManifest)),
	}
	if s.userAgent != "" {
		common = append(common, regclient.WithUserAgent(s.userAgent))
	}
	rcOpts := append([]regclient.Opt{
		// hosts met later get the same request bound
		regclient.WithConfigHostDefault(config.Host{ReqConcurrent: int64(s.concurrency)}),
		regclient.WithConfigHost(hosts...),
	}, common...)
	repoOpts := append([]regclient.Opt{
		regclient.WithConfigHostDefault(config.Host{ReqConcurrent: int64(s.concurrency), RepoAuth: true}),
		regclient.WithConfigHost(repoAuthHosts(hosts)...),
	}, common...)
	tokens.keep(secrets...) // told already; listed by Secrets
	c := &Client{rcOpts: rcOpts, tr: tr, log: log, concurrency: s.concurrency, maxEntries: s.maxEntries, maxWalkSize: s.maxWalkSize, creds: creds, secrets: tokens, progress: s.progress, referrerLimits: lim, maxManifest: s.maxManifest}
	c.rc = c.newRegClient(&logHandler{log: log})
	c.rcRepo = regclient.New(append([]regclient.Opt{regclient.WithSlog(slog.New(&logHandler{log: log}))}, repoOpts...)...)
	return c, nil
}

// transportOptions are the settings of the Client's transport.
func transportOptions(ctx context.Context, s clientOptions, log *logrus.Logger, tokens *secretList) (transport.Options, error) {
	topts := transport.Options{Log: log, IdleTimeout: s.idle, Timeout: s.timeLimit, MaxManifestSize: s.maxManifest, Secrets: tokens.add}
	for _, h := range s.insecure {
		topts.Insecure = append(topts.Insecure, config.HostNewName(h).Hostname) // docker.io is registry-1.docker.io
	}
	for _, h := range s.plainHTTP {
		// and no other host: the transport refuses any other http:// URL
		topts.PlainHTTP = append(topts.PlainHTTP, config.HostNewName(h).Hostname)
	}
	if s.caFile != "" {
		ca, err := readCAFile(ctx, s.caFile)
		if err != nil {
			return transport.Options{}, err
		}
		topts.CA = []byte(ca)
	}
	return topts, nil
}

// hostsFromConfig is what regclient is told of each host (auths, plain
// HTTP, --username, and what Docker would send each host the run names),
// whose credentials each host gets, for messages, and every secret, each
// told to the scrubber before it can be logged. A host's credentials come
// from the first source that has some ([credSources]); --debug says which.
func hostsFromConfig(ctx context.Context, s clientOptions, dcfg credSources, log *logrus.Logger) ([]config.Host, map[string]string, []string, error) {
	creds := map[string]string{}
	hosts, secrets := authHosts(dcfg, creds)
	s.scrub.Secret(secrets...)
	for _, h := range s.plainHTTP {
		hosts.set(h, func(h *config.Host) { h.TLS = config.TLSDisabled })
	}
	overridden := map[string]bool{}
	if s.user != "" || s.pass != "" {
		given := credential{User: s.user, Pass: s.pass}.secrets()
		secrets = append(secrets, given...)
		s.scrub.Secret(given...)
		if name := s.credHost; name != "" {
			hosts.set(name, func(h *config.Host) { h.User, h.Pass, h.Token, h.CredHelper = s.user, s.pass, "", "" })
			overridden[config.HostNewName(name).Name] = true
			creds[config.HostNewName(name).Name] = fmt.Sprintf("as user %q", s.user)
			log.Debugf("credentials for %s from --username", name)
		}
	}
	for _, name := range s.hosts {
		key := config.HostNewName(name).Name
		if overridden[key] {
			continue
		}
		overridden[key] = true
		c, from, err := dcfg.lookup(ctx, name, runHelper)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("credentials for %s: %w", name, err)
		}
		hosts.set(name, func(h *config.Host) { h.User, h.Pass, h.Token, h.CredHelper = c.User, c.Pass, c.Token, "" })
		creds[key] = c.describe(name)
		secrets = append(secrets, c.secrets()...)
		s.scrub.Secret(c.secrets()...)
		for _, line := range c.Stderr {
			log.Debugf("credential helper: %s", line)
		}
		if from != "" {
			log.Debugf("credentials for %s from %s", name, from)
		} else {
			log.Debugf("no credentials for %s in any source (%s)", name, dcfg.names())
		}
	}
	for i := range hosts {
		hosts[i].ReqConcurrent = int64(s.concurrency)
	}
	return hosts, creds, secrets, nil
}

// authHosts are the hosts the sources' auths entries give credentials,
// each from the first source that names it, and every secret of every
// entry, so that none can be shown, used or not.
func authHosts(dcfg credSources, creds map[string]string) (hostList, []string) {
	var hosts hostList
	var secrets []string
	taken := map[string]bool{} // hosts a higher source gave
	for _, src := range dcfg {
		mine := map[string]bool{}
		for key, a := range src.cfg.Auths {
			c := a.credential()
			secrets = append(secrets, c.secrets()...)
			if !c.secret() || !config.HostValidate(key) {
				continue
			}
			h := config.HostNewName(key)
			if taken[h.Name] {
				continue
			}
			mine[h.Name] = true
			h.User, h.Pass, h.Token = c.User, c.Pass, c.Token
			hosts = append(hosts, *h)
			creds[h.Name] = c.describe(h.Name)
		}
		for name := range mine {
			taken[name] = true
		}
	}
	return hosts, secrets
}

// hostList is what regclient is told of each host.
type hostList []config.Host

// set applies an override to every entry of a host (a Docker config may
// name one registry under several keys), or to a new one.
func (l *hostList) set(name string, override func(*config.Host)) {
	found := false
	for i := range *l {
		if (*l)[i].Name == name {
			override(&(*l)[i])
			found = true
		}
	}
	if !found {
		*l = append(*l, *config.HostNewName(name))
		override(&(*l)[len(*l)-1])
	}
}

// newRegClient makes a regclient with the Client's settings, logging to h.
func (c *Client) newRegClient(h slog.Handler, extra ...regclient.Opt) *regclient.RegClient {
	opts := append([]regclient.Opt{regclient.WithSlog(slog.New(h))}, c.rcOpts...)
	return regclient.New(append(opts, extra...)...)
}

// Secrets lists the secrets the Client was given or handed so far, so
// that a caller can make sure none is ever shown.
func (c *Client) Secrets() []string { return c.secrets.list() }

// secretList gathers a Client's secrets, telling each new token to tell.
type secretList struct {
	tell func(...string)
	mu   sync.Mutex
	all  []string
}

func (l *secretList) add(secrets ...string) {
	l.keep(secrets...)
	if l.tell != nil {
		l.tell(secrets...)
	}
}

// keep adds secrets without telling them.
func (l *secretList) keep(secrets ...string) {
	l.mu.Lock()
	l.all = append(l.all, secrets...)
	l.mu.Unlock()
}

func (l *secretList) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.all)
}
