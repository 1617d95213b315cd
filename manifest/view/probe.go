package view

// CheckStatus is what a probe check found.
type CheckStatus string

// Check statuses.
const (
	Supported   CheckStatus = "supported"
	Unsupported CheckStatus = "unsupported"
	Unknown     CheckStatus = "unknown" // could not tell
)

// Check is one row of a probe report: the check's name, what it found,
// and why, in a few words.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"`
}

// ProbeReport is what `probe` shows: what a registry supports.
type ProbeReport struct {
	Registry   string  `json:"registry"`
	Repository string  `json:"repository"`
	Checks     []Check `json:"checks"`
	// Leftovers lists what the probe pushed and could not remove.
	Leftovers []Leftover `json:"leftovers"`
}

// Leftover is a manifest or blob the probe pushed and could not remove.
type Leftover struct {
	Kind       string `json:"kind"` // "manifest" or "blob"
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	// Tag names a manifest whose digest could not be read (its HEAD
	// failed): Digest is then "".
	Tag string `json:"tag,omitempty"`
}

// Status returns the status of the named check ("" when it did not run).
func (r ProbeReport) Status(name string) CheckStatus {
	for _, c := range r.Checks {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}
