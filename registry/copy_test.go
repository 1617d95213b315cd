package registry

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/manifest-tool/manifest-tool/manifest"
)

// A member from elsewhere is copied into the target repository, with no
// HEAD of its manifest there first. A blob of another repository of the
// same registry is mounted straight away (one POST); go-containerregistry's
// registry declines mounts (202, the upload then cancelled), and from then
// on the run looks for each blob (HEAD) and copies what is missing (a GET
// from the source, a POST and a PUT to the target). A blob from another
// registry is looked for, then copied. Then the manifest PUT. (Mounts that
// succeed are tested against Distribution, end to end; a tag that points
// at the index already spares every copy, see TestPublishRequests.)
func TestCopyRequests(t *testing.T) {
	t.Parallel()
	reg := newMemRegistry(t)
	reg.pushImage(t, "builds", "1-amd64", "linux/amd64") // a config and one layer
	other := newMemRegistry(t)
	other.pushImage(t, "builds", "1-arm64", "linux/arm64")
	for _, tc := range []struct {
		name   string
		member string
		want   string // requests to the target's registry (one of them, split by |)
		source string // to the other registry
		how    manifest.How
	}{
		// both blobs ask for a mount at once, before the decline is known
		// (or, when the first decline is noted before the second blob
		// starts, only the first asks); the registry's one blob store
		// holds them already
		{"another repository", reg.host + "/builds:1-amd64", "DELETE upload 2, HEAD blob 2, POST upload 2, PUT manifest 1|DELETE upload 1, HEAD blob 2, POST upload 1, PUT manifest 1", "", manifest.HowCopied},
		{"another registry", other.host + "/builds:1-arm64", "HEAD blob 2, POST upload 2, PUT manifest 1, PUT upload 2", "GET blob 2", manifest.HowCopied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(context.Background(), WithPlainHTTP(reg.host, other.host), WithDockerConfig(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			r, err := refOf(tc.member)
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.manifestOf(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			mem := manifest.Member{Descriptor: descOf(m), Entry: entryOf(r), Manifest: m}
			reg.count()
			other.count()
			hows, err := c.copyMembers(context.Background(), reg.ref(t, "app:1"), []manifest.Member{mem})
			if err != nil {
				t.Fatal(err)
			}
			if got, src := reg.requests(), other.requests(); !slices.Contains(strings.Split(tc.want, "|"), got) || src != tc.source || hows[0] != tc.how {
				t.Errorf("%s with %s (source %s)\nwant %s with %s (source %s)", hows[0], got, src, tc.how, tc.want, tc.source)
			}
			d := m.GetDescriptor().Digest.String()
			if _, err := reg.rc.ManifestHead(context.Background(), reg.ref(t, "app@"+d)); err != nil {
				t.Errorf("%s is not in the target repository: %v", d, err)
			}
		})
	}
}
