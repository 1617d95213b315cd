package registry

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"

	"github.com/sirupsen/logrus"
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
				u = redactURL(a.Value.String())
			case "resp-status":
				status = a.Value.String()
			case "err":
				errStr = redactText(a.Value.String())
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
			fields[a.Key] = redactText(a.Value.String())
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

// redactURL drops the query string and any user info from a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.ForceQuery, u.User, u.Fragment = "", false, nil, ""
	return u.String()
}

var urlRE = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)

// credentialRE finds what looks like a credential in a text: an
// Authorization value (Basic or Bearer and what follows), a JWT, or a
// token=/password=/secret= value; some registries echo such things in
// their error bodies.
var credentialRE = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{4,}|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.?[A-Za-z0-9_-]*|\b((?:access_|refresh_|id_)?token|password|passwd|secret|signature)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+`)

// Redact makes a message safe to show: every URL loses its query string
// and user info (a signed blob URL carries a credential in its query), and
// anything that looks like a credential (an Authorization value, a JWT, a
// token= or password= value) is blotted out.
func Redact(s string) string { return redactText(s) }

func redactText(s string) string {
	s = urlRE.ReplaceAllStringFunc(s, redactURL)
	return credentialRE.ReplaceAllStringFunc(s, func(m string) string {
		if sub := credentialRE.FindStringSubmatch(m); sub[1] != "" {
			return sub[1] + " ***"
		} else if sub[2] != "" {
			return sub[2] + sub[3] + "***"
		}
		return "***"
	})
}
