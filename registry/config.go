package registry

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/regclient/regclient/config"
)

// readCAFile reads PEM certificates.
func readCAFile(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--ca-file %q: %w%.0w", file, unwrapPathError(err), ErrConfig)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return "", fmt.Errorf("--ca-file %q: no PEM certificate in it%.0w", file, ErrConfig)
	}
	return string(b), nil
}

// loadDockerConfig reads the hosts and credentials of a Docker config.
func loadDockerConfig(path string) ([]config.Host, error) {
	explicit := path != ""
	if !explicit {
		if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
			path = dir
		} else if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".docker")
		} else {
			return nil, nil
		}
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil && !explicit:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("--docker-cfg %q: %w%.0w", path, unwrapPathError(err), ErrConfig)
	case fi.IsDir():
		path = filepath.Join(path, "config.json")
	}
	hosts, err := config.DockerLoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading Docker config %s: %w%.0w", path, unwrapPathError(err), ErrConfig)
	}
	if err := checkAuths(path); err != nil {
		return nil, err
	}
	return hosts, nil
}

// checkAuths refuses what regclient would pass over in silence, leaving a
// run anonymous: an auths entry whose auth is not base64 "user:password",
// and a credsStore whose docker-credential-<name> is not on PATH.
func checkAuths(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a missing file is an empty config
	} else if err != nil {
		return fmt.Errorf("reading Docker config %s: %w%.0w", path, unwrapPathError(err), ErrConfig)
	}
	var cfg struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
		CredsStore string `json:"credsStore"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("reading Docker config %s: %w%.0w", path, err, ErrConfig)
	}
	if cfg.CredsStore != "" {
		if _, err := exec.LookPath("docker-credential-" + cfg.CredsStore); err != nil {
			return fmt.Errorf("reading Docker config %s: credsStore %q needs docker-credential-%s, which is not on PATH%.0w", path, cfg.CredsStore, cfg.CredsStore, ErrConfig)
		}
	}
	for host, a := range cfg.Auths {
		if a.Auth == "" {
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil || !strings.Contains(string(dec), ":") {
			return fmt.Errorf("reading Docker config %s: auths[%q].auth is not base64 \"user:password\" (log in again with docker login %s)%.0w", path, host, host, ErrConfig)
		}
	}
	return nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
