package view

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/internal/text"
	"github.com/manifest-tool/manifest-tool/internal/units"
	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// WriteText writes the summary for people, in 80 columns:
//
//	Image:  reg.example.com/app:1.0
//	Digest: sha256:…
//	Index:  yes, OCI image index
//	Platforms (2):
//	  linux/amd64
//	  windows/amd64:10.0.20348.2227
//	Attestations (1):
//	  for sha256:…
func (s Summary) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.name(s.Image)
	p.line("Digest: %s", s.Digest)
	p.line("Index:  %s, %s", map[bool]string{true: "yes", false: "no"}[s.Index], text.MediaTypeName(s.MediaType))
	p.line("Platforms (%d):", len(s.Platforms))
	for _, pl := range s.Platforms {
		p.line("  %s", pl)
	}
	if len(s.Attestations) > 0 {
		p.line("Attestations (%d):", len(s.Attestations))
		for _, a := range s.Attestations {
			if pl, ok := s.platformOf[a.For]; ok {
				p.line("  for %s", pl)
			} else {
				p.line("  for %s", a.For)
			}
		}
	}
	if len(s.AttestationReferrers) > 0 {
		p.line("Attestations as referrers:")
		for _, a := range s.AttestationReferrers {
			p.line("  %s: %d", cmp.Or(a.Platform, a.For), a.Count)
		}
	}
	return p.err
}

// WriteText writes the view for people, in 80 columns: the manifest's
// name, media type, digest and size, then each entry with its platform,
// annotations and layers. Attestations name the entry they describe. An
// entry whose manifest is shown at another says so, "Same manifest as
// [1.2], shown there", instead of showing it again.
func (v View) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.name(v.Image)
	p.line("Type:   %s", text.MediaTypeName(v.MediaType))
	if text.MediaTypeName(v.MediaType) != v.MediaType {
		p.line("        %s", v.MediaType)
	}
	p.line("Digest: %s", v.Digest)
	p.line("Size:   %d", v.Size)
	if v.ArtifactType != "" {
		p.line("Artifact type: %s", v.ArtifactType)
	}
	if v.Subject != nil {
		p.line("Subject:")
		p.line("  %s", v.Subject.Digest)
	}
	p.annotations("", v.Annotations, nil)
	p.referrers("", v.Referrers)
	if !v.Index && len(v.Manifests) == 1 {
		e := v.Manifests[0]
		p.platform("", e.Platform)
		p.blobs("", e)
		return p.err
	}
	n := map[string]int{}
	for _, e := range v.Manifests {
		n[e.kind()]++
	}
	counts := text.Plural(n["image"], "image") + ", " + text.Plural(n["attestation"], "attestation")
	for _, k := range []string{"artifact", "index"} {
		if n[k] > 0 {
			counts = text.Plural(n[k], k) + ", " + counts
		}
	}
	p.line("Entries: %d (%s)", len(v.Manifests), counts)
	p.entries("", v.Manifests)
	return p.err
}

// WriteText writes the report for people, in 80 columns: one row per
// check, its name first, the detail wrapped under its column; then what
// could not be removed, by repository:
//
//	Registry:   reg.example.com
//	Repository: manifest-tool-probe
//
//	CHECK                 STATUS      DETAIL
//	api                   supported   /v2/ answers, API version registry/2.0
//	…
//
//	Could not remove from reg.example.com/manifest-tool-probe:
//	  manifests:
//	    sha256:…
func (r ProbeReport) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.line("Registry:   %s", r.Registry)
	if repo := text.Escape(r.Repository); len(repo) > 68 {
		p.line("Repository:")
		p.wrapped("  ", 76, repo, true)
	} else {
		p.line("Repository: %s", r.Repository)
	}
	p.line("")
	const detailCol = 34
	p.line("%-21s %-11s %s", "CHECK", "STATUS", "DETAIL")
	for _, c := range r.Checks {
		lines := text.Wrap(text.Escape(c.Detail), 80-detailCol, true)
		p.line("%-21s %-11s %s", c.Name, c.Status, lines[0])
		for _, l := range lines[1:] {
			p.line("%s%s", strings.Repeat(" ", detailCol), l)
		}
	}
	last := Leftover{}
	for _, l := range r.Leftovers {
		if l.Repository != last.Repository {
			p.line("")
			if where := text.Escape(r.Registry + "/" + l.Repository + ":"); len(where) > 57 {
				p.line("Could not remove from")
				p.wrapped("  ", 76, where, true)
			} else {
				p.line("Could not remove from %s", where)
			}
			last.Kind = ""
		}
		if l.Kind != last.Kind {
			p.line("  %ss:", l.Kind)
		}
		if l.Digest == "" && l.Tag != "" {
			p.line("    %s (tag; its digest could not be read)", l.Tag)
		} else {
			p.line("    %s", l.Digest)
		}
		last = l
	}
	return p.err
}

// wrapped writes s on lines of their own, each after indent, wrapped at
// width (see Wrap for cut).
func (p *printer) wrapped(indent string, width int, s string, cut bool) {
	for _, l := range text.Wrap(s, width, cut) {
		p.line("%s%s", indent, l)
	}
}

func (p *printer) entries(prefix string, entries []Entry) {
	for i, e := range entries {
		label := fmt.Sprintf("%s%d", prefix, i+1)
		indent := strings.Repeat(" ", len(label)+3)
		p.line("")
		switch k := e.kind(); {
		case k != "image":
			p.line("[%s] %s", label, k)
		case e.Platform != nil:
			p.line("[%s] %s", label, spec.FormatPlatform(*e.Platform))
		default:
			p.line("[%s] image without a platform", label)
		}
		if e.AttestationFor != "" {
			if j := slices.IndexFunc(entries, func(x Entry) bool { return x.Digest == e.AttestationFor }); j >= 0 && entries[j].Platform != nil {
				p.line("%sFor:    [%s%d] %s", indent, prefix, j+1, spec.FormatPlatform(*entries[j].Platform))
			} else {
				p.line("%sFor:", indent)
				p.line("%s  %s", indent, e.AttestationFor)
			}
		}
		p.line("%sType:   %s", indent, e.MediaType)
		p.line("%sDigest:", indent)
		p.line("%s  %s", indent, e.Digest)
		p.line("%sSize:   %d", indent, e.Size)
		if e.ArtifactType != "" {
			p.line("%sArtifact type: %s", indent, e.ArtifactType)
		}
		if e.Subject != nil {
			p.line("%sSubject:", indent)
			p.line("%s  %s", indent, e.Subject.Digest)
		}
		if e.AttestationFor == "" {
			p.platform(indent, e.Platform)
		}
		skip := map[string]bool{}
		if e.AttestationFor != "" { // shown as For
			skip[manifest.AnnotationReferenceType], skip[manifest.AnnotationReferenceDigest] = true, true
		}
		p.annotations(indent, e.Annotations, skip)
		p.blobs(indent, e)
		if len(e.Manifests) > 0 {
			p.entries(label+".", e.Manifests)
		}
	}
}

// platform writes every field of a platform, one per line.
func (p *printer) platform(indent string, pl *platform.Platform) {
	if pl == nil {
		return
	}
	p.line("%sPlatform:", indent)
	p.line("%s  os: %s", indent, pl.OS)
	if pl.OSVersion != "" {
		p.line("%s  os.version: %s", indent, pl.OSVersion)
	}
	if len(pl.OSFeatures) > 0 {
		p.line("%s  os.features: %s", indent, strings.Join(pl.OSFeatures, ", "))
	}
	p.line("%s  architecture: %s", indent, pl.Architecture)
	if pl.Variant != "" {
		p.line("%s  variant: %s", indent, pl.Variant)
	}
	if len(pl.Features) > 0 {
		p.line("%s  features: %s", indent, strings.Join(pl.Features, ", "))
	}
}

// blobs writes an image's config and layers.
func (p *printer) blobs(indent string, e Entry) {
	defer p.referrers(indent, e.Referrers)
	if e.Missing != "" {
		p.line("%sNot read: %s", indent, e.Missing)
	}
	if e.ShownAt != "" {
		p.line("%sSame manifest as [%s], shown there", indent, e.ShownAt)
	}
	if e.Config != nil {
		p.line("%sConfig: %s, %d bytes", indent, e.Config.MediaType, e.Config.Size)
		p.line("%s  %s", indent, e.Config.Digest)
	}
	if e.Config == nil && len(e.Layers) == 0 {
		return
	}
	p.line("%sLayers: %d", indent, len(e.Layers))
	for _, l := range e.Layers {
		p.line("%s  %s", indent, l.Digest)
		if l.MediaType != "" {
			p.line("%s    %s, %s", indent, l.MediaType, units.Format(l.Size))
		}
	}
}

// referrers writes an entry's referrers: what each is, its size and
// digest, and its annotations.
func (p *printer) referrers(indent string, refs []Referrer) {
	if len(refs) == 0 {
		return
	}
	n := 0
	for _, r := range refs {
		if r.Attestation() {
			n++
		}
	}
	if n > 0 {
		p.line("%sReferrers: %d (%d %s)", indent, len(refs), n, map[bool]string{true: "attestation", false: "attestations"}[n == 1])
	} else {
		p.line("%sReferrers: %d", indent, len(refs))
	}
	for _, r := range refs {
		what := r.ArtifactType
		if what == "" {
			what = text.MediaTypeName(r.MediaType)
		}
		p.line("%s  %s, %s", indent, what, units.Format(r.Size))
		p.line("%s    %s", indent, r.Digest)
		p.annotations(indent+"  ", r.Annotations, nil)
	}
}

// annotations writes key: value pairs, the value on lines of its own,
// wrapped at spaces, when the pair would not fit in 80 columns.
func (p *printer) annotations(indent string, ann map[string]string, skip map[string]bool) {
	keys := make([]string, 0, len(ann))
	for k := range ann {
		if !skip[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Strings(keys)
	p.line("%sAnnotations:", indent)
	for _, k := range keys {
		// measured and wrapped as shown: escaped
		key, value := text.Escape(k), text.Escape(ann[k])
		if len(indent)+2+len(key)+2+len(value) <= 80 {
			p.line("%s  %s: %s", indent, key, value)
		} else {
			p.line("%s  %s:", indent, key)
			p.wrapped(indent+"    ", 80-len(indent)-4, value, false)
		}
	}
}

// kind says what an entry is: image, attestation, artifact or index.
func (e Entry) kind() string {
	switch {
	case e.AttestationFor != "":
		return "attestation"
	case manifest.IsIndex(e.MediaType):
		return "index"
	case e.ArtifactType != "":
		return "artifact"
	}
	return "image"
}

// name writes the Image: line, moving a digest to a line of its own when
// the name would not fit in 80 columns.
func (p *printer) name(name string) {
	name = text.Escape(name)
	if at := strings.LastIndexByte(name, '@'); at > 0 && len(name)+8 > 80 {
		p.line("Image:  %s", name[:at])
		p.line("        %s", name[at:])
		return
	}
	p.line("Image:  %s", name)
}

// printer writes lines and keeps the first error. Each line is escaped
// (Escape) whole: what a registry or a layout sent cannot end it, add
// lines of its own or drive the terminal, whichever argument carries it,
// and the format's own text has nothing to escape.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, text.Escape(fmt.Sprintf(format, args...))+"\n")
	}
}
