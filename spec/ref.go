package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/regclient/regclient/types/ref"
)

// ParseRef parses an image reference given on its own (inspect's and
// platforms' IMAGE): a registry image, or ocidir://PATH[:TAG|@DIGEST]. Its
// error is bad input ([ErrReference]); it echoes the reference on one line,
// any user info before the host blotted out, and a port out of range is
// one.
func ParseRef(s string) (ref.Ref, error) {
	r, _, err := newRef(s, false)
	if err != nil {
		return ref.Ref{}, invalid(Pos{}, err)
	}
	return r, nil
}

// quoteRef quotes a reference as the user gave it, for a message to echo:
// on one line (Go's %q: a newline is \n), and with any user info before
// the host blotted out ("user:pw@reg/app:1" is no reference, but the
// password in it must not be shown): "user:***@reg/app:1".
func quoteRef(s string) string { return strconv.Quote(scrubUserInfo(s)) }

// a URL's scheme at the start of a reference (https://, ocidir://)
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// a digest after an '@' (app@sha256:…): not a host after user info
var digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)

// scrubUserInfo blots out the user info of "[scheme://]userinfo@host/…":
// the password of user:password, or the whole of a lone token.
func scrubUserInfo(s string) string {
	info, at := userInfo(s)
	if info == "" {
		return s
	}
	blot := "***"
	if user, _, ok := strings.Cut(info, ":"); ok {
		blot = user + ":***"
	}
	return s[:at-len(info)] + blot + s[at:]
}

// userInfo finds the user info of "[scheme://]userinfo@host/…" and the
// index of its '@'; "" when there is none (app@sha256:… is a digest). The
// user info may itself hold '/' and '@' (a secret key often does), so the
// '@' taken is the last one that a host follows: a name with a '.' or a
// ':', or localhost, up to the next '/' or the end.
func userInfo(s string) (info string, at int) {
	start := len(schemeRE.FindString(s))
	rest := s[start:]
	for i := strings.LastIndexByte(rest, '@'); i > 0; i = strings.LastIndexByte(rest[:i], '@') {
		after := rest[i+1:]
		host, _, _ := strings.Cut(after, "/")
		if digestRE.MatchString(after) || !(strings.ContainsAny(host, ".:") || host == "localhost") {
			continue
		}
		return rest[:i], start + i
	}
	return "", 0
}

// refError is regclient's complaint about reference s, each echo of s in
// it (and of what follows its scheme, which regclient echoes alone)
// quoted by quoteRef; when the words do not echo s as expected, they are
// replaced by an echo of s alone.
func refError(s string, err error) error {
	msg := err.Error()
	tail := s
	if i := strings.Index(s, "://"); i >= 0 {
		tail = s[i+3:]
	}
	for _, x := range []string{s, tail} {
		msg = strings.ReplaceAll(msg, `"`+x+`"`, quoteRef(x))
	}
	if rest, ok := strings.CutSuffix(msg, ": "+tail); ok { // "invalid path for scheme "ocidir": TAIL"
		msg = rest + ": " + quoteRef(tail)
	}
	if info, _ := userInfo(s); info != "" && strings.Contains(msg, info) || strings.ContainsFunc(msg, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		msg = "invalid reference " + quoteRef(s)
	}
	return fmt.Errorf("%s%.0w", msg, ErrReference)
}

// CheckPort refuses the port of a registry host (host:port, [ipv6]:port)
// that no TCP address has.
func CheckPort(host string) error {
	if i := strings.LastIndexByte(host, ']'); i >= 0 { // [::1]:5000
		host = host[i+1:]
	}
	_, port, ok := strings.Cut(host, ":")
	if !ok {
		return nil // no port: the scheme's own
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %s is not 1-65535", port)
	}
	return nil
}

// parseRef parses an image reference found at pos; see newRef.
func parseRef(s string, pos Pos, target bool) (ref.Ref, bool, error) {
	r, defaulted, err := newRef(s, target)
	if err != nil {
		return ref.Ref{}, false, invalid(pos, err)
	}
	return r, defaulted, nil
}

// newRef parses an image reference. A target must not carry a digest (the
// index's digest is only known once it is built); when it has no tag it gets
// "latest" and defaulted reports so.
func newRef(s string, target bool) (r ref.Ref, defaulted bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ref.Ref{}, false, fmt.Errorf("image reference is empty%.0w", ErrMissing)
	}
	r, err = ref.New(s)
	if err != nil {
		return ref.Ref{}, false, refError(s, err)
	}
	if r.Scheme == "reg" {
		if err := CheckPort(r.Registry); err != nil {
			return ref.Ref{}, false, fmt.Errorf("invalid reference %s: %v%.0w", quoteRef(s), err, ErrReference)
		}
	}
	last := s[strings.LastIndex(s, "/")+1:]
	defaulted = r.Tag == "latest" && r.Digest == "" && !strings.Contains(last, ":")
	if target && r.Digest != "" {
		return ref.Ref{}, false, fmt.Errorf("target %s names a digest; name a tag instead (the index's digest is known only once it is built)%.0w", quoteRef(s), ErrReference)
	}
	return r, defaulted, nil
}

// ParseRegistry reads probe's REGISTRY[/REPO]: a host (with a dot or a
// port, or localhost), then optionally a repository, with no tag or
// digest. The result names the registry, and the repository when given.
func ParseRegistry(arg string) (ref.Ref, error) {
	bad := func(why string) (ref.Ref, error) {
		return ref.Ref{}, errorf(Pos{}, ErrReference, "%s is not REGISTRY[/REPO]: %s (e.g. registry.example.com/team/probe)", quoteRef(arg), why)
	}
	host, repo, _ := strings.Cut(arg, "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return bad("a registry host has a dot or a port, or is localhost")
	}
	if strings.ContainsAny(repo, ":@") {
		return bad("it names a repository, not a tag or a digest")
	}
	if repo == "" {
		r, err := ref.NewHost(host)
		if err != nil {
			return bad("not a registry host")
		}
		if err := CheckPort(r.Registry); err != nil {
			return bad(err.Error())
		}
		return r, nil
	}
	r, err := ref.New(arg)
	if err != nil || r.Registry != host {
		return bad("the repository name is not valid")
	}
	if err := CheckPort(r.Registry); err != nil {
		return bad(err.Error())
	}
	return r.SetTag(""), nil
}
