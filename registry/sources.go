package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/manifest-tool/manifest-tool/internal/units"
)

// This file reads the places CI hands credentials over in, besides the
// Docker config. regclient's config.DockerLoad reads DOCKER_AUTH_CONFIG
// after the Docker config, with neither a size limit nor the checks
// loadDockerConfig makes, skips an entry it cannot decode in silence, and
// reads no containers auth.json; so each source is read here, as the
// Docker config is.

// credSource is one place credentials come from: its name, for --debug
// and errors, and what it holds.
type credSource struct {
	name string
	cfg  dockerConfig
}

// credSources are a run's sources of credentials, highest precedence
// first. Each host's credentials come from the first source that has some
// for it ([credSources.lookup]); a source whose helper has none for the
// host does not count.
type credSources []credSource

// Environment variables that name credentials.
const (
	envDockerAuthConfig = "DOCKER_AUTH_CONFIG"
	envRegistryAuthFile = "REGISTRY_AUTH_FILE"
)

// maxAuthConfigEnv is the most DOCKER_AUTH_CONFIG may hold, a fixed limit:
// credentials take a few KB, and Linux passes no environment string over
// 128 KiB.
const maxAuthConfigEnv = 64 << 10

// loadCredSources reads every source of credentials, in precedence order:
// --docker-cfg (dockerCfg, when given), DOCKER_AUTH_CONFIG, the Docker
// config of DOCKER_CONFIG or ~/.docker (only without --docker-cfg, which
// says where the Docker config is, as it did before the other sources were
// read: a run given one does not read, or fail on, the default one),
// REGISTRY_AUTH_FILE, then the containers auth.json
// ($XDG_RUNTIME_DIR/containers/auth.json, then
// $XDG_CONFIG_HOME/containers/auth.json, ~/.config by default). A source
// that is missing is left out, but --docker-cfg; one that is there and cannot be read or parsed is an
// error naming it, as for the Docker config ([parseDockerConfig]).
func loadCredSources(ctx context.Context, dockerCfg string) (credSources, error) {
	var out credSources
	add := func(name string, cfg dockerConfig, err error) error {
		if err == nil && (len(cfg.Auths) > 0 || len(cfg.CredHelpers) > 0 || cfg.CredsStore != "") {
			out = append(out, credSource{name: name, cfg: cfg})
		}
		return err
	}
	if dockerCfg != "" {
		cfg, err := loadDockerConfig(ctx, dockerCfg)
		if err := add("--docker-cfg "+dockerCfg, cfg, err); err != nil {
			return nil, err
		}
	}
	if v := os.Getenv(envDockerAuthConfig); v != "" {
		if len(v) > maxAuthConfigEnv {
			return nil, fmt.Errorf("%s: more than %s, a fixed limit far above what credentials take (a few KB); is it a Docker config's JSON?%.0w", envDockerAuthConfig, units.Format(maxAuthConfigEnv), ErrConfig)
		}
		cfg, err := parseDockerConfig([]byte(v), envDockerAuthConfig+" (a Docker config's JSON)")
		if err := add(envDockerAuthConfig, cfg, err); err != nil {
			return nil, err
		}
	}
	if dir, name := defaultDockerConfig(); dir != "" && dockerCfg == "" {
		cfg, err := loadDockerConfig(ctx, "")
		if err := add(name+" ("+filepath.Join(dir, "config.json")+")", cfg, err); err != nil {
			return nil, err
		}
	}
	var files [][2]string // name, path
	if p := os.Getenv(envRegistryAuthFile); p != "" {
		files = append(files, [2]string{envRegistryAuthFile, p})
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		files = append(files, [2]string{"the containers auth.json", filepath.Join(dir, "containers", "auth.json")})
	}
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		files = append(files, [2]string{"the containers auth.json", filepath.Join(dir, "containers", "auth.json")})
	} else if home, err := os.UserHomeDir(); err == nil {
		files = append(files, [2]string{"the containers auth.json", filepath.Join(home, ".config", "containers", "auth.json")})
	}
	for _, f := range files {
		cfg, err := readAuthFile(ctx, f[0], f[1])
		if err := add(f[0]+" ("+f[1]+")", cfg, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// defaultDockerConfig is the directory of the Docker config read by
// default, and what names it: DOCKER_CONFIG, else ~/.docker; "" when
// there is no home directory.
func defaultDockerConfig() (dir, name string) {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return dir, "DOCKER_CONFIG"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".docker"), "~/.docker"
	}
	return "", ""
}

// readAuthFile reads an auth.json (podman's, buildah's and skopeo's, in
// the Docker config's format) within the Docker config's limits
// ([readConfigFile]); one that is missing holds nothing, as for them.
func readAuthFile(ctx context.Context, name, path string) (dockerConfig, error) {
	what := fmt.Sprintf("reading %s %s", name, path)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return dockerConfig{}, fmt.Errorf("%s: a directory, where an auth.json file was expected%.0w", what, ErrConfig)
	}
	return readCredentialsFile(ctx, name, what, path)
}

// lookup finds host's credentials in the first source that has some
// ([dockerConfig.lookup] in each), and names that source; with none, it
// returns what a helper said (nothing), and "".
func (l credSources) lookup(ctx context.Context, host string, get helperGet) (credential, string, error) {
	var none credential
	for _, s := range l {
		c, err := s.cfg.lookup(ctx, host, get)
		if err != nil {
			return c, s.name, err
		}
		if c.secret() {
			return c, s.name, nil
		}
		if none.Helper == "" {
			none = c
		}
	}
	return none, "", nil
}

// names lists the sources read, for --debug.
func (l credSources) names() string {
	if len(l) == 0 {
		return "none was found"
	}
	out := l[0].name
	for _, s := range l[1:] {
		out += ", " + s.name
	}
	return out
}
