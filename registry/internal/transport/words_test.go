package transport

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/errs"
)

// An error answer's words are redacted and cut, and otherwise kept as
// sent (what shows them escapes control characters), from
// the spec's JSON, a web API's message, or text; its codes are kept for
// the way out.
func TestSaidIn(t *testing.T) {
	t.Parallel()
	many := `{"errors":[` + strings.Repeat(`{"code":"denied","message":"no"},`, 1000) + `{"code":"X","message":"end"}]}`
	tests := []struct {
		name, body, words string
		codes             []string
	}{
		{"the spec's JSON", `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"app"}}]}`,
			"NAME_UNKNOWN: repository name not known to registry", []string{"NAME_UNKNOWN"}},
		{"two errors", `{"errors":[{"code":"DENIED","message":"a"},{"code":"TOOMANYREQUESTS","message":"b"}]}`,
			"DENIED: a; TOOMANYREQUESTS: b", []string{"DENIED", "TOOMANYREQUESTS"}},
		{"a web API's message", `{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest"}`, "API rate limit exceeded", nil},
		{"text", "Too Many Requests (HAP429).\n", "Too Many Requests (HAP429).", nil},
		{"nothing", "", "", nil},
		{"control characters", `{"errors":[{"code":"X","message":"a\nerror: b\u001b[2J\u0007"}]}`, "X: a\nerror: b\x1b[2J\a", []string{"X"}},
		{"a token", `{"errors":[{"code":"DENIED","message":"bad \"token\":\"abcdefgh12345678\""}]}`, `DENIED: bad "token":"***"`, []string{"DENIED"}},
		{"a thousand errors", many, strings.Repeat("denied: no; ", 8) + "…", slices.Repeat([]string{"DENIED"}, maxCodes)},
		{"a message of a megabyte", `{"errors":[{"code":"X","message":"` + strings.Repeat("no ", 1<<20/3) + `"}]}`, "X: " + strings.Repeat("no ", 32) + "…", []string{"X"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := saidIn(tc.body)
			if s.words != tc.words || !slices.Equal(s.codes, tc.codes) {
				t.Errorf("got %q %q\nwant %q %q", s.words, s.codes, tc.words, tc.codes)
			}
			if len(s.words) > maxBodyWords+len("…") {
				t.Errorf("not bounded: %q", s.words)
			}
		})
	}
}

// Each way out is said for the failure its registry code names, and for
// no other.
func TestWayOut(t *testing.T) {
	t.Parallel()
	// regclient's words of each (v0.11.7, internal/reghttp/http.go, HTTPError)
	status := func(code int, body string) error {
		return fmt.Errorf("failed: request failed: %w: %s [http %d]: %s", errs.ErrHTTPStatus, http.StatusText(code), code, body)
	}
	notFoundErr := func(body string) error {
		return fmt.Errorf("failed: request failed: %w [http 404]: %s", errs.ErrNotFound, body)
	}
	unauthorizedErr := func() error { return fmt.Errorf("failed: %w", errs.ErrHTTPUnauthorized) }
	unauthorizedErr403 := func(body string) error {
		return fmt.Errorf("failed: request failed: %w [http 403]: %s", errs.ErrHTTPUnauthorized, body)
	}
	tooMany := &RetryError{Method: "GET", Host: "reg", Path: "/v2/app/manifests/1", Status: "429 Too Many Requests", StatusCode: 429, Attempts: 1,
		said: saidIn(`{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`)}
	scope := Refusal{Status: 401, said: saidIn(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`), Scope: "repository:app:pull,push", Error: "insufficient_scope"}
	tests := []struct {
		name  string
		err   error
		asked Asked
		want  string
	}{
		{"rate limit", tooMany, Asked{Host: "reg"},
			"GET reg/v2/app/manifests/1: 429 Too Many Requests (TOOMANYREQUESTS: slow down) (1 attempt); log in (docker login reg, or --username with --password-stdin) for a higher limit, or wait until the limit reopens"},
		{"rate limit: logged in", tooMany, Asked{Host: "reg", Creds: `as user "ci"`},
			`GET reg/v2/app/manifests/1: 429 Too Many Requests (TOOMANYREQUESTS: slow down) (1 attempt); wait until the limit reopens, or use an account with a higher limit than the one used as user "ci"`},
		{"no repository to write to", notFoundErr(`{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}`), Asked{Host: "reg", Repository: "app", Write: true},
			"not found (NAME_UNKNOWN: no such repository); create the repository reg/app first: this registry does not create one on push (Amazon ECR does not)"},
		{"no repository to read: no way out", notFoundErr(`{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}`), Asked{Host: "reg", Repository: "app"},
			"not found (NAME_UNKNOWN: no such repository)"},
		{"insufficient scope", unauthorizedErr(), Asked{Host: "reg", Repository: "app", Creds: `as user "ci"`, Write: true, Refused: scope},
			`unauthorized as user "ci" (UNAUTHORIZED: authentication required): the token given for these credentials lacks the scope asked, repository:app:pull,push: check that they may push to reg/app`},
		{"denied", unauthorizedErr403(`{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}`), Asked{Host: "reg", Repository: "app", Creds: `as user "ci"`, Write: true},
			`unauthorized as user "ci" (DENIED: permission_denied: write_package): the registry denies this on reg/app to these credentials: check that they may push to it (a token's scopes, the repository's permissions)`},
		{"an ordinary challenge says nothing more", unauthorizedErr(), Asked{Host: "reg", Repository: "app", Creds: `as user "ci"`,
			Refused: Refusal{Status: 401, said: saidIn(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)}},
			`unauthorized as user "ci" (check --docker-cfg or docker login reg, --username, and access to the repository)`},
		{"immutable tag", status(400, `{"errors":[{"code":"TAG_INVALID","message":"tag 1 is immutable"}]}`), Asked{Host: "reg", Repository: "app", Write: true},
			"400 Bad Request (TAG_INVALID: tag 1 is immutable); the repository's tags cannot be overwritten (immutable tags): push under a new tag, or make its tags mutable"},
		{"DENIED on a 405: no way out", status(405, `{"errors":[{"code":"DENIED","message":"no"}]}`), Asked{Host: "reg", Repository: "app"},
			"405 Method Not Allowed (DENIED: no)"},
	}
	shown := map[string]bool{}
	for _, tc := range tests {
		got := CauseFor(tc.err, tc.asked)
		if got != tc.want {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
		rule, _, _ := strings.Cut(tc.name, ":")
		shown[rule] = true
	}
	for _, r := range wayOuts {
		if !shown[r.name] {
			t.Errorf("way out %q: no case shows it", r.name)
		}
	}
}
