package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Docker's order: credHelpers[host], then auths[host] (Docker Hub under
// any of its names), then the credsStore, asked about any host.
func TestLookup(t *testing.T) {
	t.Parallel()
	auth := func(u, p string) dockerAuth {
		return dockerAuth{Auth: base64.StdEncoding.EncodeToString([]byte(u + ":" + p))}
	}
	cfg := dockerConfig{
		Auths: map[string]dockerAuth{
			"helped.example.com":          auth("file", "f"),
			"https://reg.example.com/v1/": auth("alice", "a"),
			"https://index.docker.io/v1/": auth("bob", "b"),
			"placeholder.example.com":     {}, // what docker login writes beside a credsStore
			"token.example.com":           {IdentityToken: "tok"},
		},
		CredHelpers: map[string]string{"helped.example.com": "pass"},
		CredsStore:  "store",
	}
	var asked []string
	get := func(_ context.Context, helper, server string) (credential, error) {
		asked = append(asked, helper+" "+server)
		switch {
		case strings.HasSuffix(helper, "-pass"):
			return credential{User: "from-pass", Pass: "p", Helper: helper}, nil
		case server == "ecr.example.com":
			return credential{User: "AWS", Pass: "e", Helper: helper}, nil
		}
		return credential{Helper: helper}, nil // "credentials not found"
	}
	for _, tc := range []struct {
		host, want, asked string
	}{
		{"helped.example.com", `as user "from-pass" (from docker-credential-pass)`, "docker-credential-pass helped.example.com"},
		{"reg.example.com", `as user "alice"`, ""},
		{"docker.io", `as user "bob"`, ""},
		{"token.example.com", "with an identity token", ""},
		// a host neither names: the store's get, listed or not
		{"ecr.example.com", `as user "AWS" (from docker-credential-store)`, "docker-credential-store ecr.example.com"},
		{"placeholder.example.com", "anonymously: docker-credential-store has no credentials for placeholder.example.com", "docker-credential-store placeholder.example.com"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			asked = nil
			c, err := cfg.lookup(context.Background(), tc.host, get)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.describe(tc.host); got != tc.want || strings.Join(asked, "; ") != tc.asked {
				t.Errorf("%s, asked %q; want %s, asked %q", got, asked, tc.want, tc.asked)
			}
		})
	}
	t.Run("Docker Hub asks the store about its historic URL", func(t *testing.T) {
		asked = nil
		if _, err := (dockerConfig{CredsStore: "store"}).lookup(context.Background(), "docker.io", get); err != nil || asked[0] != "docker-credential-store https://index.docker.io/v1/" {
			t.Errorf("asked %q, %v", asked, err)
		}
	})
}

// A real helper program: its answer, "credentials not found", a token, a
// failure and a hang; nothing it prints reaches an error.
func TestRunHelper(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, script string) string {
		p := filepath.Join(dir, "docker-credential-"+name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "hunter2-Secret"
	for _, tc := range []struct {
		name, script string
		want         credential
		err          string
	}{
		{"answers", `read h; echo "noise $h ` + secret + `" >&2; printf '{"ServerURL":"%s","Username":"lab","Secret":"` + secret + `"}' "$h"`, credential{User: "lab", Pass: secret}, ""},
		{"token", `printf '{"Username":"<token>","Secret":"` + secret + `"}'`, credential{Token: secret}, ""},
		{"not-found", `echo "credentials not found in native keychain"; exit 1`, credential{}, ""},
		{"fails", `echo "boom ` + secret + `" >&2; exit 3`, credential{}, "failed (exit status 3); see why with `echo reg.example.com | "},
		{"garbage", `echo "` + secret + `"`, credential{}, "its answer is not the JSON a credential helper gives"},
		{"flood", `head -c 2000000 /dev/zero; echo "` + secret + `"`, credential{}, "printed more than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			helper := write(tc.name, tc.script)
			c, err := runHelper(context.Background(), helper, "reg.example.com")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), secret) {
					t.Errorf("got %v, want %q and no secret", err, tc.err)
				}
				return
			}
			tc.want.Helper = helper
			said := c.Stderr
			same := c.User == tc.want.User && c.Pass == tc.want.Pass && c.Token == tc.want.Token && c.Helper == tc.want.Helper
			if err != nil || !same || (tc.name == "answers" && (len(said) != 1 || !strings.HasPrefix(said[0], "noise reg.example.com"))) {
				t.Errorf("got %+v, %v; want %+v", c, err, tc.want)
			}
		})
	}
	t.Run("hangs", func(t *testing.T) {
		helper := write("hangs", "sleep 30\n")
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := runHelper(ctx, helper, "reg.example.com")
		if err == nil || !strings.Contains(err.Error(), helper+" get for reg.example.com: no answer before the time limit (--timeout)") {
			t.Errorf("got %v", err)
		}
		if time.Since(start) > 10*time.Second { // functional: the child sleep was not waited for
			t.Errorf("returned after %s", time.Since(start))
		}
	})
	t.Run("not on PATH", func(t *testing.T) {
		if _, err := runHelper(context.Background(), "docker-credential-absent-here", "reg.example.com"); !errors.Is(err, ErrConfig) {
			t.Errorf("got %v", err)
		}
	})
}
