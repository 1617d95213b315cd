// Package untag describes what --untag-members did, or in a dry run would
// do, to the tag each member of an index was found by: the per-platform
// tags of a --template push, or a member given by tag.
//
// # What is removed
//
// Only a tag a member was resolved through, and only once every target
// holds the index and reads it back with its digest. Never a manifest by
// its digest; never a tag that is also one of the run's targets or extra
// tags; never a tag that another writer moved since the member was
// resolved; never a tag that reaches an image the index does not hold (a
// member --platforms left out, an index taken in part). A member given by digest, or read from an OCI layout, has no
// tag to remove.
//
// # In JSON
//
// A member's "untagged" is true when its tag is gone, or else an object
// that says which tag, what became of it and why:
//
//	"untagged": true
//	"untagged": {"tag": "reg.example.com/app:1.0-arm64", "status": "kept",
//	             "reason": "it now points at sha256:…, not at this member"}
package untag

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/regclient/regclient/types/ref"
)

// State is what became of a member's tag.
type State string

// The states of a member's tag.
const (
	Removed     State = "removed"     // deleted, and a HEAD after found it gone
	Kept        State = "kept"        // left on purpose: moved by another writer, or also a target tag
	Refused     State = "refused"     // the registry does not delete tags (405, 400 UNSUPPORTED, 401, 403...)
	Unconfirmed State = "unconfirmed" // the registry accepted the DELETE, yet the tag still stands
	Failed      State = "failed"      // the DELETE or the HEAD before it failed otherwise
	Skipped     State = "skipped"     // not tried: a target does not read back the index, or the run failed
	Planned     State = "planned"     // a dry run: it would be removed
	None        State = "none"        // no tag: the member was given by digest, or read from a layout
)

// Status is what --untag-members did to the tag one member was found by.
type Status struct {
	Tag    string // the tag's reference, host/repository:tag; "" for None
	State  State
	Reason string // why it is not Removed, in a few words
}

// MarshalJSON writes true for a tag removed, else an object with the tag,
// the state and the reason.
func (s Status) MarshalJSON() ([]byte, error) {
	if s.State == Removed {
		return []byte("true"), nil
	}
	return json.Marshal(object{Tag: s.Tag, Status: s.State, Reason: s.Reason})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Status) UnmarshalJSON(b []byte) error {
	if string(b) == "true" {
		*s = Status{State: Removed}
		return nil
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*s = Status{Tag: o.Tag, State: o.Status, Reason: o.Reason}
	return nil
}

type object struct {
	Tag    string `json:"tag,omitempty"`
	Status State  `json:"status"`
	Reason string `json:"reason"`
}

// Lines says in text what statuses (one per member, repeats allowed) come
// to: in a dry run, a line per tag that would go or would be kept; else a
// line per registry, e.g.
//
//	Untagged on reg.example.com: 2 tags removed, 1 kept, 3 left (refused)
//
// Members without a tag (None) are left out; nothing when none has one.
func Lines(statuses []Status, dryRun bool) []string {
	seen := map[string]bool{}
	var hosts []string
	counts := map[string]map[State]int{}
	var lines []string
	for _, s := range statuses {
		if s.State == None || s.Tag == "" || seen[s.Tag] {
			continue
		}
		seen[s.Tag] = true
		switch {
		case dryRun && s.State == Planned:
			lines = append(lines, "Would untag: "+s.Tag)
			continue
		case dryRun:
			lines = append(lines, "Would keep: "+s.Tag+" ("+s.Reason+")")
			continue
		}
		host := hostOf(s.Tag)
		if counts[host] == nil {
			counts[host] = map[State]int{}
			hosts = append(hosts, host)
		}
		counts[host][s.State]++
	}
	for _, h := range hosts {
		c := counts[h]
		parts := []string{fmt.Sprintf("%d %s removed", c[Removed], plural(c[Removed], "tag"))}
		for _, p := range []struct {
			state State
			words string
		}{{Kept, "kept"}, {Refused, "left (refused)"}, {Unconfirmed, "still there after the DELETE"}, {Failed, "failed"}, {Skipped, "not tried"}} {
			if c[p.state] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c[p.state], p.words))
			}
		}
		lines = append(lines, "Untagged on "+h+": "+strings.Join(parts, ", "))
	}
	return lines
}

func hostOf(tag string) string {
	if r, err := ref.New(tag); err == nil {
		return r.Registry
	}
	host, _, _ := strings.Cut(tag, "/")
	return host
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
