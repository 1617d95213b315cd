package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/manifest-tool/manifest-tool/manifest/view"
)

// Client.Probe against a real registry, through the adapter over
// regclient: the rows come from what the registry did, and with referrers
// enabled the referrers check changes its answer.
func TestClientProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      []ggcr.Option
		referrers view.CheckStatus
	}{
		{"without the referrers API", nil, view.Unsupported},
		{"with the referrers API", []ggcr.Option{ggcr.WithReferrersSupport(true)}, view.Supported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := newMemRegistry(t, tc.opts...)
			r, err := refOf(reg.host + "/probe-test")
			if err != nil {
				t.Fatal(err)
			}
			report, err := reg.client(t).Probe(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			status := map[string]view.CheckStatus{}
			var rows []string
			for _, c := range report.Checks {
				status[c.Name] = c.Status
				rows = append(rows, c.Name+" "+string(c.Status)+": "+c.Detail)
			}
			for _, name := range []string{"api", "blob-upload", "docker-manifest", "oci-manifest", "docker-manifest-list", "oci-index", "index-annotations", "tag-list"} {
				if status[name] != view.Supported {
					t.Errorf("%s is %q, want supported", name, status[name])
				}
			}
			// go-containerregistry's registry answers a mount with an upload
			if status["blob-mount"] != view.Unsupported {
				t.Errorf("blob-mount is %q, want unsupported", status["blob-mount"])
			}
			if status["referrers-api"] != tc.referrers {
				t.Errorf("referrers-api is %q, want %q", status["referrers-api"], tc.referrers)
			}
			if report.Registry != reg.host || report.Repository != "probe-test" {
				t.Errorf("report names %s/%s", report.Registry, report.Repository)
			}
			t.Logf("\n%s", strings.Join(rows, "\n"))
		})
	}
	t.Run("a registry that is not there", func(t *testing.T) {
		t.Parallel()
		reg := newMemRegistry(t)
		c := reg.client(t)
		r, _ := refOf("127.0.0.1:1/probe-test")
		_, err := c.Probe(context.Background(), r)
		var op *OpError
		if err == nil || !errors.As(err, &op) || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("got %v, want an OpError naming the host", err)
		}
	})
}
