package transport

import (
	"net/http"
	"slices"
	"strings"

	"github.com/manifest-tool/manifest-tool/internal/text"
)

// A wayOutRule names the way out of a refusal, by what the registry said
// (its error code, its challenge) and what was asked of it.
type wayOutRule struct {
	name string // as the case of TestWayOut that shows it
	when func(f *failure, s said) bool
	say  func(f *failure) string
}

// wayOuts are the ways out [Cause] adds to a refusal, in order: the first
// that holds is said. The codes are the distribution spec's and those
// registries are documented to send.
var wayOuts = []wayOutRule{
	{"rate limit", func(f *failure, s said) bool {
		return s.has("TOOMANYREQUESTS") || f.status() == http.StatusTooManyRequests
	},
		func(f *failure) string {
			if f.creds == "" {
				return "log in (docker login " + f.at.registry + ", or --username with --password-stdin) for a higher limit, or wait until the limit reopens"
			}
			return "wait until the limit reopens, or use an account with a higher limit than the one used " + f.creds
		}},
	// Amazon ECR does not create a repository on push (ECR User Guide)
	{"no repository to write to", func(f *failure, s said) bool { return s.has("NAME_UNKNOWN") && f.asked.Write },
		func(f *failure) string {
			return "create the repository " + f.asked.repository() + " first: this registry does not create one on push (Amazon ECR does not)"
		}},
	{"insufficient scope", func(f *failure, _ said) bool {
		return f.is(unauthorized) && strings.EqualFold(f.asked.Refused.Error, "insufficient_scope")
	}, func(f *failure) string {
		scope := Redact(text.Escape(sortedActions(f.asked.Refused.Scope)))
		if f.creds == "" {
			return "the token given without credentials lacks the scope asked, " + scope + ": log in with credentials that may " + f.asked.access() + " " + f.asked.repository()
		}
		return "the token given for these credentials lacks the scope asked, " + scope + ": check that they may " + f.asked.access() + " " + f.asked.repository()
	}},
	{"denied", func(f *failure, s said) bool { return f.is(unauthorized) && s.has("DENIED") }, func(f *failure) string {
		if f.creds == "" {
			return "the registry denies this on " + f.asked.repository() + " without credentials: log in with credentials that may " + f.asked.access() + " it"
		}
		return "the registry denies this on " + f.asked.repository() + " to these credentials: check that they may " +
			f.asked.access() + " it (a token's scopes, the repository's permissions)"
	}},
	{"immutable tag", func(f *failure, s said) bool { return s.has("TAG_INVALID") }, func(f *failure) string {
		return "the repository's tags cannot be overwritten (immutable tags): push under a new tag, or make its tags mutable"
	}},
}

// wayOut is sep and the way out of the failure f, by the first rule of
// [wayOuts] that holds, or "".
func wayOut(f *failure, sep string) string {
	s := f.said()
	for _, r := range wayOuts {
		if r.when(f, s) {
			return sep + r.say(f)
		}
	}
	return ""
}

// status is the HTTP status of the answer that failed, 0 when not known.
func (f *failure) status() int {
	if retry := errorAs[*RetryError](f.err); retry != nil {
		return retry.StatusCode
	}
	return 0
}

// repository names the repository asked: "reg:5000/app", or "the repository".
func (a Asked) repository() string {
	if a.Repository == "" {
		return "the repository"
	}
	return a.Host + "/" + a.Repository
}

// access is what was asked of the repository: "push to" or "pull from".
func (a Asked) access() string {
	if a.Write {
		return "push to"
	}
	return "pull from"
}

// sortedActions is a challenge's scope ("repository:app:push,pull", or
// several, space-separated) with each scope's actions in sorted order:
// registries name them in the order a client asked, so that the same
// refusal of two requests would read as two.
func sortedActions(scope string) string {
	scopes := strings.Fields(scope)
	for i, sc := range scopes {
		if at := strings.LastIndexByte(sc, ':'); at >= 0 {
			actions := strings.Split(sc[at+1:], ",")
			slices.Sort(actions)
			scopes[i] = sc[:at+1] + strings.Join(actions, ",")
		}
	}
	return strings.Join(scopes, " ")
}
