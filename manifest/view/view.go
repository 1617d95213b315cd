package view

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regclient/regclient/types/descriptor"
	rcmanifest "github.com/regclient/regclient/types/manifest"
	v1 "github.com/regclient/regclient/types/oci/v1"
	"github.com/regclient/regclient/types/platform"

	"github.com/manifest-tool/manifest-tool/manifest"
	"github.com/manifest-tool/manifest-tool/spec"
)

// Fetched is a manifest as a registry served it, with what was fetched
// below it: for an index, the manifests of its entries, by digest (those
// not fetched are shown from the index alone), and why the ones that could
// not be read were not; for an image, the platform its config declares,
// when the config was read. A manifest that several entries name,
// anywhere below, may be one Fetched shared by all of them: the entries
// of indexes form a graph, whose paths can be exponentially many more
// than its manifests.
type Fetched struct {
	Manifest rcmanifest.Manifest
	Children map[string]Fetched
	Missing  map[string]string // digest -> why it could not be read
	Config   *platform.Platform
}

// Summary is what `platforms` shows: which platforms an image supports.
type Summary struct {
	Image     string `json:"image"`
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	// Index is true for a manifest list or image index.
	Index bool `json:"index"`
	// Platforms lists the images' platforms, os/arch[/variant][:os.version],
	// in index order (nested indexes included).
	Platforms []string `json:"platforms"`
	// Attestations lists the attestation manifests apart, with the digest of
	// the image each describes.
	Attestations []Attestation `json:"attestations"`
	// AttestationReferrers, when the referrers were listed (--referrers),
	// counts for each image the attestations that are its OCI referrers
	// rather than entries of the index (push --attestations referrers).
	AttestationReferrers []AttestationReferrers `json:"attestationReferrers,omitempty"`

	plats      []platform.Platform // Platforms, for Missing
	platformOf map[string]string   // image digest -> its platform, for attestations
}

// AttestationReferrers is how many attestations an image has as
// referrers.
type AttestationReferrers struct {
	For      string `json:"for"`
	Platform string `json:"platform,omitempty"`
	Count    int    `json:"count"`
}

// Attestation is an attestation manifest and the image it describes.
type Attestation struct {
	For    string `json:"for"`
	Digest string `json:"digest"`
}

// View is what `inspect` shows: the summary, the manifest's own fields, and
// every entry with its platform, annotations and layers.
type View struct {
	Summary
	Size         int64             `json:"size"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Subject      *Blob             `json:"subject,omitempty"`
	// Manifests holds the entries of an index, or the image itself.
	Manifests []Entry `json:"manifests"`
	// Referrers are, for an index, the manifests whose subject the index
	// itself is (inspect --referrers): an image's are under its entry.
	Referrers []Referrer `json:"referrers,omitempty"`
}

// Entry is one manifest in a View.
type Entry struct {
	Digest       string             `json:"digest"`
	MediaType    string             `json:"mediaType"`
	Size         int64              `json:"size"`
	Platform     *platform.Platform `json:"platform,omitempty"`
	Annotations  map[string]string  `json:"annotations,omitempty"`
	ArtifactType string             `json:"artifactType,omitempty"`
	Subject      *Blob              `json:"subject,omitempty"`
	Config       *Blob              `json:"config,omitempty"`
	Layers       []Blob             `json:"layers,omitempty"`
	// AttestationFor is the digest of the image an attestation describes.
	AttestationFor string `json:"attestationFor,omitempty"`
	// Manifests holds the entries of a nested index.
	Manifests []Entry `json:"manifests,omitempty"`
	// Missing says why the entry's own manifest could not be shown.
	Missing string `json:"missing,omitempty"`
	// ShownAt is set on an entry whose manifest is shown in full at
	// another entry: the number of that entry as the text gives it ("1.2"
	// is manifests[0].manifests[1]). This entry then carries only what its
	// index says of it (digest, media type, size, platform, annotations,
	// artifact type), and no layers, config or entries.
	ShownAt string `json:"shownAt,omitempty"`
	// Referrers are the manifests whose subject this one is (inspect
	// --referrers): signatures, SBOMs, attestations.
	Referrers []Referrer `json:"referrers,omitempty"`
	// AttestationReferrers counts the attestations among Referrers.
	AttestationReferrers int `json:"attestationReferrers,omitempty"`
}

// Referrer is one referrer of an entry, as the registry lists it.
type Referrer struct {
	Digest       string            `json:"digest"`
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Size         int64             `json:"size"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// Digests lists the distinct digests of the view's entries (the image
// itself for an image), after an index's own, to ask for their referrers.
func (v View) Digests() []string {
	out := make([]string, 0, len(v.Manifests)+1)
	seen := map[string]bool{}
	if v.Index {
		seen[v.Digest] = true
		out = append(out, v.Digest)
	}
	for _, e := range v.Manifests {
		if !seen[e.Digest] {
			seen[e.Digest] = true
			out = append(out, e.Digest)
		}
	}
	return out
}

// SetReferrers puts each entry's referrers (by its digest) under it, under
// the first entry of a digest that several entries name, and an index's
// own at the top.
func (v *View) SetReferrers(by map[string][]descriptor.Descriptor) {
	if v.Index {
		v.Referrers = referrersOf(by[v.Digest])
	}
	done := map[string]bool{}
	for i, e := range v.Manifests {
		if done[e.Digest] {
			continue
		}
		done[e.Digest] = true
		v.Manifests[i].Referrers = append(v.Manifests[i].Referrers, referrersOf(by[e.Digest])...)
		n := 0
		for _, r := range v.Manifests[i].Referrers {
			if r.Attestation() {
				n++
			}
		}
		v.Manifests[i].AttestationReferrers = n
		if e.Platform != nil && e.AttestationFor == "" && !manifest.IsIndex(e.MediaType) {
			v.Summary.AttestationReferrers = append(v.Summary.AttestationReferrers, AttestationReferrers{For: e.Digest, Platform: spec.FormatPlatform(*e.Platform), Count: n})
		}
	}
}

// AttestationArtifactType is the artifactType newer BuildKit gives an
// attestation manifest that it writes with a subject.
const AttestationArtifactType = "application/vnd.docker.attestation.manifest.v1+json"

// Attestation says whether the referrer is an attestation manifest: of
// BuildKit's artifactType, or annotated vnd.docker.reference.type:
// attestation-manifest (as push --attestations referrers and regclient's
// conversion write one BuildKit wrote without a subject).
func (r Referrer) Attestation() bool {
	return r.ArtifactType == AttestationArtifactType || r.Annotations[manifest.AnnotationReferenceType] == manifest.AttestationManifest
}

// referrersOf is how a view shows the referrers a registry listed.
func referrersOf(descs []descriptor.Descriptor) []Referrer {
	var out []Referrer
	for _, d := range descs {
		out = append(out, Referrer{Digest: d.Digest.String(), MediaType: d.MediaType, ArtifactType: d.ArtifactType, Size: d.Size, Annotations: d.Annotations})
	}
	return out
}

// Blob is a config, layer or subject descriptor.
type Blob struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// New describes what f holds, for an image named name.
//
// Each manifest below an index is shown in full (its layers, or its
// entries) once, at the first entry that names it at the least depth it
// has anywhere below; every other entry naming it carries what its own
// index says of it and, in ShownAt, where it is shown. So a view holds
// each distinct index's entries once, not once per path to it, and its
// nesting is no deeper than the manifests' shortest paths.
func New(name string, f Fetched) (View, error) {
	m := f.Manifest
	d := m.GetDescriptor()
	v := View{Summary: Summary{Image: name, Digest: d.Digest.String(), MediaType: d.MediaType, Index: m.IsList(), Platforms: []string{}, Attestations: []Attestation{}}, Size: d.Size}
	if a, ok := m.(rcmanifest.Annotator); ok {
		v.Annotations, _ = a.GetAnnotations()
	}
	v.ArtifactType, v.Subject = artifact(m)
	if m.IsList() {
		at, err := shownAt(f)
		if err == nil {
			v.Manifests, err = entries(f, "", at)
		}
		if err != nil {
			return View{}, fmt.Errorf("%s: %w", name, err)
		}
	} else {
		e := imageEntry(d, f)
		e.Platform = f.Config
		v.Manifests = []Entry{e}
	}
	collect(&v.Summary, v.Manifests)
	return v, nil
}

// entryList lists the entries of an index.
func entryList(f Fetched) ([]descriptor.Descriptor, error) {
	ix, ok := f.Manifest.(rcmanifest.Indexer)
	if !ok {
		return nil, fmt.Errorf("cannot list the entries of %s", f.Manifest.GetDescriptor().MediaType)
	}
	return ix.GetManifestList()
}

// shownAt finds, for each manifest below top, the entry where it is shown
// in full: the first, in the order of the text, at the least depth it has
// anywhere below. A walk breadth first, each index once, meets the entries
// of each depth in that order.
func shownAt(top Fetched) (map[string]string, error) {
	at := map[string]string{top.Manifest.GetDescriptor().Digest.String(): ""}
	type index struct {
		f      Fetched
		prefix string
	}
	for queue := []index{{top, ""}}; len(queue) > 0; queue = queue[1:] {
		ix := queue[0]
		if !ix.f.Manifest.IsList() {
			continue
		}
		list, err := entryList(ix.f)
		if err != nil {
			return nil, err
		}
		for i, d := range list {
			dig, label := d.Digest.String(), ix.prefix+strconv.Itoa(i+1)
			child, ok := ix.f.Children[dig]
			if _, seen := at[dig]; ok && !seen {
				at[dig] = label
				queue = append(queue, index{child, label + "."})
			}
		}
	}
	return at, nil
}

// entries describes the entries of index f, numbered after prefix: a
// manifest in full at the entry at names, its other entries saying where
// it is shown.
func entries(f Fetched, prefix string, at map[string]string) ([]Entry, error) {
	list, err := entryList(f)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for i, d := range list {
		label := prefix + strconv.Itoa(i+1)
		dig := d.Digest.String()
		child, read := f.Children[dig]
		var e Entry
		switch {
		case read && at[dig] == label && child.Manifest.IsList():
			e = Entry{Digest: dig, MediaType: d.MediaType, Size: d.Size}
			if e.Manifests, err = entries(child, label+".", at); err != nil {
				return nil, err
			}
		case read && at[dig] == label:
			e = imageEntry(d, child)
		default:
			e = Entry{Digest: dig, MediaType: d.MediaType, Size: d.Size}
			if read {
				e.ShownAt = at[dig]
			}
		}
		e.Missing = f.Missing[dig]
		e.Platform = d.Platform
		if len(d.Annotations) > 0 {
			e.Annotations = d.Annotations
		}
		if d.ArtifactType != "" {
			e.ArtifactType = d.ArtifactType
		}
		if d.Annotations[manifest.AnnotationReferenceType] != "" {
			e.AttestationFor = d.Annotations[manifest.AnnotationReferenceDigest]
			if e.AttestationFor == "" {
				e.AttestationFor = "unknown"
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// imageEntry describes an image manifest: its config, layers, artifact
// type and subject.
func imageEntry(d descriptor.Descriptor, f Fetched) Entry {
	e := Entry{Digest: d.Digest.String(), MediaType: d.MediaType, Size: d.Size}
	if img, ok := f.Manifest.(rcmanifest.Imager); ok {
		if cd, err := img.GetConfig(); err == nil && cd.Digest != "" {
			e.Config = &Blob{MediaType: cd.MediaType, Digest: cd.Digest.String(), Size: cd.Size}
		}
		if layers, err := img.GetLayers(); err == nil {
			for _, l := range layers {
				e.Layers = append(e.Layers, Blob{MediaType: l.MediaType, Digest: l.Digest.String(), Size: l.Size})
			}
		}
	}
	e.ArtifactType, e.Subject = artifact(f.Manifest)
	if a, ok := f.Manifest.(rcmanifest.Annotator); ok {
		e.Annotations, _ = a.GetAnnotations()
	}
	return e
}

// artifact returns a manifest's artifactType and subject, if it has them.
func artifact(m rcmanifest.Manifest) (string, *Blob) {
	var at string
	var subject *descriptor.Descriptor
	switch o := m.GetOrig().(type) {
	case v1.Manifest:
		at, subject = o.ArtifactType, o.Subject
	case v1.Index:
		at, subject = o.ArtifactType, o.Subject
	case v1.ArtifactManifest:
		at, subject = o.ArtifactType, o.Subject
	}
	if subject == nil {
		return at, nil
	}
	return at, &Blob{MediaType: subject.MediaType, Digest: subject.Digest.String(), Size: subject.Size}
}

// Unread describes the entries that could not be read, as one line ("" when
// every entry was).
func (v View) Unread() string {
	var first string
	n := 0
	var walk func([]Entry)
	walk = func(entries []Entry) {
		for _, e := range entries {
			if e.Missing != "" {
				if n == 0 {
					first = e.Digest + ": " + e.Missing
				}
				n++
			}
			walk(e.Manifests)
		}
	}
	walk(v.Manifests)
	switch n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%s: an entry could not be read: %s", v.Image, first)
	}
	return fmt.Sprintf("%s: %d entries could not be read, the first %s", v.Image, n, first)
}

// collect fills the summary's platforms and attestations from the entries.
func collect(s *Summary, entries []Entry) {
	for _, e := range entries {
		switch {
		case e.AttestationFor != "":
			s.Attestations = append(s.Attestations, Attestation{For: e.AttestationFor, Digest: e.Digest})
		case manifest.IsIndex(e.MediaType):
			collect(s, e.Manifests)
		case e.Platform != nil:
			s.Platforms = append(s.Platforms, spec.FormatPlatform(*e.Platform))
			s.plats = append(s.plats, *e.Platform)
			if s.platformOf == nil {
				s.platformOf = map[string]string{}
			}
			s.platformOf[e.Digest] = spec.FormatPlatform(*e.Platform)
		}
	}
}

// Missing returns the required platforms that the summary lacks. A
// required platform is met by an entry equal to it after normalisation
// (linux/arm64/v8 is linux/arm64); one without a variant is met by any
// variant of it; one with an os.version by an entry whose os.version is
// that version or starts with it (10.0.20348 is met by 10.0.20348.2227).
func (s Summary) Missing(required []platform.Platform) []string {
	var missing []string
	for _, req := range required {
		met := false
		for _, h := range s.plats {
			met = met || spec.Meets(h, req)
		}
		if !met {
			missing = append(missing, spec.FormatPlatform(req))
		}
	}
	sort.Strings(missing)
	return missing
}

// Require checks that the summary has every required platform, and returns
// an error matching ErrCheck that names each missing one.
func (s Summary) Require(required []platform.Platform) error {
	if missing := s.Missing(required); len(missing) > 0 {
		return fmt.Errorf("%s lacks %s%.0w", s.Image, strings.Join(missing, ", "), ErrCheck)
	}
	return nil
}
