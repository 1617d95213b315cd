package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/regclient/regclient/config"
)

// This file finds credentials the way Docker does. regclient asks a
// credsStore only about the hosts its `list` returns (ecr-login lists none
// until it has a token), and passes helpers' stderr on unscrubbed.

// dockerConfig is what a Docker config.json says about credentials.
type dockerConfig struct {
	Auths       map[string]dockerAuth `json:"auths"`
	CredHelpers map[string]string     `json:"credHelpers"`
	CredsStore  string                `json:"credsStore"`
}

// dockerAuth is one entry of auths.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

// credential is what the entry holds.
func (a dockerAuth) credential() credential {
	c := credential{User: a.Username, Pass: a.Password, Token: a.IdentityToken}
	if a.Auth != "" {
		if dec, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
			c.User, c.Pass, _ = strings.Cut(string(dec), ":")
			c.Pass = strings.Trim(c.Pass, "\x00")
		}
	}
	return c
}

// credential is what a run sends to one host, and where it came from.
type credential struct {
	User, Pass, Token string
	// Helper is the docker-credential-* program asked, if any; Stderr its
	// lines, logged once its secret is known to the scrubber.
	Helper string
	Stderr []string
}

// secret reports whether there is a password or a token to send.
func (c credential) secret() bool { return c.Pass != "" || c.Token != "" }

// describe says whose credentials these are, for messages ("" for none).
func (c credential) describe(host string) string {
	from := ""
	if c.Helper != "" {
		from = " (from " + c.Helper + ")"
	}
	switch {
	case c.User != "":
		return fmt.Sprintf("as user %q%s", c.User, from)
	case c.Token != "":
		return "with an identity token" + from
	case c.Helper != "":
		return "anonymously: " + c.Helper + " has no credentials for " + host
	}
	return ""
}

// secrets lists what must never be shown, the Basic encoding included.
func (c credential) secrets() []string {
	var out []string
	if c.Pass != "" {
		out = append(out, c.Pass, base64.StdEncoding.EncodeToString([]byte(c.User+":"+c.Pass)))
	}
	if c.Token != "" {
		out = append(out, c.Token)
	}
	return out
}

// dockerHubKeys are the names Docker files Docker Hub's credentials under.
var dockerHubKeys = []string{"https://index.docker.io/v1/", "https://index.docker.io/v1", "index.docker.io", "docker.io", "registry-1.docker.io", "https://registry-1.docker.io"}

// configKey reduces a config key ("https://host/v1/") to its host.
func configKey(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	if i := strings.Index(key, "/"); i >= 0 {
		key = key[:i]
	}
	return key
}

// keysOf lists the config keys that can name host.
func keysOf(host string) []string {
	if config.HostNewName(host).Name == config.DockerRegistry {
		return dockerHubKeys
	}
	return []string{host}
}

// helperServer is what a helper is asked about for host: Docker Hub's
// historic URL for Hub, else the host.
func helperServer(host string) string {
	if config.HostNewName(host).Name == config.DockerRegistry {
		return dockerHubKeys[0]
	}
	return host
}

// lookup finds host's credentials in Docker's order: credHelpers, auths,
// then the credsStore, asked about any host. A helper that has none leaves
// the run anonymous; one that fails is an error.
func (d dockerConfig) lookup(ctx context.Context, host string, get helperGet) (credential, error) {
	keys := keysOf(host)
	for k, helper := range d.CredHelpers {
		if matches(keys, k) && helper != "" {
			return get(ctx, "docker-credential-"+helper, helperServer(host))
		}
	}
	for k, a := range d.Auths {
		// an entry without a secret is a placeholder (Docker writes one for
		// each host a credsStore holds)
		if c := a.credential(); matches(keys, k) && c.secret() {
			return c, nil
		}
	}
	if d.CredsStore != "" {
		return get(ctx, "docker-credential-"+d.CredsStore, helperServer(host))
	}
	return credential{}, nil
}

func matches(keys []string, key string) bool {
	for _, k := range keys {
		if k == key || configKey(k) == configKey(key) {
			return true
		}
	}
	return false
}

// helperGet asks a credential helper program for server's credentials.
type helperGet func(ctx context.Context, helper, server string) (credential, error)

// helperTimeout bounds one helper run.
const helperTimeout = time.Minute

// helperOutputMax bounds a helper's answer and its stderr.
const helperOutputMax = 1 << 20

// capped keeps at most max bytes and says whether more came. The buffer
// is not embedded, so that io.Copy cannot go round Write by its ReadFrom.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		c.over = true
		return len(p), nil
	}
	return c.buf.Write(p)
}

func (c *capped) String() string { return c.buf.String() }

// runHelper runs `helper get` with server on stdin, as Docker does
// ("credentials not found" is none; user "<token>" is an identity token).
// Nothing it prints is shown.
func runHelper(ctx context.Context, helper, server string) (credential, error) {
	limit := fmt.Sprintf("in %s", helperTimeout)
	if d, ok := ctx.Deadline(); ok && time.Until(d) < helperTimeout {
		limit = "before the time limit (--timeout)"
	}
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, helper, "get")
	// a helper killed at the limit may leave a child holding its output
	// open; stop waiting for that shortly after
	cmd.WaitDelay = time.Second
	cmd.Stdin = strings.NewReader(server)
	stdout, stderr := &capped{max: helperOutputMax}, &capped{max: helperOutputMax}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	c := credential{Helper: helper}
	switch {
	case stdout.over || stderr.over:
		return c, fmt.Errorf("%s get for %s printed more than %d bytes, which no credential helper answer needs; it is not read", helper, server, helperOutputMax)
	case errors.Is(err, exec.ErrNotFound):
		return c, fmt.Errorf("%s is not on PATH (the Docker config names it for %s)%.0w", helper, server, ErrConfig)
	case err != nil && strings.Contains(strings.ToLower(stdout.String()+stderr.String()), "credentials not found"):
		return c, nil
	case ctx.Err() != nil:
		return c, fmt.Errorf("%s get for %s: no answer %s; it may be waiting for input it cannot get here", helper, server, limit)
	case err != nil:
		return c, fmt.Errorf("%s get for %s failed (%v); see why with `echo %s | %s get` (what it printed is not shown here: it may hold credentials)", helper, server, err, server, helper)
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			c.Stderr = append(c.Stderr, line)
		}
	}
	var out struct{ Username, Secret string }
	if err := json.Unmarshal(stdout.buf.Bytes(), &out); err != nil {
		return c, fmt.Errorf("%s get for %s: its answer is not the JSON a credential helper gives ({\"Username\", \"Secret\"})", helper, server)
	}
	if out.Username == "<token>" {
		c.Token = out.Secret
	} else {
		c.User, c.Pass = out.Username, out.Secret
	}
	return c, nil
}
