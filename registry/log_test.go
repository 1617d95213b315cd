package registry

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/regclient/regclient/types"
	"github.com/sirupsen/logrus"
)

// The log bridge turns regclient's request records into one line with no
// query string, no headers and no credentials, and keeps other chatter at
// debug.
func TestLogHandler(t *testing.T) {
	t.Parallel()
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
