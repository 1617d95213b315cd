package integration

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// Two members with the same platform refuse to push, naming both, and
// nothing is written.
func TestDuplicatePlatform(t *testing.T) {
	t.Parallel()
	reg := regtest.New(t)
	imgs := seed(t, reg, "dup/app", "1", true, linuxAMD64, linuxARM64)
	reg.Requests()
	specFile := writeFile(t, "dup.yaml", fmt.Sprintf(`image: %[1]s/dup/app:1
manifests:
  - image: %[1]s/dup/app:1-linux-amd64
  - image: %[1]s/dup/app:1-linux-arm64v8
    platform: {os: linux, architecture: amd64}
`, reg.Host))
	r := mt(t, "--plain-http", "push", "from-spec", specFile)
	r.fails(t, 2, fmt.Sprintf("error: %[1]s:4: manifests[1]: %[2]s/dup/app:1-linux-arm64v8 (%[3]s): platform linux/amd64 is already provided by %[1]s:3: manifests[0]: %[2]s/dup/app:1-linux-amd64 (%[4]s)",
		specFile, reg.Host, imgs["1-linux-arm64v8"].Manifest.Digest, imgs["1-linux-amd64"].Manifest.Digest))
	if w := regtest.Writes(reg.Requests()); len(w) > 0 {
		t.Errorf("writes: %v", w)
	}
}

// A missing member fails before anything is written; with --ignore-missing
// (here after the file name) it is skipped with a warning.
func TestMissingMember(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	imgs := seed(t, r, "miss/app", "1", false, linuxAMD64)
	specFile := writeFile(t, "miss.yaml", fmt.Sprintf(`image: %[1]s/miss/app:1
manifests:
  - image: %[1]s/miss/app:1-linux-amd64
  - image: %[1]s/miss/app:1-linux-arm64
`, r.Host))
	r.Requests()
	mt(t, "--plain-http", "push", "from-spec", specFile).fails(t, 1,
		fmt.Sprintf("error: %s:4: manifests[1]: resolving %s/miss/app:1-linux-arm64: not found (MANIFEST_UNKNOWN: manifest unknown)", specFile, r.Host))
	if w := regtest.Writes(r.Requests()); len(w) > 0 {
		t.Errorf("writes after a failed resolve: %v", w)
	}

	res := mt(t, "push", "from-spec", specFile, "--ignore-missing", "--plain-http")
	digest, size := res.ok(t)
	if want := fmt.Sprintf("warning: %s:4: manifests[1]: resolving %s/miss/app:1-linux-arm64: not found (MANIFEST_UNKNOWN: manifest unknown); skipped (--ignore-missing)\n", specFile, r.Host); !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q", want)
	}
	checkIndex(t, r, "miss/app", "1", regtest.DockerList, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})

	allMissing := writeFile(t, "none.yaml", fmt.Sprintf(`image: %[1]s/miss/none:1
manifests:
  - image: %[1]s/miss/app:nope-1
  - image: %[1]s/miss/app:nope-2
`, r.Host))
	mt(t, "--plain-http", "push", "from-spec", "--ignore-missing", allMissing).fails(t, 1,
		fmt.Sprintf("error: %s:1: image: all 2 members of %s/miss/none:1 are missing; nothing to push", allMissing, r.Host))
}

// Annotations on a Docker list are refused before any request.
func TestDockerAnnotationsRefused(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	specFile := writeFile(t, "ann.yaml", fmt.Sprintf(`image: %[1]s/ann/app:1
annotations: {org.opencontainers.image.source: https://example.com}
manifests:
  - image: %[1]s/ann/app:1-linux-amd64
`, r.Host))
	mt(t, "--plain-http", "push", "from-spec", specFile).fails(t, 2,
		fmt.Sprintf("error: %s:2: annotations: a Docker manifest list cannot carry annotations; use --type oci", specFile))
	mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64", "--template", r.Host+"/ann/app:ARCH",
		"--target", r.Host+"/ann/app:1", "--annotations", "a=b").fails(t, 2,
		"error: --annotations: a Docker manifest list cannot carry annotations; use --type oci")
	entryAnn := writeFile(t, "entry.yaml", fmt.Sprintf(`image: %[1]s/ann/app:1
manifests:
  - image: %[1]s/ann/app:1-linux-amd64
    annotations: {a: b}
`, r.Host))
	mt(t, "--plain-http", "push", "--type", "docker", "from-spec", entryAnn).fails(t, 2,
		fmt.Sprintf("error: %s:4: manifests[0].annotations: a Docker manifest list cannot carry annotations; use --type oci", entryAnn))
	if reqs := r.Requests(); len(reqs) > 0 {
		t.Errorf("requests were made: %v", reqs)
	}
}

// A target without a tag gets latest, and the tool says so.
func TestTargetWithoutTag(t *testing.T) {
	t.Parallel()
	imgs := seed(t, reg, "notag/app", "1", true, linuxAMD64)
	res := mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64",
		"--template", reg.Host+"/notag/app:1-OS-ARCH", "--target", reg.Host+"/notag/app")
	digest, size := res.ok(t)
	if want := fmt.Sprintf("warning: --target: %s/notag/app has no tag; using %s/notag/app:latest\n", reg.Host, reg.Host); !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q", want)
	}
	checkIndex(t, reg, "notag/app", "latest", regtest.DockerList, digest, size, []regtest.Descriptor{entry(imgs["1-linux-amd64"], &linuxAMD64)})
}

// Bad input on the command line: one line, exit 2, before any request
// (the references name docker.io, which these machines cannot reach).
func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad platform", []string{"push", "from-args", "--platforms", "linux/amd64,arm64", "--template", "r/a:ARCH", "--target", "r/a:1"},
			`error: --platforms "arm64": "arm64" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`},
		{"bad type", []string{"push", "--type", "oic", "from-args"}, `error: --type "oic": want docker or oci`},
		{"unknown flag", []string{"push", "from-spec", "--ignore", "x.yaml"}, `error: flag provided but not defined: -ignore (see manifest-tool push from-spec --help)`},
		{"unknown command", []string{"pusj"}, `error: unknown command "pusj" (see manifest-tool --help)`},
		{"unknown push command", []string{"push", "from-yaml", "x"}, `error: unknown push command "from-yaml": want from-spec or from-args (see manifest-tool push --help)`},
		{"no spec file", []string{"push", "from-spec"}, `error: from-spec needs exactly one FILE (or - for stdin), got 0 arguments`},
		{"missing spec file", []string{"push", "from-spec", "/nonexistent/release.yaml"}, `error: /nonexistent/release.yaml: cannot read the spec: no such file or directory`},
		{"missing template", []string{"push", "from-args", "--platforms", "linux/amd64", "--target", "r/a:1"}, `error: --template or --member: is required, e.g. --template 'reg/app:1.0-OS-ARCHVARIANT' or --member reg/app@sha256:…`},
		{"bad target", []string{"push", "from-args", "--platforms", "linux/amd64", "--template", "r/a:ARCH", "--target", "r/A:1"}, `error: --target: invalid reference "r/A:1", repo must be lowercase`},
		{"help topic", []string{"help", "nope"}, `error: No help topic for 'nope'`},
		{"--referrers value", []string{"push", "from-spec", "x.yaml", "--referrers=bogus"}, `error: --referrers "bogus": want true, false or required`},
		{"--referrers value on edit", []string{"edit", "--referrers=requird", "--remove", "linux/amd64", "r/a:1"}, `error: --referrers "requird": want true, false or required`},
		{"docker-cfg missing", []string{"--docker-cfg", "/nonexistent/docker", "push", "from-args", "--platforms", "linux/amd64", "--template", "r/a:ARCH", "--target", "r/a:1"},
			`error: --docker-cfg "/nonexistent/docker": no such file or directory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mt(t, tc.args...).fails(t, 2, tc.want)
		})
	}
}

func TestBadSpecs(t *testing.T) {
	t.Parallel()
	typo := writeFile(t, "typo.yaml", "image: r/a:1\nmanifests:\n  - image: r/a:2\n    platform:\n      os: linux\n      arch: amd64\n")
	mt(t, "push", "from-spec", typo).fails(t, 2, fmt.Sprintf(`error: %s:6: manifests[0].platform.arch: unknown key "arch"; did you mean "architecture"?`, typo))
	broken := writeFile(t, "broken.yaml", "image: r/a:1\nmanifests:\n  - image: [\n")
	mt(t, "push", "from-spec", broken).fails(t, 2, fmt.Sprintf(`error: %s:3: did not find expected node content`, broken))
	mt(t, "push", "from-spec", "-").fails(t, 2, `error: stdin: the spec is empty: it needs at least an image and a manifests list`)
	badCfg := writeFile(t, "config.json", "{not json")
	r := mtEnv(t, nil, "image: r/a:1\nmanifests: [{image: r/a:2}]\n", "--docker-cfg", badCfg, "push", "from-spec", "-")
	r.fails(t, 2, fmt.Sprintf("error: reading Docker config %s: invalid character 'n' looking for beginning of object key string", badCfg))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Registry failures: one line naming the reference and the cause, exit 1.
func TestRegistryFailures(t *testing.T) {
	t.Parallel()
	down := freeAddr(t)
	mt(t, "--plain-http", "push", "from-args", "--platforms", "linux/amd64", "--template", down+"/app:ARCH", "--target", down+"/app:1").fails(t, 1,
		fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/app:amd64: connection refused by %[1]s (is the registry running, and is the address right?)`, down))

	// a plain-HTTP registry without --plain-http
	mt(t, "push", "from-args", "--platforms", "linux/amd64", "--template", reg.Host+"/app:ARCH", "--target", reg.Host+"/app:1").fails(t, 1,
		fmt.Sprintf(`error: --platforms "linux/amd64": resolving %[1]s/app:amd64: %[1]s answers in plain HTTP, not HTTPS (add --plain-http if that is expected)`, reg.Host))
}

// --output json prints each document also when the run fails before
// anything is written: a member not found, or a target that refuses to
// say what its tags point at. The line names the failures, and each
// member's own; every tag is skipped.
func TestJSONOnEarlyFailure(t *testing.T) {
	t.Parallel()
	r := regtest.New(t)
	seed(t, r, "early", "1", false, linuxAMD64)
	f := writeFile(t, "early.yaml", fmt.Sprintf(`image: %[1]s/early:1
tags: [latest]
manifests:
  - image: %[1]s/early:1-linux-amd64
  - image: %[1]s/early:1-linux-arm64
---
image: %[1]s/early:2
manifests:
  - image: %[1]s/early:1-linux-amd64
`, r.Host))
	res := mt(t, "--plain-http", "push", "--output", "json", "from-spec", f)
	// the tags of a document, each with its status
	statuses := func(d pushJSON) string {
		var s []string
		for _, t := range d.Tags {
			s = append(s, t.Tag+"="+t.Status)
		}
		return strings.Join(s, " ")
	}
	docs := pushResults(t, res.stdout)
	if res.code != 1 || len(docs) != 2 {
		t.Fatalf("exit %d, %d JSON lines", res.code, len(docs))
	}
	d := docs[0]
	if d.Target != r.Host+"/early:1" || statuses(d) != "1=skipped latest=skipped" || len(d.Manifests) != 2 ||
		d.Manifests[0].Error != "" || !strings.Contains(d.Manifests[1].Error, "early:1-linux-arm64") || !strings.Contains(d.Manifests[1].Error, "not found") ||
		len(d.Errors) != 1 || d.Errors[0] != d.Manifests[1].Error {
		t.Errorf("the failed document: %+v", d)
	}
	if d := docs[1]; len(d.Errors) != 0 || d.Digest == "" || statuses(d) != "2=skipped" {
		t.Errorf("the ready document, not written since the other failed: %+v", d)
	}

	// a target that refuses its tag HEAD (401): the document says so
	host := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/early/manifests/3") {
			w.Header().Set("WWW-Authenticate", `Basic realm="early"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return true
		}
		return false
	})
	// two members refused alike: one error, "(and 1 more member)", given to each
	locked := regtest.Proxy(t, r, func(w http.ResponseWriter, req *http.Request) bool {
		if strings.Contains(req.URL.Path, "/early/manifests/1-") {
			w.Header().Set("WWW-Authenticate", `Basic realm="early"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return true
		}
		return false
	})
	res = mt(t, "--plain-http", "push", "--dry-run", "--output", "json", "from-args", "--member", locked+"/early:1-linux-amd64,"+locked+"/early:1-linux-arm64", "--target", locked+"/early:4")
	docs = pushResults(t, res.stdout)
	if res.code != 1 || len(docs) != 1 || len(docs[0].Errors) != 1 || !strings.Contains(docs[0].Errors[0], "(and 1 more member)") ||
		len(docs[0].Manifests) != 2 || docs[0].Manifests[0].Error == "" || docs[0].Manifests[1].Error != docs[0].Manifests[0].Error {
		t.Errorf("exit %d, documents %+v", res.code, docs)
	}

	res = mt(t, "--plain-http", "push", "--output", "json", "from-args", "--member", host+"/early:1-linux-amd64", "--target", host+"/early:3")
	docs = pushResults(t, res.stdout)
	if res.code != 1 || len(docs) != 1 || len(docs[0].Errors) != 1 || !strings.Contains(docs[0].Errors[0], "unauthorized") || statuses(docs[0]) != "3=skipped" {
		t.Errorf("exit %d, documents %+v", res.code, docs)
	}
}
