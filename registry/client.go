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
	"github.com/regclient/regclient/types/platform"
	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// Client talks to registries (and OCI layouts) on behalf of one run. It is
// safe for concurrent use.
type Client struct {
	rc          *regclient.RegClient
	rcOpts      []regclient.Opt // how rc was made, less its logger (for probe)
	tr          *transport.Transport
	log         *logrus.Logger
	concurrency int
	maxEntries  int               // index entries Fetch walks in all
	maxWalkSize int64             // bytes of manifests Fetch reads below the top, in all
	creds       map[string]string // host -> whose credentials (for messages), "" for none
	secrets     *secretList       // passwords and tokens, never to be shown
	progress    func(BlobEvent)
	manifests   memo[rcmanifest.Manifest]
	configs     memo[platform.Platform]
	copies      memo[manifest.How] // target repository@digest -> how the member got there
	// mountDeclined holds the registries that answered a mount with an
	// upload (202) in this run
	mountDeclined sync.Map

	referrerLimits  ReferrerLimits
	referrerLists   memo[listing] // repository@digest -> its referrers
	referrersBroken sync.Map      // repository -> what its referrers API did wrong
	referrerMu      sync.Mutex
	referrersListed int // referrers listed so far in the run
	maxManifest     int64
	layouts         memo[bool] // layout path -> checked ([Client.checkLayout])
	// layoutTurns holds, per layout directory written in this run, a
	// channel of one slot that its writers take turns on
	layoutTurns sync.Map
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

// WithDockerConfig names the Docker config to read credentials from: a
// directory holding config.json, or a file. Without it the Client reads
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json; a missing default
// file means anonymous access, while a path given here must exist.
func WithDockerConfig(path string) Option { return func(s *clientOptions) { s.dockerCfg = path } }

// WithCredentials uses user and pass for one registry host instead of
// what the Docker config holds for it; no other host is sent them (a run
// that pushes to several registries names the one they are for).
func WithCredentials(user, pass, host string) Option {
	return func(s *clientOptions) { s.user, s.pass, s.credHost = user, pass, host }
}

// WithCAFile trusts the CA certificates (PEM) in file, besides the system
// roots and /etc/docker/certs.d/<host>/ (more trust, for every host: a
// token server may sit on another host than its registry).
func WithCAFile(file string) Option {
	return func(s *clientOptions) { s.caFile = file }
}

// WithPlainHTTP lets the Client speak plain HTTP to these hosts, and only
// to these.
func WithPlainHTTP(hosts ...string) Option {
	return func(s *clientOptions) { s.plainHTTP = append(s.plainHTTP, hosts...) }
}

// WithInsecure skips TLS certificate verification for these hosts, and only
// for these.
func WithInsecure(hosts ...string) Option {
	return func(s *clientOptions) { s.insecure = append(s.insecure, hosts...) }
}

// WithLogger makes the Client log what it does (at Info) and each registry
// request (at Debug). Without it the Client is silent.
func WithLogger(l *logrus.Logger) Option { return func(s *clientOptions) { s.log = l } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(s *clientOptions) { s.userAgent = ua } }

// WithConcurrency bounds how many members are resolved or copied at once,
// and how many requests go to one registry at once (DefaultConcurrency).
func WithConcurrency(n int) Option { return func(s *clientOptions) { s.concurrency = n } }

// WithHosts names the registries a run talks to. New finds the credentials
// of each at once, the way Docker does (credHelpers, then auths, then the
// credsStore), so that every secret is known, to be scrubbed, before the
// first request; a host not named here is reached with what auths holds for
// it, or anonymously.
func WithHosts(hosts ...string) Option {
	return func(s *clientOptions) { s.hosts = append(s.hosts, hosts...) }
}

// WithScrubber has s told of every secret given to the run (passwords,
// identity tokens, what credential helpers return) as soon as New knows
// it, before it logs a line or sends a request ([Scrubber.Secret]), and
// of each token a token server hands out, before regclient gets it
// ([Scrubber.Token]); [Client.Secrets] lists them all afterwards.
func WithScrubber(s *Scrubber) Option { return func(o *clientOptions) { o.scrub = s } }

// WithIdleTimeout fails a request on which no byte moved for d, sending
// its body or reading its answer's (default 60s; d <= 0 keeps the
// default): a registry that stopped reading an upload, or sent the
// headers and then no more. It is retried as a connection reset, and the
// final error names method, host and path ([RetryError]).
func WithIdleTimeout(d time.Duration) Option { return func(s *clientOptions) { s.idle = d } }

// WithTimeLimit tells the Client the time limit the contexts it is handed
// carry (--timeout), so that a request cut by it says so: "timed out
// (--timeout 2s) during GET reg:5000/v2/app/manifests/1.0"
// ([DeadlineError]). The contexts enforce the limit, not the Client.
func WithTimeLimit(d time.Duration) Option { return func(s *clientOptions) { s.timeLimit = d } }

// DefaultMaxManifestSize is the largest manifest a Client takes from a
// registry unless [WithMaxManifestSize] says otherwise: 4 MiB, the limit
// of Distribution and containerd.
const DefaultMaxManifestSize = transport.DefaultMaxManifestSize

// WithMaxManifestSize refuses a manifest larger than n bytes from a
// registry (n <= 0 keeps [DefaultMaxManifestSize]): before its body is
// read when its Content-Length says so, once more than n was read when it
// does not, with an error naming the request, the limit and
// --max-manifest-size. A registry that serves a gigabyte as a manifest
// costs nothing then. A limit above 4 MiB also lets the Client write back
// a manifest that large (an index edited or appended to).
func WithMaxManifestSize(n int64) Option { return func(s *clientOptions) { s.maxManifest = n } }

// DefaultConcurrency is how many members are resolved or copied at once,
// and how many requests go to one registry at once, unless WithConcurrency
// says otherwise. 16 is what the bench's hub mode (TLS, per-repository
// tokens, 30 ms away, members mounted from another repository) showed
// worth having: against 8 it takes a push of 16 members from 0.85 s to
// 0.72 s and of 64 from 2.2 s to 1.5 s; 32 gains another quarter at 64
// members for twice the requests in flight. Over HTTP/2 the requests share
// a connection or two (Go's client opens one per request of the first
// burst), well within the streams a registry offers one client.
const DefaultConcurrency = 16

// New creates a Client for a run under ctx. It reads the Docker config at
// once, so that a config that does not parse is an error naming the file,
// not a silent anonymous run, and asks credential helpers about the hosts
// of [WithHosts]: an interrupt, or the run's deadline, ends a helper
// (which has a minute at most).
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
	dcfg, err := loadDockerConfig(ctx, s.dockerCfg)
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
	rcOpts := []regclient.Opt{
		// hosts met later (not in the Docker config, no override) get the
		// same request bound; TLS stays verified for them
		regclient.WithConfigHostDefault(config.Host{ReqConcurrent: int64(s.concurrency)}),
		regclient.WithConfigHost(hosts...),
		// our transport retries; regclient's own retry would multiply ours
		regclient.WithRegOpts(reg.WithHTTPClient(&http.Client{Transport: tr}), reg.WithRetryLimit(1),
			reg.WithDelay(10*time.Millisecond, 200*time.Millisecond),
			// the transport's manifest limit speaks first; regclient's own
			// follow it, so that a raised one holds: to read, the same (its
			// 8 MiB would cap it), to write, its 4 MiB or the raised limit
			reg.WithManifestMax(max(s.maxManifest, DefaultMaxManifestSize), s.maxManifest)),
	}
	if s.userAgent != "" {
		rcOpts = append(rcOpts, regclient.WithUserAgent(s.userAgent))
	}
	tokens.keep(secrets...) // told already; listed by Secrets
	c := &Client{rcOpts: rcOpts, tr: tr, log: log, concurrency: s.concurrency, maxEntries: s.maxEntries, maxWalkSize: s.maxWalkSize, creds: creds, secrets: tokens, progress: s.progress, referrerLimits: lim, maxManifest: s.maxManifest}
	c.rc = c.newRegClient(&logHandler{log: log})
	return c, nil
}

// transportOptions are the settings of the Client's transport: TLS per
// host (package transport says why it is the transport's), the hosts
// spoken to in plain HTTP and no other, the limits, where tokens go.
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

// hostsFromConfig is what regclient is told of each host: the Docker
// config's auths; plain HTTP, a scheme regclient chooses per host;
// --username for its host; and for each host the run names, what Docker
// would send it (credHelpers, then auths, then the credsStore). It also
// says whose credentials each host gets, for messages, and lists every
// secret, each told to the scrubber before it can be logged.
func hostsFromConfig(ctx context.Context, s clientOptions, dcfg dockerConfig, log *logrus.Logger) ([]config.Host, map[string]string, []string, error) {
	creds := map[string]string{}
	var secrets []string
	var hosts hostList
	for key, a := range dcfg.Auths {
		c := a.credential()
		if !c.secret() || !config.HostValidate(key) {
			continue
		}
		h := config.HostNewName(key)
		h.User, h.Pass, h.Token = c.User, c.Pass, c.Token
		hosts = append(hosts, *h)
		creds[h.Name] = c.describe(h.Name)
		secrets = append(secrets, c.secrets()...)
	}
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
		}
	}
	for _, name := range s.hosts {
		key := config.HostNewName(name).Name
		if overridden[key] {
			continue
		}
		overridden[key] = true
		c, err := dcfg.lookup(ctx, name, runHelper)
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
	}
	for i := range hosts {
		hosts[i].ReqConcurrent = int64(s.concurrency)
	}
	return hosts, creds, secrets, nil
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

// newRegClient makes a regclient with the Client's settings, logging to h
// (the logger comes first, so that loading the settings logs there too).
func (c *Client) newRegClient(h slog.Handler, extra ...regclient.Opt) *regclient.RegClient {
	opts := append([]regclient.Opt{regclient.WithSlog(slog.New(h))}, c.rcOpts...)
	return regclient.New(append(opts, extra...)...)
}

// Secrets lists the passwords and tokens the Client was given (and the
// basic-auth encodings of them), and the tokens token servers handed it
// so far, so that a caller can make sure none is ever shown.
func (c *Client) Secrets() []string { return c.secrets.list() }

// secretList gathers a Client's secrets as they become known, and tells
// each new token to the [WithScrubber] Scrubber.
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
