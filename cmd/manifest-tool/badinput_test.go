package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputTable: malformed specs, flags, references and platforms each
// end with one exact error line and exit 2, before any registry is asked
// anything (the references name registries that do not exist).
func TestBadInputTable(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := t.TempDir()
	spec := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const member = "manifests:\n  - image: reg.invalid/app:1-amd64\n"
	fromArgs := func(extra ...string) []string {
		return append([]string{"push", "from-args", "--platforms", "linux/amd64", "--template", "reg.invalid/app:1-ARCH", "--target", "reg.invalid/app:1"}, extra...)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		// specs
		{"yaml syntax", []string{"push", "from-spec", spec("s1.yaml", "image: [a\n")}, "s1.yaml:1: did not find expected ',' or ']'"},
		{"tab indent", []string{"push", "from-spec", spec("s2.yaml", "image: a/b\nmanifests:\n\t- image: x\n")}, "s2.yaml:3: found character that cannot start any token"},
		{"empty spec", []string{"push", "from-spec", spec("s3.yaml", "# nothing\n")}, "s3.yaml: the spec is empty: it needs at least an image and a manifests list"},
		{"list document", []string{"push", "from-spec", spec("s4.yaml", "- image: a\n")}, "s4.yaml:1: must be a mapping with image and manifests keys, not a list"},
		{"top key typo", []string{"push", "from-spec", spec("s5.yaml", "image: a/b\nmanifest: []\n")}, `s5.yaml:2: manifest: unknown key "manifest"; did you mean "manifests"?`},
		{"platform key typo", []string{"push", "from-spec", spec("s6.yaml", "image: a/b\n"+member+"    platform: {os: linux, arch: amd64}\n")}, `s6.yaml:4: manifests[0].platform.arch: unknown key "arch"; did you mean "architecture"?`},
		{"member key", []string{"push", "from-spec", spec("s7.yaml", "image: a/b\n"+member+"    digest: x\n")}, `s7.yaml:4: manifests[0].digest: unknown key "digest" (known keys: image, platform, annotations)`},
		{"no image", []string{"push", "from-spec", spec("s8.yaml", member)}, "s8.yaml:1: image: no target image: add `image: registry/repo:tag` (or a `targets:` list)"},
		{"no manifests", []string{"push", "from-spec", spec("s9.yaml", "image: a/b\n")}, "s9.yaml:1: manifests: no manifests: list the member images under `manifests:`"},
		{"empty manifests", []string{"push", "from-spec", spec("s10.yaml", "image: a/b\nmanifests: []\n")}, "s10.yaml:2: manifests: the list is empty: an index needs at least one member"},
		{"member without image", []string{"push", "from-spec", spec("s11.yaml", "image: a/b\nmanifests:\n  - platform: {os: linux, architecture: amd64}\n")}, "s11.yaml:3: manifests[0]: no image: each member needs `image: registry/repo:tag`"},
		{"uppercase repository", []string{"push", "from-spec", spec("s12.yaml", "image: a/B:1\n"+member)}, `s12.yaml:1: image: invalid reference "a/B:1", repo must be lowercase`},
		{"bad member reference", []string{"push", "from-spec", spec("s13.yaml", "image: a/b\nmanifests:\n  - image: a/b:!!\n")}, `s13.yaml:3: manifests[0].image: invalid reference "a/b:!!"`},
		{"target by digest", []string{"push", "from-spec", spec("s14.yaml", "image: a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"+member)},
			`s14.yaml:1: image: target "a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" names a digest; name a tag instead (the index's digest is known only once it is built)`},
		{"image as list", []string{"push", "from-spec", spec("s15.yaml", "image: [a]\n"+member)}, "s15.yaml:1: image: must be a string, not a list"},
		{"tags as string", []string{"push", "from-spec", spec("s16.yaml", "image: a/b\ntags: latest\n"+member)}, `s16.yaml:2: tags: must be a list of strings, not "latest"`},
		{"bad tag", []string{"push", "from-spec", spec("s17.yaml", "image: a/b\ntags: [-x]\n"+member)}, `s17.yaml:2: tags[0]: "-x" is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`},
		{"annotations as list", []string{"push", "from-spec", spec("s18.yaml", "image: a/b\nannotations: [a]\n"+member)}, "s18.yaml:2: annotations: must be a mapping of keys to strings, not a list"},
		{"duplicate key", []string{"push", "from-spec", spec("s19.yaml", "image: a/b\nimage: a/c\n"+member)}, `s19.yaml:2: image: key "image" given twice`},
		{"os without architecture", []string{"push", "from-spec", spec("s20.yaml", "image: a/b\n"+member+"    platform: {os: linux}\n")}, `s20.yaml:4: manifests[0].platform: architecture is required with os "linux" (e.g. architecture: amd64)`},
		{"architecture without os", []string{"push", "from-spec", spec("s21.yaml", "image: a/b\n"+member+"    platform: {architecture: arm64}\n")}, `s21.yaml:4: manifests[0].platform: os is required with architecture "arm64" (e.g. os: linux)`},
		{"both spellings", []string{"push", "from-spec", spec("s22.yaml", "image: a/b\n"+member+"    platform: {os: windows, architecture: amd64, osversion: '1', os.version: '1'}\n")},
			`s22.yaml:4: manifests[0].platform.os.version: both "osversion" and "os.version" are given; they are the same field, keep one`},
		{"uppercase platform value", []string{"push", "from-spec", spec("s23.yaml", "image: a/b\n"+member+"    platform: {os: Linux, architecture: amd64}\n")},
			`s23.yaml:4: manifests[0].platform.os: "Linux" is not a platform value (lowercase letters, digits, '.', '_' and '-')`},
		{"unset variable", []string{"push", "from-spec", spec("s24.yaml", "image: ${MT_TEST_UNSET}/app:1\n"+member)}, "s24.yaml:1: image: ${MT_TEST_UNSET} is not set (set it, or write ${MT_TEST_UNSET:-default})"},
		{"unclosed variable", []string{"push", "from-spec", spec("s25.yaml", "image: reg.invalid/app:${V\n"+member)}, `s25.yaml:1: image: unclosed ${ in "reg.invalid/app:${V" (write $$ for a literal $)`},
		{"variable syntax", []string{"push", "from-spec", spec("s26.yaml", "image: reg.invalid/app:${V-1}\n"+member)},
			`s26.yaml:1: image: ${V-1} in "reg.invalid/app:${V-1}": "V-1" is not a variable name (letters, digits, _; only ${NAME} and ${NAME:-default} are expanded)`},
		{"document type", []string{"push", "from-spec", spec("s27.yaml", "image: a/b\ntype: oic\n"+member)}, `s27.yaml:2: type: "oic": want docker or oci`},
		{"unknown architecture", []string{"push", "from-spec", spec("s28.yaml", "image: a/b\n"+member+"    platform:\n      os: linux\n      architecture: amd46\n")},
			`s28.yaml:6: manifests[0].platform.architecture: unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`},
		{"unknown os", []string{"push", "from-spec", spec("s29.yaml", "image: a/b\n"+member+"    platform:\n      os: lnux\n      architecture: amd64\n")},
			`s29.yaml:5: manifests[0].platform.os: unknown os "lnux"; did you mean "linux"? (--allow-unknown-platform lets it through)`},
		{"unknown variant", []string{"push", "from-spec", spec("s30.yaml", "image: a/b\n"+member+"    platform: {os: linux, architecture: arm, variant: v9}\n")},
			`s30.yaml:4: manifests[0].platform.variant: unknown variant "v9" for arm (known: v5, v6, v7, v8) (--allow-unknown-platform lets it through)`},
		{"docker index annotations", []string{"push", "from-spec", spec("s31.yaml", "image: a/b\nannotations: {k: v}\n"+member)}, "s31.yaml:2: annotations: a Docker manifest list cannot carry annotations; use --type oci"},
		{"docker entry annotations", []string{"push", "from-spec", spec("s32.yaml", "image: a/b\n"+member+"    annotations: {k: v}\n")}, "s32.yaml:4: manifests[0].annotations: a Docker manifest list cannot carry annotations; use --type oci"},
		{"two documents, one tag", []string{"push", "from-spec", spec("s33.yaml", "image: reg.invalid/a:1\n"+member+"---\nimage: reg.invalid/a:2\ntags: ['1']\n"+member)},
			"s33.yaml:6: tags[0]: reg.invalid/a:1 is also written by " + filepath.Join(dir, "s33.yaml") + ":1: image; a tag can point at one index"},
		{"merge of itself", []string{"push", "from-spec", spec("s35.yaml", "image: a/b\nmanifests:\n  - &m {image: reg.invalid/app:1, <<: *m}\n")}, "s35.yaml:3: manifests[0]: merge key refers to itself"},
		{"over --max-members", []string{"push", "from-spec", "--max-members", "1", spec("s36.yaml", "image: a/b\n"+member+"  - image: reg.invalid/app:1-arm64\n")},
			"s36.yaml:4: manifests[1]: more than 1 members in one spec (--max-members raises the limit)"},
		{"over --max-spec-size", []string{"push", "from-spec", "--max-spec-size", "16B", spec("s37.yaml", "image: a/b\n"+member)}, "s37.yaml: the spec is larger than 16 bytes (--max-spec-size raises the limit)"},
		{"over --max-documents", []string{"push", "from-spec", "--max-documents", "1", spec("s38.yaml", "image: reg.invalid/a:1\n"+member+"---\nimage: reg.invalid/a:2\n"+member)},
			"s38.yaml:5: more than 1 documents (indexes) in one spec (--max-documents raises the limit)"},
		{"--max-members 0", []string{"push", "from-spec", "--max-members", "0", spec("s39.yaml", "image: a/b\n"+member)}, "--max-members 0: want a number above 0"},
		{"--max-spec-size unit", []string{"push", "from-spec", "--max-spec-size", "4XB", spec("s40.yaml", "image: a/b\n"+member)}, `--max-spec-size "4XB": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`},
		{"merge of a scalar", []string{"push", "from-spec", spec("s34.yaml", "image: a/b\n"+member+"    platform: {<<: 5}\n")}, `s34.yaml:4: manifests[0].platform: << must merge a mapping, not "5"`},
		// from-args flags
		// flag values that can never do what was meant
		{"--timeout 0", []string{"--timeout", "0", "inspect", "reg.invalid/app:1"}, "--timeout 0s: want a duration above 0 (leave it out for no limit)"},
		{"--timeout -5s", []string{"--timeout", "-5s", "inspect", "reg.invalid/app:1"}, "--timeout -5s: want a duration above 0 (leave it out for no limit)"},
		{"--concurrency 0", []string{"--concurrency", "0", "inspect", "reg.invalid/app:1"}, "--concurrency 0: want a number above 0 (16 when not given)"},
		{"--concurrency -1", []string{"--concurrency", "-1", "inspect", "reg.invalid/app:1"}, "--concurrency -1: want a number above 0 (16 when not given)"},
		{"--insecure-registry empty", []string{"--insecure-registry", "", "inspect", "reg.invalid/app:1"}, `--insecure-registry "": want a registry host, such as reg.example.com:5000, not nothing`},
		{"--plain-http-registry URL", []string{"--plain-http-registry", "http://reg.invalid:5000/v2/", "inspect", "reg.invalid/app:1"},
			`--plain-http-registry "http://reg.invalid:5000/v2/": want a registry host without a scheme, such as reg.invalid:5000`},
		{"--insecure-registry path", []string{"--insecure-registry", "reg.invalid/app", "inspect", "reg.invalid/app:1"}, `--insecure-registry "reg.invalid/app": want a registry host, such as reg.example.com:5000 (no path, user or spaces)`},
		{"--insecure-registry no host", []string{"--insecure-registry", ":5000", "inspect", "reg.invalid/app:1"}, `--insecure-registry ":5000": want a registry host before the port, such as localhost:5000`},
		{"--insecure-registry port", []string{"--insecure-registry", "reg.invalid:99999", "inspect", "reg.invalid/app:1"}, `--insecure-registry "reg.invalid:99999": port 99999 is not 1-65535`},
		{"--username-registry URL", []string{"--username", "ci", "--password", "pw", "--username-registry", "https://reg.invalid", "inspect", "reg.invalid/app:1"},
			`--username-registry "https://reg.invalid": want a registry host without a scheme, such as reg.invalid`},
		{"--username-registry empty", []string{"--username", "ci", "--password", "pw", "--username-registry", "", "inspect", "reg.invalid/app:1"},
			`--username-registry "": want a registry host, such as reg.example.com:5000, not nothing`},
		{"--username-registry after the command", []string{"inspect", "reg.invalid/app:1", "--username", "ci", "--password", "pw", "--username-registry", "reg.invalid/app"},
			`--username-registry "reg.invalid/app": want a registry host, such as reg.example.com:5000 (no path, user or spaces)`},
		{"--username-registry without --username", []string{"--username-registry", "reg.invalid", "inspect", "reg.invalid/app:1"}, "--username-registry names the registry of --username; give --username too"},
		{"--username-registry not in the run", []string{"--username", "ci", "--password", "pw", "--username-registry", "other.invalid", "inspect", "reg.invalid/app:1"},
			`--username-registry "other.invalid": not a registry this run names (it names "reg.invalid")`},
		{"--username for two targets", []string{"--username", "ci", "--password", "pw", "push", "from-spec", spec("u1.yaml", "image: reg.invalid/app:1\n"+member+"---\nimage: other.invalid/app:1\n"+member)},
			"--username and --password go to one registry, and this run pushes to 2 (reg.invalid, other.invalid): name the one they are for with --username-registry HOST (the others use the Docker config)"},
		{"bare architecture", []string{"push", "from-args", "--platforms", "arm64", "--template", "r/a:ARCH", "--target", "r/a:1"}, `--platforms "arm64": "arm64" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`},
		{"four parts", []string{"push", "from-args", "--platforms", "linux/arm/v7/x", "--template", "r/a:ARCH", "--target", "r/a:1"}, `--platforms "linux/arm/v7/x": "linux/arm/v7/x" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`},
		{"uppercase item", []string{"push", "from-args", "--platforms", "Linux/amd64", "--template", "r/a:ARCH", "--target", "r/a:1"}, `--platforms "Linux/amd64": "Linux/amd64" is not os/arch[/variant]: "Linux" must be lowercase letters, digits, '.', '_' or '-'`},
		{"empty os.version", []string{"push", "from-args", "--platforms", "windows/amd64:", "--template", "r/a:ARCH", "--target", "r/a:1"}, `--platforms "windows/amd64:": os.version "" after ':' is not a version such as 10.0.20348.2227`},
		{"no placeholder", []string{"push", "from-args", "--platforms", "linux/amd64,linux/arm64", "--template", "r/a:1", "--target", "r/a:1"},
			`--template: "r/a:1" has no placeholder (OS, ARCH, VARIANT, OSVERSION), so every platform would name the same image`},
		{"template gives bad reference", []string{"push", "from-args", "--platforms", "linux/amd64", "--template", "r/APP-ARCH:1", "--target", "r/a:1"},
			`--platforms "linux/amd64": --template "r/APP-ARCH:1" gives "r/APP-amd64:1": invalid reference "r/APP-amd64:1", repo must be lowercase`},
		{"no target", []string{"push", "from-args", "--platforms", "linux/amd64", "--template", "r/a:ARCH"}, "--target: is required (the reference the index is written to)"},
		{"no template", []string{"push", "from-args", "--platforms", "linux/amd64", "--target", "r/a:1"}, "--template or --member: is required, e.g. --template 'reg/app:1.0-OS-ARCHVARIANT' or --member reg/app@sha256:…"},
		{"no platforms", []string{"push", "from-args", "--template", "r/a:ARCH", "--target", "r/a:1"}, "--platforms: is required, e.g. --platforms linux/amd64,linux/arm64"},
		{"bad target", fromArgs("--target", "r/A:1"), `--target "r/A:1": invalid reference "r/A:1", repo must be lowercase`},
		{"duplicate target", fromArgs("--target", "reg.invalid/app:2,reg.invalid/app:1"), `--target "reg.invalid/app:1": reg.invalid/app:1 is given twice; give each target once`},
		{"--max-targets 0", fromArgs("--max-targets", "0"), "--max-targets 0: want a number above 0"},
		{"too many targets", fromArgs("--max-targets", "2", "--target", "reg.invalid/app:2,reg.invalid/app:3"), `--target "reg.invalid/app:3": more than 2 targets in one document (--max-targets raises the limit)`},
		{"bad extra tag", fromArgs("--tags", "1,a b"), `--tags "a b": "a b" is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`},
		{"annotation without =", fromArgs("--annotations", "novalue"), `--annotations "novalue": want key=value`},
		{"annotations on docker", fromArgs("--annotations", "a=b"), "--annotations: a Docker manifest list cannot carry annotations; use --type oci"},
		{"unknown architecture item", []string{"push", "from-args", "--platforms", "linux/amd46", "--template", "r/a:ARCH", "--target", "r/a:1"},
			`--platforms "linux/amd46": unknown architecture "amd46"; did you mean "amd64"? (--allow-unknown-platform lets it through)`},
		{"stray argument", fromArgs("extra"), `from-args takes no arguments, got "extra" (did you forget a flag name?)`},
		{"member and template", fromArgs("--member", "r/a@sha256:"+strings.Repeat("a", 64)), "--member: and --template name the members two ways; give one of them"},
		{"bad member", []string{"push", "from-args", "--member", "r/A:1", "--target", "r/a:1"}, `--member "r/A:1": invalid reference "r/A:1", repo must be lowercase`},
		{"negative settle", []string{"push", "from-args", "--append", "--settle", "-1s", "--member", "r/a:1", "--target", "r/a:2"}, "--settle -1s: want a pause of 0s or more (0 means the default, 1s)"},
		{"settle without append", []string{"push", "from-args", "--settle", "2s", "--member", "r/a:1", "--target", "r/a:2"}, "--settle applies to --append and edit, which read the index back; add --append, or drop --settle"},
		// edit
		{"edit sets and drops one annotation", []string{"edit", "--annotations", "k=v", "--remove-annotation", "k", "r/a:1"}, `--remove-annotation "k": --annotations sets it too; give one of them`},
		{"edit without a change", []string{"edit", "r/a:1"}, "edit needs a change: --add, --remove, --annotations, --remove-annotation or --attestations drop|referrers (see manifest-tool edit --help)"},
		{"edit one target twice", []string{"edit", "--remove", "linux/amd64", "r/a:1", "docker.io/r/a:1"}, `TARGET "docker.io/r/a:1": docker.io/r/a:1 is also named by TARGET "r/a:1"; give each target once`},
		{"edit a digest", []string{"edit", "--remove", "linux/amd64", "r/a@sha256:" + strings.Repeat("a", 64)},
			`TARGET: target "r/a@sha256:` + strings.Repeat("a", 64) + `" names a digest; name a tag instead (the index's digest is known only once it is built)`},
		{"edit a bad platform", []string{"edit", "--remove", "linux", "r/a:1"}, `--remove "linux": "linux" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`},
		{"edit a bad add", []string{"edit", "--add", "r/A:1", "r/a:1"}, `--add "r/A:1": invalid reference "r/A:1", repo must be lowercase`},
		// command line
		{"bad type", []string{"push", "--type", "oic", "from-spec", "x.yaml"}, `--type "oic": want docker or oci`},
		{"unknown flag", []string{"push", "from-spec", "--ignore", "x.yaml"}, "flag provided but not defined: -ignore (see manifest-tool push from-spec --help)"},
		{"unknown command", []string{"pusj"}, `unknown command "pusj" (see manifest-tool --help)`},
		{"flag without value", []string{"push", "from-spec", "x.yaml", "--docker-cfg"}, "flag needs a value: --docker-cfg"},
		{"no spec file", []string{"push", "from-spec"}, "from-spec needs exactly one FILE (or - for stdin), got 0 arguments"},
		{"missing spec file", []string{"push", "from-spec", filepath.Join(dir, "absent.yaml")}, "absent.yaml: cannot read the spec: no such file or directory"},
		{"missing docker config", append([]string{"--docker-cfg", filepath.Join(dir, "nodocker")}, fromArgs()...), `--docker-cfg "` + filepath.Join(dir, "nodocker") + `": no such file or directory`},
		{"log format", []string{"--log-format", "xml", "push"}, `--log-format "xml": want text or json`},
		{"idle timeout of 0", append([]string{"--idle-timeout", "0"}, fromArgs()...), "--idle-timeout 0s: want a duration above 0 (60s when not given)"},
		{"negative idle timeout, after the command", []string{"inspect", "reg.invalid/app:1", "--idle-timeout", "-5s"}, "--idle-timeout -5s: want a duration above 0 (60s when not given)"},
		{"idle timeout not a duration", []string{"--idle-timeout", "soon", "inspect", "reg.invalid/app:1"}, `invalid value "soon" for flag -idle-timeout: parse error (see manifest-tool --help)`},
		{"manifest size of 0", append([]string{"--max-manifest-size", "0"}, fromArgs()...), `--max-manifest-size "0": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`},
		{"negative manifest size, after the command", []string{"inspect", "reg.invalid/app:1", "--max-manifest-size=-1MiB"}, `--max-manifest-size "-1MiB": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`},
		{"manifest size in an unsaid unit", []string{"inspect", "--max-manifest-size", "4M", "reg.invalid/app:1"}, `--max-manifest-size "4M": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`},
		{"help topic", []string{"help", "nope"}, "No help topic for 'nope'"},
		{"--referrers value", []string{"push", "from-spec", "--referrers=bogus", "x.yaml"}, `--referrers "bogus": want true, false or required`},
		{"--referrers value after the arguments", fromArgs("--referrers=requird"), `--referrers "requird": want true, false or required`},
		{"--referrers value on push", []string{"push", "--referrers=", "from-spec", "x.yaml"}, `--referrers "": want true, false or required`},
		{"--referrers value on edit", []string{"edit", "--remove", "linux/amd64", "r/a:1", "--referrers=maybe"}, `--referrers "maybe": want true, false or required`},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			want := "error: " + tc.want + "\n"
			if !strings.HasPrefix(tc.want, "/") && strings.Contains(tc.want, ".yaml") && !strings.HasPrefix(tc.want, "--") {
				want = "error: " + filepath.Join(dir, tc.want) + "\n"
			}
			if code != exitBadInput || stderr != want || stdout != "" {
				t.Errorf("exit %d, stdout %q\nstderr %q\nwant   %q", code, stdout, stderr, want)
			}
		})
	}
}

// Every problem a spec alone shows comes at once, each on its line at its
// own file:line: an unknown architecture and two members of one platform.
func TestAllProblemsAtOnce(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	file := filepath.Join(t.TempDir(), "release.yaml")
	spec := `image: reg.invalid/app:1
manifests:
  - image: reg.invalid/app:1-amd64
    platform: {os: linux, architecture: amd64}
  - image: reg.invalid/app:1-s390x
    platform:
      os: linux
      architecture: s930x
  - image: reg.invalid/app:1-amd64-again
    platform: {os: linux, architecture: x86_64}
`
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("push", "from-spec", file)
	want := "error: " + file + `:8: manifests[1].platform.architecture: unknown architecture "s930x"; did you mean "s390x"? (--allow-unknown-platform lets it through)` + "\n" +
		"error: " + file + ":9: manifests[2]: reg.invalid/app:1-amd64-again: platform linux/amd64 is already declared by " + file + `:3: manifests[0]: reg.invalid/app:1-amd64 (architecture "x86_64" is written "amd64")` + "\n"
	if code != exitBadInput || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}

// A limit's variable with a value it cannot take is exit 2, naming the
// variable beside the flag.
func TestLimitFromEnvironment(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for env, want := range map[string]string{
		"MANIFEST_TOOL_MAX_MEMBERS=0":     "error: --max-members (or $MANIFEST_TOOL_MAX_MEMBERS) 0: want a number above 0",
		"MANIFEST_TOOL_MAX_SPEC_SIZE=4XB": `error: --max-spec-size (or $MANIFEST_TOOL_MAX_SPEC_SIZE) "4XB": want a size above 0, in bytes or with a unit (e.g. 4MiB, 8MB)`,
	} {
		name, value, _ := strings.Cut(env, "=")
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			code, _, stderr := runCLI("push", "from-spec", "nothing.yaml")
			if code != 2 || strings.TrimSpace(stderr) != want {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
			}
		})
	}
}
