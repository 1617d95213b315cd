package view

import (
	"encoding/json"
	"strings"
	"testing"
)

// a report as the probe writes it for a registry that refuses deletes
var refusedDeletes = ProbeReport{Registry: "reg.example.com", Repository: "manifest-tool-probe", Checks: []Check{
	{Name: "api", Status: Supported, Detail: "/v2/ answers, API version registry/2.0"},
	{Name: "auth", Status: Supported, Detail: "none: anonymous access"},
	{Name: "referrers-api", Status: Unsupported, Detail: "GET /v2/manifest-tool-probe/referrers/<digest> answers 404 Not Found; the sha256-<hex> tag fallback works"},
	{Name: "delete", Status: Unsupported, Detail: "deleting a manifest by digest: 405 Method Not Allowed"},
}, Leftovers: []Leftover{
	{Kind: "manifest", Repository: "manifest-tool-probe", Digest: "sha256:" + strings.Repeat("a", 64)},
	{Kind: "blob", Repository: "manifest-tool-probe", Digest: "sha256:" + strings.Repeat("b", 64)},
	{Kind: "blob", Repository: "manifest-tool-probe-mount", Digest: "sha256:" + strings.Repeat("b", 64)},
}}

// The JSON field names and status values are the contract's.
func TestProbeJSON(t *testing.T) {
	t.Parallel()
	r := ProbeReport{Registry: "reg", Repository: "p", Checks: []Check{{Name: "api", Status: Supported, Detail: "d"}, {Name: "delete", Status: Unknown, Detail: "e"}},
		Leftovers: []Leftover{{Kind: "blob", Repository: "p", Digest: "sha256:b"}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"registry":"reg","repository":"p","checks":[{"name":"api","status":"supported","detail":"d"},{"name":"delete","status":"unknown","detail":"e"}],"leftovers":[{"kind":"blob","repository":"p","digest":"sha256:b"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestProbeStatus(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]CheckStatus{"api": Supported, "referrers-api": Unsupported, "delete": Unsupported, "tag-list": ""} {
		t.Run(name, func(t *testing.T) {
			if got := refusedDeletes.Status(name); got != want {
				t.Errorf("Status(%q) = %q, want %q", name, got, want)
			}
		})
	}
}
