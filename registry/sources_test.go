package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each host's credentials come from the first source that has some, and
// the source is named; a host only a lower source has comes from it.
func TestCredSourcesPerHost(t *testing.T) {
	home, xdg := t.TempDir(), t.TempDir()
	write := func(p, content string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("DOCKER_AUTH_CONFIG", `{"auths":{"a.example.com":{"username":"env","password":"p1"}}}`)
	write(filepath.Join(home, ".docker", "config.json"), `{"auths":{"a.example.com":{"username":"docker","password":"p2"},"b.example.com":{"username":"docker","password":"p3"}}}`)
	raf := filepath.Join(t.TempDir(), "auth.json")
	write(raf, `{"auths":{"c.example.com":{"username":"raf","password":"p4"},"b.example.com":{"username":"raf","password":"p5"}}}`)
	t.Setenv("REGISTRY_AUTH_FILE", raf)
	write(filepath.Join(xdg, "containers", "auth.json"), `{"auths":{"d.example.com":{"username":"xdg","password":"p6"}}}`)
	write(filepath.Join(home, ".config", "containers", "auth.json"), `{"auths":{"d.example.com":{"username":"home","password":"p7"},"e.example.com/org":{"username":"home","password":"p8"}}}`)
	srcs, err := loadCredSources(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{
		"a.example.com": "env DOCKER_AUTH_CONFIG",
		"b.example.com": "docker ~/.docker (" + filepath.Join(home, ".docker", "config.json") + ")",
		"c.example.com": "raf REGISTRY_AUTH_FILE (" + raf + ")",
		"d.example.com": "xdg the containers auth.json (" + filepath.Join(xdg, "containers", "auth.json") + ")",
		"e.example.com": "home the containers auth.json (" + filepath.Join(home, ".config", "containers", "auth.json") + ")",
		"f.example.com": " ",
	} {
		c, from, err := srcs.lookup(context.Background(), host, nil)
		if got := c.User + " " + from; err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", host, got, err, want)
		}
	}
	hosts, _ := authHosts(srcs, map[string]string{})
	users := map[string]string{}
	for _, h := range hosts {
		users[h.Name] += h.User + " "
	}
	if users["a.example.com"] != "env " || users["b.example.com"] != "docker " || users["d.example.com"] != "xdg " {
		t.Errorf("hosts given to regclient: %v", users)
	}
}

func TestHelperName(t *testing.T) {
	for name, want := range map[string]bool{"ecr-login": true, "desktop.exe": true, "pass": true, "gcloud_x": true,
		"": false, "../x": false, "/bin/sh": false, "a/b": false, ".hidden": false, "a b": false, "x\n": false, `a\b`: false} {
		if helperName(name) != want {
			t.Errorf("helperName(%q) = %v", name, !want)
		}
	}
	if _, err := parseDockerConfig([]byte(`{"credsStore":"../../bin/sh"}`), "X"); !errors.Is(err, ErrConfig) || !strings.HasPrefix(err.Error(), "X: credsStore is not a credential helper's name") {
		t.Errorf("credsStore with a path: %v", err)
	}
}
