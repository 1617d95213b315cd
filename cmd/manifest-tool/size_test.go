package main

import (
	"strings"
	"testing"
)

// A size flag's value that units.Parse refuses is bad input (exit 2),
// named with the flag and the value as given; the parser's own cases are
// internal/units' tests.
func TestParseSizeInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "0", "4M", "9000000000GiB"} {
		_, err := parseSize("--max-manifest-size", in)
		want := `--max-manifest-size "` + in + `": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`
		if err == nil || err.Error() != want || exitCode(err) != exitBadInput {
			t.Errorf("parseSize(%q): %v; want the usage error %q", in, err, want)
		}
	}
	if n, err := parseSize("--max-manifest-size", "4MiB"); n != 4<<20 || err != nil {
		t.Errorf("parseSize(4MiB) = %d, %v", n, err)
	}
}

// $MANIFEST_TOOL_MAX_MANIFEST_SIZE stands for the flag; the flag, when
// given, wins.
func TestMaxManifestSizeEnv(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(maxManifestEnv, "0")
	code, _, stderr := runCLI("inspect", "reg.invalid/app:1")
	want := `error: --max-manifest-size (or $MANIFEST_TOOL_MAX_MANIFEST_SIZE) "0": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)` + "\n"
	if code != exitBadInput || stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
	code, _, stderr = runCLI("--max-manifest-size", "8MiB", "inspect", "ocidir://"+t.TempDir()+":1")
	if strings.Contains(stderr, "max-manifest-size") || code == exitBadInput {
		t.Errorf("the flag given: exit %d, stderr %q; want the variable ignored", code, stderr)
	}
}
