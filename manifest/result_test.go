package manifest

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/regclient/regclient/types/mediatype"
	"github.com/regclient/regclient/types/platform"
	"github.com/regclient/regclient/types/ref"
)

func TestTags(t *testing.T) {
	t.Parallel()
	target, _ := ref.New("reg.example.com/app:1.0")
	for _, tc := range []struct {
		name  string
		extra []string
		want  []string
	}{
		{"none", nil, []string{"1.0"}},
		{"extra", []string{"latest", "1"}, []string{"1.0", "latest", "1"}},
		{"repeats dropped", []string{"latest", "1.0", "latest"}, []string{"1.0", "latest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Tags(target, tc.extra); !slices.Equal(got, tc.want) {
				t.Errorf("Tags = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	amd := member(t, "amd", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	idx, err := Build(OCI, []Member{amd, attestation(t, amd, 6)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := ref.New("reg.example.com/app:1.0")
	res := Plan(target, []string{"latest"}, idx, []string{"", "sha256:old"})
	d := idx.Descriptor()
	if res.Target != "reg.example.com/app:1.0" || res.Digest != d.Digest.String() || res.Size != d.Size || res.MediaType != mediatype.OCI1ManifestList {
		t.Errorf("result %+v", res)
	}
	wantTags := []TagResult{{Tag: "1.0", Status: TagSkipped}, {Tag: "latest", Status: TagSkipped, Previous: "sha256:old"}}
	if !slices.Equal(res.Tags, wantTags) {
		t.Errorf("tags %+v, want %+v", res.Tags, wantTags)
	}
	if len(res.Manifests) != 2 || res.Manifests[0].Platform != "linux/amd64" || res.Manifests[1].Platform != "" || res.Manifests[0].How != "" {
		t.Errorf("manifests %+v (an attestation has no platform of its own)", res.Manifests)
	}
	if res.Pushed() {
		t.Error("a plan says it pushed")
	}
}

func TestTagWrite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		previous string
		want     TagStatus
	}{{"", TagCreated}, {"sha256:new", TagUnchanged}, {"sha256:old", TagUpdated}} {
		t.Run(string(tc.want), func(t *testing.T) {
			if got := (TagResult{Previous: tc.previous}).Write("sha256:new"); got != tc.want {
				t.Errorf("Write = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestResultDone(t *testing.T) {
	t.Parallel()
	two := []MemberResult{{How: HowPresent}, {}}
	for _, tc := range []struct {
		name string
		tags []TagResult
		want string
	}{
		{"nothing", []TagResult{{Tag: "1", Status: TagSkipped}}, "r: 1 of 2 members in the repository; the index was not pushed and no tag changed"},
		{"all", []TagResult{{Tag: "1", Status: TagCreated}, {Tag: "latest", Status: TagUnchanged}}, "r: 1 of 2 members in the repository; the index was pushed as 1, latest"},
		{"part", []TagResult{{Tag: "1", Status: TagUpdated}, {Tag: "latest", Status: TagFailed}}, "r: 1 of 2 members in the repository; the index was pushed as 1, not yet as latest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Result{Target: "r", Tags: tc.tags, Manifests: two}).Done(); got != tc.want {
				t.Errorf("Done = %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestResultText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		res  Result
		want string
	}{
		{"pushed", Result{Digest: "sha256:d", Size: 9, Tags: []TagResult{{Status: TagCreated}}}, "Digest: sha256:d 9\n"},
		{"dry run", Result{Digest: "sha256:d", Size: 2, DryRun: true, Index: []byte("{}"), Tags: []TagResult{{Status: TagSkipped}}}, "{}\nDigest: sha256:d 2\n"},
		{"not pushed", Result{Digest: "sha256:d", Size: 9, Tags: []TagResult{{Status: TagFailed}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tc.res.WriteText(&b); err != nil || b.String() != tc.want {
				t.Errorf("WriteText = %q, %v; want %q", b.String(), err, tc.want)
			}
		})
	}
}

func TestResultByDigest(t *testing.T) {
	t.Parallel()
	amd := member(t, "amd", mediatype.OCI1Manifest, &platform.Platform{OS: "linux", Architecture: "amd64"}, 4)
	idx, err := Build(OCI, []Member{amd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := ref.New("reg.example.com/app")
	res := Plan(target.SetTag(""), nil, idx, nil).ByDigest(target.SetTag(""))
	d := idx.Descriptor().Digest.String()
	if res.Reference != "reg.example.com/app@"+d || res.Status != TagSkipped || len(res.Tags) != 0 || res.Pushed() || res.Wrote() {
		t.Fatalf("planned %+v", res)
	}
	if got := res.Done(); got != "reg.example.com/app: 0 of 1 members in the repository; the index was not pushed and no tag changed" {
		t.Errorf("Done = %q", got)
	}
	res.Status = TagCreated
	var b strings.Builder
	if err := res.WriteText(&b); err != nil || b.String() != "Digest: "+d+" "+strconv.FormatInt(res.Size, 10)+"\nReference: reg.example.com/app@"+d+"\n" {
		t.Errorf("text %q, %v", b.String(), err)
	}
	if !res.Pushed() || !strings.HasSuffix(res.Done(), "the index was pushed as reg.example.com/app@"+d) {
		t.Errorf("pushed %v, %q", res.Pushed(), res.Done())
	}
}
