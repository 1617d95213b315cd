package main

import (
	"regexp"
	"runtime/debug"
)

// Set by make build with -ldflags "-X main.version=... -X main.commit=...".
// A binary built otherwise (go build, go install module@version) says what
// the Go toolchain recorded instead; see describeBuild.
var (
	version string
	commit  string
)

// buildVersion is what --version says, and the User-Agent's version: the
// version and commit make build set, else those the Go toolchain recorded.
func buildVersion() (string, string) {
	info, _ := debug.ReadBuildInfo()
	return describeBuild(version, commit, info)
}

// pseudoRevRE finds the commit in a pseudo-version
// (v0.0.0-20261203115633-1961af5abcde, v1.2.4-0.2026…-1961af5abcde+dirty).
var pseudoRevRE = regexp.MustCompile(`[-.]\d{14}-([0-9a-f]{12})(?:\+.*)?$`)

// describeBuild picks the version and the commit of a build: the ones set
// with -ldflags, else the module version the toolchain recorded (a tag for
// go install module@v1.2.3, a pseudo-version for go build in a clone) and
// its vcs.revision (with ", modified" when vcs.modified says the work tree
// had changes), or the commit a pseudo-version names. What cannot be known
// stays "dev" and "unknown".
func describeBuild(ldVersion, ldCommit string, info *debug.BuildInfo) (string, string) {
	v, c := ldVersion, ldCommit
	if info != nil {
		if mv := info.Main.Version; v == "" && mv != "" && mv != "(devel)" {
			v = mv
		}
		if c == "" {
			var rev, modified string
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value
				}
			}
			if rev == "" {
				if m := pseudoRevRE.FindStringSubmatch(info.Main.Version); m != nil {
					rev = m[1]
				}
			}
			if rev != "" && modified == "true" {
				rev += ", modified"
			}
			c = rev
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}
