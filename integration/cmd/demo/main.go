// Command demo runs manifest-tool's main job end to end on a local
// registry it starts itself: it seeds per-platform images the way a
// release pipeline's build steps would, publishes one index with
// `push from-spec examples/release.yaml` and one with
// examples/from-args.sh, shows what the registry now holds, and stops the
// registry. `make demo` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// exampleRegistry is the registry the examples name.
const exampleRegistry = "127.0.0.1:5000"

func main() {
	tool := flag.String("tool", "manifest-tool", "the manifest-tool binary")
	addr := flag.String("addr", exampleRegistry, "where the registry listens")
	examples := flag.String("examples", "../examples", "the examples directory")
	flag.Parse()
	if err := run(*tool, *addr, *examples); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(tool, addr, examples string) error {
	tool, err := filepath.Abs(tool)
	if err != nil {
		return err
	}
	reg, err := regtest.Start(regtest.Options{Addr: addr})
	if err != nil {
		return fmt.Errorf("starting the registry on %s: %w (is something else listening there?)", addr, err)
	}
	defer reg.Close()
	fmt.Printf("==> Distribution registry listening on %s (plain HTTP, in memory)\n", reg.Host)
	if err := reg.SeedExamples(); err != nil {
		return err
	}
	fmt.Println("==> seeded per-platform images: demo/app:1.0-linux-{amd64,arm64,armv7},")
	fmt.Println("    demo/builds:app-1.0-armv7, and demo/builds:app-1.0-s390x (buildx index + provenance)")

	spec := filepath.Join(examples, "release.yaml")
	if reg.Host != exampleRegistry { // the example names the default address
		b, err := os.ReadFile(spec)
		if err != nil {
			return err
		}
		spec = filepath.Join(os.TempDir(), "release.yaml")
		if err := os.WriteFile(spec, []byte(strings.ReplaceAll(string(b), exampleRegistry, reg.Host)), 0o644); err != nil {
			return err
		}
		defer os.Remove(spec)
	}
	if err := show(exec.Command(tool, "--plain-http", "push", "--type", "oci", "from-spec", spec)); err != nil {
		return err
	}
	if err := printIndex(reg, "demo/app", "1.0"); err != nil {
		return err
	}

	script := exec.Command("sh", filepath.Join(examples, "from-args.sh"))
	script.Env = append(os.Environ(), "REGISTRY="+reg.Host, "MANIFEST_TOOL="+tool)
	if err := show(script); err != nil {
		return err
	}
	if err := printIndex(reg, "demo/app", "1.0-args"); err != nil {
		return err
	}
	fmt.Println("==> done; stopping the registry")
	return nil
}

// show prints a command, runs it with its output on ours, and fails when it does.
func show(cmd *exec.Cmd) error {
	args := make([]string, len(cmd.Args))
	for i, a := range cmd.Args {
		args[i] = filepath.Base(a)
		if !strings.HasPrefix(a, "/") {
			args[i] = a
		}
	}
	fmt.Printf("\n$ %s\n", strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// printIndex reads an index back from the registry and prints its entries.
func printIndex(reg *regtest.Registry, repo, tag string) error {
	m, idx, err := reg.GetIndex(repo, tag)
	if err != nil {
		return err
	}
	fmt.Printf("\n==> the registry now serves %s:%s\n    %s\n    %s, %d bytes\n", repo, tag, m.MediaType, m.Digest, len(m.Body))
	for _, d := range idx.Manifests {
		what := ""
		if d.Platform != nil {
			what = d.Platform.String()
		}
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			what = "attestation of " + d.Annotations["vnd.docker.reference.digest"][:19] + "…"
		}
		fmt.Printf("    %-28s %s…\n", what, d.Digest[:19])
	}
	return nil
}
