package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDockerConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths":{"reg.example.com":{"auth":"YWxpY2U6c2VjcmV0"},"https://index.docker.io/v1/":{"username":"bob","password":"pw"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, filepath.Join(dir, "config.json")} {
		t.Run(path, func(t *testing.T) {
			cfg, err := loadDockerConfig(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			users := map[string]string{}
			for _, h := range []string{"reg.example.com", "docker.io"} {
				c, err := cfg.lookup(context.Background(), h, nil)
				if err != nil {
					t.Fatal(err)
				}
				users[h] = c.User
			}
			if users["reg.example.com"] != "alice" || users["docker.io"] != "bob" {
				t.Errorf("hosts %v", users)
			}
		})
	}
	if _, err := loadDockerConfig(context.Background(), filepath.Join(dir, "nope")); !errors.Is(err, ErrConfig) || err.Error() != fmt.Sprintf("--docker-cfg %q: no such file or directory", filepath.Join(dir, "nope")) {
		t.Errorf("missing explicit path: %v", err)
	}
	empty := t.TempDir() // a directory without config.json is an empty config
	if hosts, err := loadDockerConfig(context.Background(), empty); err != nil || len(hosts.Auths) != 0 {
		t.Errorf("empty dir: %v %v", hosts, err)
	}
	bad := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(bad, []byte(`{"auths": [}`), 0o600)
	if _, err := loadDockerConfig(context.Background(), bad); !errors.Is(err, ErrConfig) || !strings.HasPrefix(err.Error(), "reading Docker config "+bad+": ") {
		t.Errorf("bad config: %v", err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	if hosts, err := loadDockerConfig(context.Background(), ""); err != nil || len(hosts.Auths) != 2 {
		t.Errorf("DOCKER_CONFIG: %v %v", hosts, err)
	}
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "absent"))
	if hosts, err := loadDockerConfig(context.Background(), ""); err != nil || len(hosts.Auths) != 0 {
		t.Errorf("a missing default config is anonymous access: %v %v", hosts, err)
	}
}

// Whatever a Docker config holds, reading it and looking a host up in it
// ends in credentials or in one error line that matches ErrConfig, never
// a panic, and an error never shows an auth value.
func FuzzDockerConfig(f *testing.F) {
	f.Add(`{"auths":{"reg.example.com":{"auth":"dXNlcjpwYXNz"}}}`)
	f.Add(`{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p","identitytoken":"t"}},"credHelpers":{"reg.example.com":"x"}}`)
	f.Add(`{"auths":{"reg.example.com":{"auth":"!!!"}}}`)
	f.Add(`{"auths":{"":{"auth":"Og=="}},"credsStore":""}`)
	f.Add(`{"auths":[1,2]}`)
	f.Add(`{"credHelpers":{"reg.example.com":"../../bin/sh"}}`)
	f.Add("\xef\xbb\xbf{}")
	f.Fuzz(func(t *testing.T, cfg string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := loadDockerConfig(context.Background(), dir)
		if err != nil {
			if !errors.Is(err, ErrConfig) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: not one line matching ErrConfig", err)
			}
			var raw struct {
				Auths map[string]struct{ Auth string }
			}
			_ = json.Unmarshal([]byte(cfg), &raw)
			for _, a := range raw.Auths {
				if len(a.Auth) > 3 && strings.Contains(err.Error(), a.Auth) {
					t.Fatalf("error %q shows an auth value", err)
				}
			}
			return
		}
		get := func(ctx context.Context, helper, server string) (credential, error) {
			return credential{Helper: helper}, nil
		}
		for _, host := range []string{"reg.example.com", "docker.io", ""} {
			if _, err := d.lookup(context.Background(), host, get); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("lookup %q: %q", host, err)
			}
		}
	})
}
