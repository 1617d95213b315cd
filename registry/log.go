package registry

import (
	"context"
	"log/slog"

	"github.com/sirupsen/logrus"

	"github.com/manifest-tool/manifest-tool/registry/internal/transport"
)

// logHandler carries regclient's log records to the run's logrus logger.
// regclient's progress chatter is moved down to Debug, each HTTP request
// becomes one Debug line "GET https://host/v2/...: 200 OK" with no headers
// and no query string (signed URLs carry credentials in them), and only a
// registry's own Warning header stays a warning.
type logHandler struct {
	log   *logrus.Logger
	attrs []slog.Attr
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.log.IsLevelEnabled(logrus.DebugLevel)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{log: h.log, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "reg http request" {
		var method, u, status, errStr string
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "req-method":
				method = a.Value.String()
			case "req-url":
				u = transport.RedactURL(a.Value.String())
			case "resp-status":
				status = a.Value.String()
			case "err":
				errStr = transport.Redact(a.Value.String())
			}
			return true
		})
		if status == "" {
			status = errStr
		}
		h.log.Debugf("%s %s: %s", method, u, status)
		return nil
	}
	fields := logrus.Fields{}
	add := func(a slog.Attr) bool {
		switch a.Key {
		case "user", "pass", "password", "token", "cred", "auth", "headers", "req-headers", "resp-headers":
			// never worth the risk
		default:
			fields[a.Key] = transport.Redact(a.Value.String())
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if r.Message == "Registry warning message" {
		h.log.Warnf("registry says: %s", fields["warning"])
		return nil
	}
	h.log.WithFields(fields).Debug(r.Message)
	return nil
}

// Redact makes a message safe to show: URLs lose their query string and
// user info, and what looks like a credential is blotted out.
func Redact(s string) string { return transport.Redact(s) }
