package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

// regctlAt runs regctl, by plain HTTP to each registry given, with a HOME
// of its own, and returns its output trimmed.
func regctlAt(t *testing.T, regs []*regtest.Registry, args ...string) string {
	t.Helper()
	bin := peer("regctl")
	if bin == "" {
		t.Skip("regctl is not installed: make peers builds it")
	}
	var hosts []string
	for _, r := range regs {
		hosts = append(hosts, "--host=reg="+r.Host+",tls=disabled")
	}
	out, err := run(t, []string{"HOME=" + t.TempDir()}, bin, append(hosts, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// attach has regctl attach to subject (REF@digest, in a registry or a
// layout) an SBOM, and a signature to the SBOM, as a pipeline's signing
// step would; it returns their digests.
func attach(t *testing.T, regs []*regtest.Registry, subject string) (sbom, sig string) {
	t.Helper()
	dir := t.TempDir()
	spdx, sigFile := filepath.Join(dir, "sbom.spdx.json"), filepath.Join(dir, "sig.json")
	_ = os.WriteFile(spdx, []byte(`{"spdxVersion":"SPDX-2.3","name":"`+subject+`"}`), 0o644)
	_ = os.WriteFile(sigFile, []byte(`{"critical":{"image":{"docker-manifest-digest":"`+subject+`"}}}`), 0o644)
	repo, _, _ := strings.Cut(subject, "@")
	sbom = regctlAt(t, regs, "artifact", "put", "--subject", subject, "--artifact-type", "application/spdx+json",
		"-f", spdx, "-m", "application/spdx+json", "--annotation", "org.opencontainers.image.created=2026-12-03T00:00:00Z",
		"--format", "{{.Manifest.GetDescriptor.Digest}}")
	sig = regctlAt(t, regs, "artifact", "put", "--subject", repo+"@"+sbom, "--artifact-type", "application/vnd.dev.cosign.artifact.sig.v1+json",
		"-f", sigFile, "-m", "application/vnd.dev.cosign.simplesigning.v1+json", "--format", "{{.Manifest.GetDescriptor.Digest}}")
	return sbom, sig
}

// listed is what regctl artifact list says the referrers of ref are.
func listed(t *testing.T, regs []*regtest.Registry, ref string) []string {
	t.Helper()
	out := regctlAt(t, regs, "artifact", "list", ref, "--format", "{{range .Descriptors}}{{println .Digest}}{{end}}")
	return strings.Fields(out)
}

// A signed, SBOM-carrying per-arch set in another repository or another
// registry is pushed as one index with --referrers: in the target,
// regctl finds every SBOM and every signature on them, with the digests
// they were made with, whether each side has the OCI referrers API
// (go-containerregistry's registry) or only the sha256-<hex> tag
// fallback (Distribution), and inspect --referrers lists them.
func TestReferrersTravel(t *testing.T) {
	t.Parallel()
	withAPI := func(t *testing.T) *regtest.Registry { return regtest.NewGGCR(t) }
	tagsOnly := func(t *testing.T) *regtest.Registry { return regtest.New(t) }
	dist28 := func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) }
	for _, tc := range []struct {
		name     string
		src, dst func(*testing.T) *regtest.Registry // dst nil: the same registry
	}{
		{"another repository, with the API", withAPI, nil},
		{"another repository, tags only", tagsOnly, nil},
		{"API to tags", withAPI, tagsOnly},
		{"tags to API", tagsOnly, withAPI},
		{"tags to Distribution 2.8", tagsOnly, dist28},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := tc.src(t)
			dst := src
			if tc.dst != nil {
				dst = tc.dst(t)
			}
			regs := []*regtest.Registry{src, dst}
			imgs := seed(t, src, "builds", "1", false, linuxAMD64, linuxARM64)
			var members []string
			sboms, sigs := map[string]string{}, map[string]string{}
			for _, img := range imgs {
				d := img.Manifest.Digest
				members = append(members, src.Host+"/builds@"+d)
				sboms[d], sigs[d] = attach(t, regs, src.Host+"/builds@"+d)
			}
			mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "from-args", "--member", strings.Join(members, ","),
				"--target", dst.Host+"/release/app:1").ok(t)
			text := mt(t, "--plain-http", "inspect", "--referrers", dst.Host+"/release/app:1").okOut(t)
			for d, sbom := range sboms {
				if got := listed(t, regs, dst.Host+"/release/app@"+d); !slices.Equal(got, []string{sbom}) {
					t.Errorf("referrers of %s in the target: %q, want the SBOM %s", d, got, sbom)
				}
				if got := listed(t, regs, dst.Host+"/release/app@"+sbom); !slices.Equal(got, []string{sigs[d]}) {
					t.Errorf("referrers of the SBOM %s in the target: %q, want the signature %s", sbom, got, sigs[d])
				}
				if !strings.Contains(text, sbom) {
					t.Errorf("inspect --referrers does not list %s:\n%s", sbom, text)
				}
			}
		})
	}
}

// Where the target has no referrers API, the sha256-<hex> tag index that
// lists a member's referrers there already (a scanner's report, say) is
// merged with the ones copied, never overwritten.
func TestReferrersFallbackMerged(t *testing.T) {
	t.Parallel()
	for name, dst := range map[string]func(*testing.T) *regtest.Registry{
		"Distribution 3":   func(t *testing.T) *regtest.Registry { return regtest.New(t) },
		"Distribution 2.8": func(t *testing.T) *regtest.Registry { return regtest.NewDistribution28(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, dst := regtest.NewGGCR(t), dst(t)
			regs := []*regtest.Registry{src, dst}
			img := seed(t, src, "builds", "1", false, linuxAMD64)["1-linux-amd64"]
			sbom, _ := attach(t, regs, src.Host+"/builds@"+img.Manifest.Digest)
			report, blobs := regtest.NewArtifact("application/vnd.example.scan+json", img.Manifest.Descriptor, []byte(`{"findings":[]}`))
			for _, b := range blobs {
				if err := dst.PushBlob("app", b.Data); err != nil {
					t.Fatal(err)
				}
			}
			if err := dst.PutManifest("app", report.Digest, regtest.OCIManifest, report.Data); err != nil {
				t.Fatal(err)
			}
			fallback := "sha256-" + strings.TrimPrefix(img.Manifest.Digest, "sha256:")
			idx := regtest.NewIndex(false, report.Descriptor)
			if err := dst.PutManifest("app", fallback, regtest.OCIIndex, idx.Data); err != nil {
				t.Fatal(err)
			}
			mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "from-args", "--member", src.Host+"/builds@"+img.Manifest.Digest,
				"--target", dst.Host+"/app:1").ok(t)
			got := listed(t, regs, dst.Host+"/app@"+img.Manifest.Digest)
			slices.Sort(got)
			want := []string{report.Digest, sbom}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("the target's %s lists %q, want the report and the SBOM %q", fallback, got, want)
			}
		})
	}
}

// The referrers of an image in an OCI layout (made there by regctl) go
// with it to a registry.
func TestReferrersFromLayout(t *testing.T) {
	t.Parallel()
	r := regtest.NewGGCR(t)
	dir := filepath.Join(t.TempDir(), "layout")
	img := regtest.NewImage(linuxAMD64, false)
	if err := regtest.WriteLayout(dir, "1", img.Manifest, img.Blobs()[1:]...); err != nil {
		t.Fatal(err)
	}
	sbom, sig := attach(t, nil, "ocidir://"+dir+"@"+img.Manifest.Digest)
	mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "from-args", "--member", "ocidir://"+dir+"@"+img.Manifest.Digest,
		"--target", r.Host+"/app:1").ok(t)
	regs := []*regtest.Registry{r}
	if got := listed(t, regs, r.Host+"/app@"+img.Manifest.Digest); !slices.Equal(got, []string{sbom}) {
		t.Errorf("referrers in the target: %q, want the SBOM %s", got, sbom)
	}
	if got := listed(t, regs, r.Host+"/app@"+sbom); !slices.Equal(got, []string{sig}) {
		t.Errorf("referrers of the SBOM in the target: %q, want the signature %s", got, sig)
	}
}

// cosignAt runs cosign offline (keys, no transparency log), by plain HTTP,
// with a HOME of its own; oci11 makes it sign and verify through the
// referrers API instead of its sha256-<hex>.sig tags.
func cosignAt(t *testing.T, home string, oci11 bool, args ...string) error {
	t.Helper()
	bin := peer("cosign")
	if bin == "" {
		t.Skip("cosign is not installed: make peers builds it")
	}
	env := []string{"HOME=" + home, "COSIGN_PASSWORD=", "TUF_ROOT=" + filepath.Join(home, "tuf")}
	if oci11 {
		env = append(env, "COSIGN_EXPERIMENTAL=1")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = home, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("$ cosign %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		return fmt.Errorf("cosign %s: %v", args[0], err)
	}
	return nil
}

// Images signed and attested by cosign, in its tag scheme and through the
// referrers API, verify with cosign in the target after push --referrers,
// and do not without the flag.
func TestReferrersCosign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		oci11    bool
		src, dst func(*testing.T) *regtest.Registry
	}{
		{"sig and att tags, to a registry with the API", false, func(t *testing.T) *regtest.Registry { return regtest.New(t) }, func(t *testing.T) *regtest.Registry { return regtest.NewGGCR(t) }},
		{"referrers API, to a registry without it", true, func(t *testing.T) *regtest.Registry { return regtest.NewGGCR(t) }, func(t *testing.T) *regtest.Registry { return regtest.New(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, dst := tc.src(t), tc.dst(t)
			home := t.TempDir()
			if err := cosignAt(t, home, false, "generate-key-pair"); err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(home, "sbom.json"), []byte(`{"spdxVersion":"SPDX-2.3","name":"app"}`), 0o644)
			mode := []string{}
			if tc.oci11 {
				mode = []string{"--registry-referrers-mode=oci-1-1"}
			}
			imgs := seed(t, src, "builds", "1", false, linuxAMD64, linuxARM64)
			var members []string
			for _, img := range imgs {
				ref := src.Host + "/builds@" + img.Manifest.Digest
				members = append(members, ref)
				if err := cosignAt(t, home, tc.oci11, append([]string{"sign", "--key", "cosign.key", "--tlog-upload=false", "--allow-http-registry", "--yes"}, append(mode, ref)...)...); err != nil {
					t.Fatal(err)
				}
				if !tc.oci11 { // cosign attests in its tag scheme only
					if err := cosignAt(t, home, false, "attest", "--key", "cosign.key", "--tlog-upload=false", "--allow-http-registry", "--yes",
						"--type", "spdxjson", "--predicate", "sbom.json", ref); err != nil {
						t.Fatal(err)
					}
				}
			}
			mt(t, "--plain-http", "push", "--type", "oci", "--referrers", "from-args", "--member", strings.Join(members, ","), "--target", dst.Host+"/release/app:1").ok(t)
			mt(t, "--plain-http", "push", "--type", "oci", "from-args", "--member", strings.Join(members, ","), "--target", dst.Host+"/unsigned/app:1").ok(t)
			verify := []string{"verify", "--key", "cosign.pub", "--insecure-ignore-tlog", "--allow-http-registry"}
			if tc.oci11 {
				verify = append(verify, "--experimental-oci11")
			}
			for _, img := range imgs {
				if err := cosignAt(t, home, tc.oci11, append(verify, dst.Host+"/release/app@"+img.Manifest.Digest)...); err != nil {
					t.Errorf("the signature does not verify in the target: %v", err)
				}
				if !tc.oci11 {
					if err := cosignAt(t, home, false, "verify-attestation", "--key", "cosign.pub", "--insecure-ignore-tlog", "--allow-http-registry",
						"--type", "spdxjson", dst.Host+"/release/app@"+img.Manifest.Digest); err != nil {
						t.Errorf("the SBOM attestation does not verify in the target: %v", err)
					}
				}
				if err := cosignAt(t, home, tc.oci11, append(verify, dst.Host+"/unsigned/app@"+img.Manifest.Digest)...); err == nil {
					t.Errorf("verified in the target without --referrers")
				}
			}
		})
	}
}

// What --referrers asks of a source without the referrers API
// (Distribution), on top of the push, for two members each with an SBOM
// and a signature on it (4 referrers), copied to another registry: one
// referrers query, answered 404 (regclient then knows the repository has
// no API); per manifest copied (the members and each referrer, for its
// own) a GET of its sha256-<hex> fallback tag; per referrer a GET of it;
// one tag list (cosign's tags); and each distinct blob of the referrers
// once (5: their 4 layers and the one empty config).
func TestReferrersBudgetFallback(t *testing.T) {
	t.Parallel()
	src, dst := regtest.New(t), regtest.New(t)
	p := regtest.ProxyWith(t, src, regtest.ProxyOptions{})
	imgs := seed(t, src, "builds", "1", false, linuxAMD64, linuxARM64)
	var members []string
	for _, img := range imgs {
		attach(t, []*regtest.Registry{src}, src.Host+"/builds@"+img.Manifest.Digest)
		members = append(members, p.Host+"/builds@"+img.Manifest.Digest)
	}
	push := func(target string, flags ...string) map[string]int {
		p.Counts()
		mt(t, append([]string{"--plain-http", "--concurrency", "1", "push", "--type", "oci"}, append(flags, "from-args", "--member", strings.Join(members, ","), "--target", dst.Host+target)...)...).ok(t)
		return p.Counts()
	}
	plain, with := push("/plain:1"), push("/signed:1", "--referrers")
	extra := map[string]int{}
	for k, n := range with {
		if d := n - plain[k]; d != 0 {
			extra[k] = d
		}
	}
	const manifests, referrers = 2 + 4, 4
	want := map[string]int{"GET referrers": 1, "GET manifest": manifests + referrers, "GET tags": 1, "GET blob": referrers + 1}
	if fmt.Sprint(extra) != fmt.Sprint(want) {
		t.Errorf("--referrers asked the source for %v on top of the push (%v), want %v", extra, regtest.Describe(plain), want)
	}
}
