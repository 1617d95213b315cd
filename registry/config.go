package registry

import (
	"bytes"
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

// loadDockerConfig reads what a Docker config says about credentials. A
// config that does not parse, an auths entry whose auth is not base64
// "user:password", and a credsStore whose docker-credential-<name> is not
// on PATH are errors naming the file, rather than a silent anonymous run.
func loadDockerConfig(path string) (dockerConfig, error) {
	explicit := path != ""
	if !explicit {
		if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
			path = dir
		} else if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".docker")
		} else {
			return dockerConfig{}, nil
		}
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil && !explicit:
		return dockerConfig{}, nil
	case err != nil:
		return dockerConfig{}, fmt.Errorf("--docker-cfg %q: %w%.0w", path, unwrapPathError(err), ErrConfig)
	case fi.IsDir():
		path = filepath.Join(path, "config.json")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return dockerConfig{}, nil // a missing file is an empty config
	} else if err != nil {
		return dockerConfig{}, fmt.Errorf("reading Docker config %s: %w%.0w", path, unwrapPathError(err), ErrConfig)
	}
	var cfg dockerConfig
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return dockerConfig{}, fmt.Errorf("reading Docker config %s: %w%.0w", path, err, ErrConfig)
		}
	}
	if cfg.CredsStore != "" {
		if _, err := exec.LookPath("docker-credential-" + cfg.CredsStore); err != nil {
			return dockerConfig{}, fmt.Errorf("reading Docker config %s: credsStore %q needs docker-credential-%s, which is not on PATH%.0w", path, cfg.CredsStore, cfg.CredsStore, ErrConfig)
		}
	}
	for host, a := range cfg.Auths {
		if a.Auth == "" {
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil || !strings.Contains(string(dec), ":") {
			return dockerConfig{}, fmt.Errorf("reading Docker config %s: auths[%q].auth is not base64 \"user:password\" (log in again with docker login %s)%.0w", path, host, host, ErrConfig)
		}
	}
	return cfg, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
