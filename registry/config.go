package registry

import (
	"bytes"
	"context"
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

	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/spec"
)

// maxConfigFile is the most a Docker config or a --ca-file is read to, a
// fixed limit: credentials take a few KB, a bundle of every public CA
// about 200 KB, so that 4 MiB is far above either, and a file over it (a
// device such as /dev/zero, a log named by mistake) is not the file meant.
const maxConfigFile = 4 << 20

// readConfigFile reads a Docker config or a CA file. os.ReadFile would read
// it whole, /dev/zero for ever, and wait in its open for a writer to a
// named pipe, which neither --timeout nor a signal ends; this reads at
// most maxConfigFile bytes (a regular file larger than that is refused
// before it is read) and gives up when ctx ends ([spec.WaitError]).
// errLarge is whether the file was over the limit.
func readConfigFile(ctx context.Context, what, path string) (b []byte, errLarge bool, err error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > maxConfigFile {
		return nil, true, nil
	}
	f, err := spec.OpenFile(ctx, what+" "+path, path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if b, err = spec.ReadAll(ctx, what+" "+path, f, maxConfigFile); err != nil {
		return nil, false, err
	}
	return b, len(b) > maxConfigFile, nil
}

// configError is the error of reading a Docker config or a CA file: the
// context's own ([spec.WaitError]) as it is, another bad input.
func configError(prefix string, err error) error {
	if errors.As(err, new(*spec.WaitError)) {
		return err
	}
	return fmt.Errorf("%s: %w%.0w", prefix, unwrapPathError(err), ErrConfig)
}

// readCAFile reads PEM certificates.
func readCAFile(ctx context.Context, file string) (string, error) {
	b, large, err := readConfigFile(ctx, "the CA file", file)
	if err != nil {
		return "", configError(fmt.Sprintf("--ca-file %q", file), err)
	}
	if large {
		return "", fmt.Errorf("--ca-file %q: more than %s, a fixed limit far above a bundle of every public CA (about 200 KB); is it the right file?%.0w", file, units.Format(maxConfigFile), ErrConfig)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return "", fmt.Errorf("--ca-file %q: no PEM certificate in it%.0w", file, ErrConfig)
	}
	return string(b), nil
}

// loadDockerConfig reads what a Docker config says about credentials
// ([readConfigFile]: at most 4 MiB, until ctx ends): the one at path
// (--docker-cfg), or with "" the default one ([defaultDockerConfig]). A
// config that does not parse, an auths entry whose auth is not base64
// "user:password", and a credsStore whose docker-credential-<name> is not
// on PATH are errors naming the file, rather than a silent anonymous run.
func loadDockerConfig(ctx context.Context, path string) (dockerConfig, error) {
	explicit := path != ""
	if !explicit {
		if path, _ = defaultDockerConfig(); path == "" {
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
	return readCredentialsFile(ctx, "the Docker config", "reading Docker config "+path, path)
}

// readCredentialsFile reads a Docker config or an auth.json at path, the
// file name names ([readConfigFile]), and parses it ([parseDockerConfig]);
// what begins its errors. A missing file holds nothing.
func readCredentialsFile(ctx context.Context, name, what, path string) (dockerConfig, error) {
	b, large, err := readConfigFile(ctx, name, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dockerConfig{}, nil
	case err != nil:
		return dockerConfig{}, configError(what, err)
	case large:
		return dockerConfig{}, fmt.Errorf("%s: more than %s, a fixed limit far above what credentials take (a few KB); is it the right file?%.0w", what, units.Format(maxConfigFile), ErrConfig)
	}
	return parseDockerConfig(b, what)
}

// parseDockerConfig reads the JSON of a Docker config (or of a containers
// auth.json, the same format), from what (the file or variable, for
// errors). A config that does not parse, an auths entry whose auth is not
// base64 "user:password", a helper name that holds a path, and a
// credsStore whose docker-credential-<name> is not on PATH are errors
// naming what; none shows a value of the config (encoding/json's errors
// quote one character at most).
func parseDockerConfig(b []byte, what string) (dockerConfig, error) {
	var cfg dockerConfig
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return dockerConfig{}, fmt.Errorf("%s: %w%.0w", what, err, ErrConfig)
		}
	}
	for host, helper := range cfg.CredHelpers {
		if helper != "" && !helperName(helper) {
			return dockerConfig{}, fmt.Errorf("%s: credHelpers[%q] is not a credential helper's name (the NAME of docker-credential-NAME on PATH: letters, digits, '.', '_' and '-')%.0w", what, host, ErrConfig)
		}
	}
	if cfg.CredsStore != "" {
		if !helperName(cfg.CredsStore) {
			return dockerConfig{}, fmt.Errorf("%s: credsStore is not a credential helper's name (the NAME of docker-credential-NAME on PATH: letters, digits, '.', '_' and '-')%.0w", what, ErrConfig)
		}
		if _, err := exec.LookPath("docker-credential-" + cfg.CredsStore); err != nil {
			return dockerConfig{}, fmt.Errorf("%s: credsStore %q needs docker-credential-%s, which is not on PATH%.0w", what, cfg.CredsStore, cfg.CredsStore, ErrConfig)
		}
	}
	for host, a := range cfg.Auths {
		if a.Auth == "" {
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil || !strings.Contains(string(dec), ":") {
			return dockerConfig{}, fmt.Errorf("%s: auths[%q].auth is not base64 \"user:password\" (log in again with docker login %s)%.0w", what, host, host, ErrConfig)
		}
	}
	return cfg, nil
}

// helperName reports whether name can be the NAME of a
// docker-credential-NAME program looked for on PATH: one that holds a
// path ("../../tmp/x") would run a program elsewhere.
func helperName(name string) bool {
	if name == "" || strings.HasPrefix(name, ".") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
