package main

import (
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	const rev = "1961af5abcdef0123456789abcdef0123456789a"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name            string
		ldVersion       string
		ldCommit        string
		info            *debug.BuildInfo
		version, commit string
	}{
		{"make build", "v1.0.0", rev, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("false")}, "v1.0.0", rev},
		{"go build in a clean clone", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203115633-1961af5abcde"}, Settings: vcs("false")},
			"v0.0.0-20261203115633-1961af5abcde", rev},
		{"go build with changes", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261203115633-1961af5abcde+dirty"}, Settings: vcs("true")},
			"v0.0.0-20261203115633-1961af5abcde+dirty", rev + ", modified"},
		{"go install of a tag", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", "unknown"},
		{"go install of a commit", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261203115633-1961af5abcde"}}, "v1.2.4-0.20261203115633-1961af5abcde", "1961af5abcde"},
		{"go build without vcs", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev", "unknown"},
		{"no build info", "", "", nil, "dev", "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, c := describeBuild(tc.ldVersion, tc.ldCommit, tc.info)
			if v != tc.version || c != tc.commit {
				t.Errorf("got %q, %q; want %q, %q", v, c, tc.version, tc.commit)
			}
		})
	}
}
