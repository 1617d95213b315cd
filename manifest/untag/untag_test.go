package untag

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStatusJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    Status
		want string
	}{
		{Status{Tag: "reg.example.com/app:1-amd64", State: Removed}, `true`},
		{Status{Tag: "reg.example.com/app:1-arm64", State: Kept, Reason: "moved"}, `{"tag":"reg.example.com/app:1-arm64","status":"kept","reason":"moved"}`},
		{Status{State: None, Reason: "given by digest: no tag to remove"}, `{"status":"none","reason":"given by digest: no tag to remove"}`},
	} {
		b, err := json.Marshal(&tc.s)
		if err != nil || string(b) != tc.want {
			t.Errorf("%+v: %s %v, want %s", tc.s, b, err, tc.want)
		}
		var back Status
		if err := json.Unmarshal(b, &back); err != nil || back.State != tc.s.State || back.Reason != tc.s.Reason {
			t.Errorf("%s read back as %+v, %v", b, back, err)
		}
	}
	// what is neither true nor an object is an error
	for _, bad := range []string{`false`, `"removed"`, `[]`} {
		var s Status
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	a, b := "reg.example.com/app:1-amd64", "reg.example.com/app:1-arm64"
	statuses := []Status{
		{Tag: a, State: Removed}, {Tag: a, State: Removed}, // one tag, two members (an index's image and attestation)
		{Tag: b, State: Refused, Reason: "405"},
		{Tag: "other.example.com/app:1-s390x", State: Kept, Reason: "moved"},
		{State: None, Reason: "given by digest"},
	}
	got := strings.Join(Lines(statuses, false), "\n")
	want := "Untagged on reg.example.com: 1 tag removed, 1 left (refused)\nUntagged on other.example.com: 0 tags removed, 1 kept"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	dry := []Status{{Tag: a, State: Planned}, {Tag: b, State: Kept, Reason: "it is also a tag this run writes"}, {State: None}}
	got = strings.Join(Lines(dry, true), "\n")
	want = "Would untag: " + a + "\nWould keep: " + b + " (it is also a tag this run writes)"
	if got != want {
		t.Errorf("dry run: got\n%s\nwant\n%s", got, want)
	}
	if Lines([]Status{{State: None}}, false) != nil {
		t.Errorf("lines for members without tags")
	}
}
