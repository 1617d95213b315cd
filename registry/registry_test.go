package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/regclient/regclient/types"
	"github.com/regclient/regclient/types/errs"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"
	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/spec"
)

func TestMergePlatform(t *testing.T) {
	amd := &platform.Platform{OS: "linux", Architecture: "amd64"}
	armCfg := &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	winCfg := &platform.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2227", OSFeatures: []string{"win32k"}}
	tests := []struct {
		name          string
		declared, cfg *platform.Platform
		want          *platform.Platform
	}{
		{"nothing declared: the config", nil, armCfg, armCfg},
		{"declared wins", &platform.Platform{OS: "linux", Architecture: "s390x"}, amd, &platform.Platform{OS: "linux", Architecture: "s390x"}},
		{"variant from an agreeing config", &platform.Platform{OS: "linux", Architecture: "arm64"}, armCfg, armCfg},
		{"declared variant kept", &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}, armCfg, &platform.Platform{OS: "linux", Architecture: "arm64", Variant: "v9"}},
		{"no variant from a disagreeing config", &platform.Platform{OS: "linux", Architecture: "arm"}, armCfg, &platform.Platform{OS: "linux", Architecture: "arm"}},
		{"windows version from config", &platform.Platform{OS: "windows", Architecture: "amd64"}, winCfg, winCfg},
		{"no config, no declaration", nil, nil, nil},
		{"config without os", nil, &platform.Platform{Architecture: "amd64"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mergePlatform(tc.declared, tc.cfg); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCause(t *testing.T) {
	host := "reg.example.com"
	tests := []struct {
		err   error
		creds string
		want  string
	}{
		{fmt.Errorf("x: %w", errs.ErrNotFound), "", "not found"},
		{fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized), "", "unauthorized: reg.example.com requires credentials and none were found (run docker login reg.example.com, or pass --username with --password-stdin)"},
		{fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized), `as user "ci"`, `unauthorized as user "ci" (check --docker-cfg or docker login reg.example.com, --username, and access to the repository)`},
		{&url.Error{Op: "Get", URL: "https://x", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "", "connection refused by reg.example.com (is the registry running, and is the address right?)"},
		{errors.New(`Get "https://x/v2/": http: server gave HTTP response to HTTPS client`), "", "reg.example.com answers in plain HTTP, not HTTPS (add --plain-http if that is expected)"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "", "timed out (--timeout)"},
		{fmt.Errorf("x: %w", context.Canceled), "", "interrupted"},
		{&net.DNSError{Name: "nowhere.invalid", Err: "no such host"}, "", "cannot resolve host nowhere.invalid"},
		{fmt.Errorf("failed to delete manifest r/a@sha256:1: request failed: %w: Method Not Allowed [http 405]: {\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"The operation is unsupported.\"}]}\n", errs.ErrHTTPStatus), "", "405 Method Not Allowed (UNSUPPORTED: The operation is unsupported.)"},
		{fmt.Errorf("x: %w: Bad Gateway [http 502]: <html>bad gateway</html>", errs.ErrHTTPStatus), "", "502 Bad Gateway (<html>bad gateway</html>)"},
		{&url.Error{Op: "Get", URL: "https://s3.example.com/b?X-Amz-Signature=SECRET", Err: errors.New("tls: internal error")}, "", `Get "https://s3.example.com/b": tls: internal error`},
	}
	for _, tc := range tests {
		if got := cause(tc.err, host, tc.creds); got != tc.want {
			t.Errorf("cause(%v)\n got: %s\nwant: %s", tc.err, got, tc.want)
		}
	}
}

func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		`GET "https://u:p@s3.example.com/b?X-Amz-Signature=abc": EOF`:                                       `GET "https://s3.example.com/b": EOF`,
		`{"errors":[{"message":"bad header Authorization: Basic YWxpY2U6czNjcmV0"}]}`:                       `{"errors":[{"message":"bad header Authorization: Basic ***"}]}`,
		`token eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl expired`:                                   `token *** expired`,
		`bearer abcdefghijklmnop rejected`:                                                                  `bearer *** rejected`,
		`{"password":"hunter22","user":"ci"}`:                                                               `{"password":"***","user":"ci"}`,
		`refresh_token=abc123&scope=x`:                                                                      `refresh_token=***&scope=x`,
		`unauthorized: authentication required`:                                                             `unauthorized: authentication required`,
		`blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`: `blob unknown to registry: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`,
	} {
		if got := redactText(in); got != want {
			t.Errorf("redactText(%s)\n got: %s\nwant: %s", in, got, want)
		}
	}
}

func TestMergeCauses(t *testing.T) {
	c := &Client{creds: map[string]string{}}
	r1, _ := ref.New("reg.example.com/a:1")
	r2, _ := ref.New("reg.example.com/a:2")
	r3, _ := ref.New("reg.example.com/a:3")
	refused := fmt.Errorf("x: %w", errs.ErrHTTPUnauthorized)
	missing := func(r ref.Ref) *OpError {
		op := c.opError("resolving", r, errs.ErrNotFound)
		op.missing = true
		return op
	}
	errList := []error{
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 3}, Err: c.opError("resolving", r1, refused)},
		nil,
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 5}, Err: c.opError("resolving", r2, refused)},
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 7}, Err: missing(r3)},
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 9}, Err: c.opError("reading the config of", r3, errs.ErrNotFound)},
	}
	got := mergeCauses(errList)
	if len(got) != 3 {
		t.Fatalf("%d errors, want 3: %v", len(got), got)
	}
	if !strings.HasPrefix(got[0].Error(), "f.yaml:3: resolving reg.example.com/a:1: unauthorized: reg.example.com requires credentials") || !strings.HasSuffix(got[0].Error(), " (and 1 more member)") {
		t.Errorf("merged: %v", got[0])
	}
	// only a missing image is ErrMissing (what --ignore-missing may skip), not a missing config
	if !errors.Is(got[1], ErrMissing) || errors.Is(got[2], ErrMissing) || errors.Is(got[0], ErrMissing) {
		t.Errorf("ErrMissing: %v", got)
	}

	// a host that stopped answering is one failure, whichever request met it
	gone := func(method, path string) error {
		return &RetryError{Method: method, Path: path, Host: "reg.example.com", Err: syscall.ECONNREFUSED, Attempts: retryAttempts}
	}
	first := gone("HEAD", "/v2/a/blobs/x").(*RetryError)
	again := &RetryError{Method: "PUT", Path: "/v2/a/manifests/0", Host: "reg.example.com", Err: syscall.ECONNREFUSED, Attempts: 1, Prior: first}
	got = mergeCauses([]error{
		&spec.Error{Pos: spec.Pos{File: "f.yaml", Line: 2}, Err: c.opError("pushing the index to", r1, again)},
		c.opError("pushing the index to", r1, gone("PUT", "/v2/a/manifests/1")),
		c.opError("pushing the index to", r2, gone("PUT", "/v2/a/manifests/2")),
		c.opError("pushing the index to", r3, &RetryError{Method: "PUT", Path: "/v2/a/manifests/3", Host: "reg.example.com", Status: "503 Service Unavailable", Attempts: retryAttempts}),
	})
	want := []string{
		"pushing the index to reg.example.com/a:1: PUT reg.example.com/v2/a/manifests/1: connection refused (10 attempts) (the registry stopped answering; run again once it is back) (and 1 more member)",
		"pushing the index to reg.example.com/a:3: PUT reg.example.com/v2/a/manifests/3: 503 Service Unavailable (10 attempts)",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	// merged per spec, then across specs: the counts add up
	member := func(line int) error {
		return &spec.Error{Pos: spec.Pos{File: "f.yaml", Line: line}, Err: c.opError("resolving", r1, refused)}
	}
	specA := mergeCauses([]error{member(1), member(2), member(3)})
	specB := mergeCauses([]error{member(11), member(12), member(13)})
	got = mergeCauses(append(specA, specB...))
	if len(got) != 1 || !strings.HasSuffix(got[0].Error(), " (and 5 more members)") || !strings.HasPrefix(got[0].Error(), "f.yaml:1: ") {
		t.Errorf("merged twice: %q", got)
	}
}

func TestLoadDockerConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths":{"reg.example.com":{"auth":"YWxpY2U6c2VjcmV0"},"https://index.docker.io/v1/":{"username":"bob","password":"pw"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, filepath.Join(dir, "config.json")} {
		hosts, err := loadDockerConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]string{}
		for _, h := range hosts {
			users[h.Name] = h.User
		}
		if users["reg.example.com"] != "alice" || users["docker.io"] != "bob" {
			t.Errorf("%s: hosts %v", path, users)
		}
	}
	if _, err := loadDockerConfig(filepath.Join(dir, "nope")); !errors.Is(err, ErrConfig) || err.Error() != fmt.Sprintf("--docker-cfg %q: no such file or directory", filepath.Join(dir, "nope")) {
		t.Errorf("missing explicit path: %v", err)
	}
	empty := t.TempDir() // a directory without config.json is an empty config
	if hosts, err := loadDockerConfig(empty); err != nil || len(hosts) != 0 {
		t.Errorf("empty dir: %v %v", hosts, err)
	}
	bad := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(bad, []byte(`{"auths": [}`), 0o600)
	if _, err := loadDockerConfig(bad); !errors.Is(err, ErrConfig) || !strings.HasPrefix(err.Error(), "reading Docker config "+bad+": ") {
		t.Errorf("bad config: %v", err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	if hosts, err := loadDockerConfig(""); err != nil || len(hosts) != 2 {
		t.Errorf("DOCKER_CONFIG: %v %v", hosts, err)
	}
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "absent"))
	if hosts, err := loadDockerConfig(""); err != nil || len(hosts) != 0 {
		t.Errorf("a missing default config is anonymous access: %v %v", hosts, err)
	}
}

// The log bridge turns regclient's request records into one line with no
// query string, no headers and no credentials, and keeps other chatter at
// debug.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})
	l.SetLevel(logrus.DebugLevel)
	log := slog.New(&logHandler{log: l})
	log.Log(context.Background(), types.LevelTrace, "reg http request",
		slog.String("req-method", "GET"),
		slog.String("req-url", "https://user:pw@blob.example.com/v2/app/blobs/sha256:abc?X-Amz-Signature=SECRET&token=SECRET"),
		slog.Any("req-headers", map[string][]string{"Authorization": {"Bearer SECRET"}}),
		slog.String("resp-status", "200 OK"))
	log.Info("Loading config", slog.String("user", "alice"), slog.String("name", "reg.example.com"))
	log.Warn("Registry warning message", slog.String("warning", "this repository is deprecated"))
	log.Warn("Failed to mount blob", slog.String("err", `Get "https://s3.example.com/b?X-Amz-Signature=SECRET": EOF`))
	log.Log(context.Background(), slog.LevelDebug, "reg http request", slog.String("req-method", "GET"),
		slog.String("req-url", "https://s3.example.com/b?sig=SECRET"), slog.String("err", `Get "https://s3.example.com/b?sig=SECRET": EOF`))
	out := buf.String()
	if strings.Contains(out, "SECRET") || strings.Contains(out, "pw@") || strings.Contains(out, "alice") {
		t.Errorf("a secret leaked:\n%s", out)
	}
	for _, want := range []string{
		`level=debug msg="GET https://blob.example.com/v2/app/blobs/sha256:abc: 200 OK"`,
		`level=debug msg="Loading config" name=reg.example.com`,
		`level=warning msg="registry says: this repository is deprecated"`,
		`level=debug msg="GET https://s3.example.com/b: Get \"https://s3.example.com/b\": EOF"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	l.SetLevel(logrus.InfoLevel)
	if log.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("regclient's info chatter is enabled without --debug")
	}
}

func TestForEach(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int32
	errList := forEach(ctx, 50, 2, func(i int) error {
		if ran.Add(1) == 5 {
			cancel()
		}
		if i%7 == 0 {
			return fmt.Errorf("item %d", i)
		}
		return nil
	})
	accounted := 0
	for i, err := range errList {
		switch {
		case err == nil:
			accounted++
		case errors.Is(err, context.Canceled):
			accounted++
		case err.Error() == fmt.Sprintf("item %d", i):
			accounted++
		}
	}
	notStarted := 0
	for _, err := range errList {
		if errors.Is(err, context.Canceled) {
			notStarted++
		}
	}
	if accounted != 50 || notStarted == 0 || int(ran.Load())+notStarted != 50 {
		t.Errorf("ran %d, not started %d, accounted %d of 50", ran.Load(), notStarted, accounted)
	}
}
