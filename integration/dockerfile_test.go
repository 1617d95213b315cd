package integration

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The Dockerfile's build stage, run here step by step without a Docker
// engine: the directories it copies, which .dockerignore lets through, are
// enough to build the tool, for the host and for linux/arm/v7, with the
// version and commit it is given.
// Where an engine answers, the image itself is built and run too.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	sent := strings.Fields(string(ignore)) // "*", then "!dir" for each directory the context holds
	ctx := t.TempDir()
	var run []string // the build command, continuation lines joined
	inBuild, cont := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cont {
			run[len(run)-1] += " " + strings.TrimSuffix(line, "\\")
			cont = strings.HasSuffix(line, "\\")
			continue
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "#"):
		case fields[0] == "FROM":
			inBuild = strings.HasSuffix(line, "AS build")
		case inBuild && fields[0] == "COPY":
			for _, src := range fields[1 : len(fields)-1] {
				if !slices.Contains(sent, "!"+src) {
					t.Errorf(".dockerignore leaves out %s, which the build stage copies: add !%s", src, src)
				}
				copyTree(t, filepath.Join("..", src), filepath.Join(ctx, src))
			}
		case inBuild && fields[0] == "RUN":
			run = append(run, strings.TrimSuffix(strings.TrimPrefix(line, "RUN "), "\\"))
			cont = strings.HasSuffix(line, "\\")
		}
	}
	var builds []string
	for _, r := range run {
		if strings.Contains(r, "go build") {
			builds = append(builds, r)
		}
	}
	run = builds
	if len(run) != 1 {
		t.Fatalf("want one go build RUN in the build stage, found %q", run)
	}
	for _, target := range []struct{ os, arch, variant, goarm string }{{"linux", "amd64", "", ""}, {"linux", "arm", "v7", "7"}} {
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command("sh", "-c", strings.ReplaceAll(run[0], "/out/", out+"/"))
		cmd.Dir = ctx
		cmd.Env = append(os.Environ(), "TARGETOS="+target.os, "TARGETARCH="+target.arch, "TARGETVARIANT="+target.variant, "VERSION=v9.9.9", "COMMIT=c0ffee")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s/%s%s: %v\n%s", target.os, target.arch, target.variant, err, b)
		}
		info, err := exec.Command("go", "version", "-m", filepath.Join(out, "manifest-tool")).Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"GOARCH=" + target.arch, "CGO_ENABLED=0", "-trimpath=true"} { // -trimpath leaves -ldflags out: --version checks them
			if !strings.Contains(string(info), want) {
				t.Errorf("%s/%s%s: the binary's build info lacks %s:\n%s", target.os, target.arch, target.variant, want, info)
			}
		}
		if target.goarm != "" && !strings.Contains(string(info), "GOARM="+target.goarm) {
			t.Errorf("linux/arm/v7: built without GOARM=%s:\n%s", target.goarm, info)
		}
		if target.arch == "amd64" {
			v, err := exec.Command(filepath.Join(out, "manifest-tool"), "--version").Output()
			if err != nil || strings.TrimSpace(string(v)) != "manifest-tool version v9.9.9 (commit: c0ffee)" {
				t.Errorf("--version: %q %v", v, err)
			}
		}
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Log("no Docker engine answers here: the image itself was not built")
		return
	}
	tag := "manifest-tool-test:" + filepath.Base(ctx)
	if b, err := exec.Command("docker", "build", "--build-arg", "VERSION=v9.9.9", "-t", tag, "..").CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, b)
	}
	defer exec.Command("docker", "rmi", tag).Run()
	if v, err := exec.Command("docker", "run", "--rm", tag, "--version").Output(); err != nil || !strings.HasPrefix(string(v), "manifest-tool version v9.9.9") {
		t.Errorf("docker run --version: %q %v", v, err)
	}
}

// copyTree copies a file or a directory, leaving out tests and test data
// (as .dockerignore does).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case info.IsDir() && info.Name() == "testdata":
			return filepath.SkipDir
		case info.IsDir():
			return os.MkdirAll(out, 0o755)
		case strings.HasSuffix(p, "_test.go"):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
