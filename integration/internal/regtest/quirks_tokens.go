package regtest

import (
	"slices"

	"github.com/distribution/distribution/v3/registry/auth/token"
)

// TokenGrant narrows what a token from the token server grants: given the
// user whose basic credentials asked and the access asked for, in the
// order asked, it returns the access the token carries. The registry then
// refuses, with a 401 naming the scope it needs, what the token lacks.
type TokenGrant func(user string, asked []*token.ResourceActions) []*token.ResourceActions

// FirstRepositoryOnly is GitLab's token service, which scopes a token to
// one project: a request naming several repositories gets a token for the
// first one only, the others' scopes dropped (gitlab-org/gitlab#6876;
// google/go-containerregistry#220, where crane's cross-repository mount
// failed on it; estesp/manifest-tool#53). A cross-project mount is then
// refused, and so is every read of another project with that token.
func FirstRepositoryOnly() TokenGrant {
	return func(_ string, asked []*token.ResourceActions) []*token.ResourceActions {
		var out []*token.ResourceActions
		first := ""
		for _, a := range asked {
			if a.Type != "repository" {
				continue
			}
			if first == "" {
				first = a.Name
			}
			if a.Name == first {
				out = append(out, a)
			}
		}
		return out
	}
}

// RepositoryScoped is a token service that gives user credentials scoped
// to one repository, as a CI hands a job a push token for its target
// only (docker/cli#6695: "If the push token was only scoped to the target
// repository, it does not have access to the source repository from
// which the layer was originally pulled"): a token asked for repo carries
// repo's scope and no other repository's; a token asked without repo
// carries pull on the others, which anyone may read (a public source).
// Other users get what they ask for.
func RepositoryScoped(user, repo string) TokenGrant {
	return func(u string, asked []*token.ResourceActions) []*token.ResourceActions {
		if u != user {
			return asked
		}
		named := slices.ContainsFunc(asked, func(a *token.ResourceActions) bool { return a.Type == "repository" && a.Name == repo })
		var out []*token.ResourceActions
		for _, a := range asked {
			switch {
			case a.Type != "repository":
			case a.Name == repo:
				out = append(out, a)
			case !named && slices.Contains(a.Actions, "pull"):
				out = append(out, &token.ResourceActions{Type: a.Type, Name: a.Name, Actions: []string{"pull"}})
			}
		}
		return out
	}
}

// PullOnly is a token service that answers every request of user,
// however often asked, with a token that grants pull and nothing else, as
// for credentials that may read but never write: a push with them can
// only fail, and must fail after a bounded count of token requests. Other
// users get what they ask for.
func PullOnly(user string) TokenGrant {
	return func(u string, asked []*token.ResourceActions) []*token.ResourceActions {
		if u != user {
			return asked
		}
		var out []*token.ResourceActions
		for _, a := range asked {
			if a.Type == "repository" && slices.Contains(a.Actions, "pull") {
				out = append(out, &token.ResourceActions{Type: a.Type, Name: a.Name, Actions: []string{"pull"}})
			}
		}
		return out
	}
}
