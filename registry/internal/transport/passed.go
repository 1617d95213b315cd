package transport

import (
	"net/http"
	"strings"
	"sync"
)

// passedHosts notes the hosts that have answered a request of the run
// with something other than 401 Unauthorized: the run's credentials (or
// a token got with them) got past the host's authentication, or the host
// asks for none. The registry package holds a burst of requests to a host
// until then (registry/burst.go), because regclient learns how a host
// authenticates only from a 401 to a request sent without a token, and
// keeps no token until then: requests sent together before that each
// meet a 401 of their own.
type passedHosts struct {
	mu     sync.Mutex
	passed map[string]chan struct{} // closed once the host has answered without a 401
}

// maxPassed bounds the hosts noted (a registry redirecting to many hosts
// cannot grow it); a host past it is never noted as passed, which only
// keeps its burst waiting for its first request's end.
const maxPassed = 256

// wait returns the channel closed once host has answered without a 401;
// nil (never ready) past maxPassed hosts.
func (p *passedHosts) wait(host string) chan struct{} {
	host = strings.ToLower(host)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.passed == nil {
		p.passed = map[string]chan struct{}{}
	}
	ch := p.passed[host]
	if ch == nil && len(p.passed) < maxPassed {
		ch = make(chan struct{})
		p.passed[host] = ch
	}
	return ch
}

// note notes an answer of status to req.
func (p *passedHosts) note(req *http.Request, status int) {
	if status == http.StatusUnauthorized {
		return
	}
	ch := p.wait(req.URL.Host)
	if ch == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	closeOnce(ch)
	// a repository's, only once waited for ([Transport.PassedRepository])
	if repo := repositoryOf(req.URL.Path); repo != "" {
		if ch := p.passed[strings.ToLower(req.URL.Host)+"/"+repo]; ch != nil {
			closeOnce(ch)
		}
	}
}

func closeOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// Passed returns a channel closed once host (host[:port], as requests
// name it) has answered a request of the run with a status other than
// 401 Unauthorized: its authentication passed, or it asks for none. The
// channel of a host never noted (past a bound on hosts) is never closed.
func (t *Transport) Passed(host string) <-chan struct{} {
	return t.passed.wait(host)
}

// PassedRepository is [Transport.Passed] for one repository of host: a
// channel closed once a request to repo has been answered without a 401
// after the first call for it. A registry whose tokens are per repository
// ([Transport.Narrowed]) challenges each repository's first request.
func (t *Transport) PassedRepository(host, repo string) <-chan struct{} {
	return t.passed.wait(host + "/" + repo)
}
