package spec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/regclient/regclient/types/ref"
)

// Args are the flags of `push from-args`.
type Args struct {
	Platforms   []string // "os/arch[/variant][:os.version]", one per item
	Template    string   // member reference with OS, ARCH, VARIANT, OSVERSION placeholders
	Members     []string // member references, instead of a template
	Targets     []string // index references: where the index is written, one per item
	Tags        []string // extra tags
	Annotations []string // "key=value" for the index
	// MaxTargets bounds the number of Targets (DefaultMaxTargets when 0).
	MaxTargets int
	// DigestDir is the --members-from folder, and Digests the hex of each
	// digest it holds ([ReadDigestDir]): each is a member
	// MemberRepo@sha256:<hex>, after the Members.
	DigestDir string
	Digests   []string
	// Subject (--subject) and ArtifactType (--artifact-type) make an OCI
	// index that refers to Subject, of that artifact type.
	Subject      string
	ArtifactType string
	// MemberRepo is the repository of the folder's digests (--member-repo);
	// "" for the first target's.
	MemberRepo string
	// MetadataAction is what --metadata-action read: its targets come
	// after Targets, its annotations under Annotations.
	MetadataAction *MetadataAction
}

// FromArgs builds a Spec from the from-args flags: one member per platform,
// named by expanding Template for it; or, with Members, one per reference,
// its platform from the image, Platforms selecting among them.
func FromArgs(a Args) (Spec, error) {
	var s Spec
	targets, err := a.targets()
	if err != nil {
		return Spec{}, err
	}
	s.setTargets(targets)
	if a.MemberRepo != "" && a.DigestDir == "" {
		return Spec{}, errorf(Pos{Field: "--member-repo"}, ErrMissing, "names the repository of the --members-from digests; add --members-from DIR")
	}
	if len(a.Members) > 0 || a.DigestDir != "" {
		if a.Template != "" {
			flag := map[bool]string{true: "--member", false: "--members-from"}[len(a.Members) > 0]
			return Spec{}, errorf(Pos{Field: flag}, ErrTemplate, "and --template name the members two ways; give one of them")
		}
		if err := s.members(a); err != nil {
			return Spec{}, err
		}
		if err := s.digestMembers(a); err != nil {
			return Spec{}, err
		}
		return s, s.extras(a)
	}
	if strings.TrimSpace(a.Template) == "" {
		return Spec{}, errorf(Pos{Field: "--template or --member"}, ErrMissing, "is required, e.g. --template 'reg/app:1.0-OS-ARCHVARIANT' or --member reg/app@sha256:…")
	}
	if len(a.Platforms) == 0 {
		return Spec{}, errorf(Pos{Field: "--platforms"}, ErrMissing, "is required, e.g. --platforms linux/amd64,linux/arm64")
	}
	if len(a.Platforms) > 1 && !hasPlaceholder(a.Template) {
		return Spec{}, errorf(Pos{Field: "--template"}, ErrTemplate,
			"%s has no placeholder (OS, ARCH, VARIANT, OSVERSION), so every platform would name the same image", quoteRef(a.Template))
	}
	for _, item := range a.Platforms {
		pos := Pos{Field: fmt.Sprintf("--platforms %q", item)}
		p, err := ParsePlatform(item)
		if err != nil {
			return Spec{}, invalid(pos, err)
		}
		name := Expand(a.Template, p)
		img, _, err := newRef(name, false)
		if err != nil {
			return Spec{}, errorf(pos, ErrTemplate, "--template %s gives %s: %v", quoteRef(a.Template), quoteRef(name), err)
		}
		s.Manifests = append(s.Manifests, Entry{Image: img, Platform: &p, Pos: pos, PlatformPos: pos})
	}
	return s, s.extras(a)
}

// ForEdit builds the Spec of `edit`: the targets (each index is changed
// on its own), the members to add (Members, from --add: may be none),
// extra tags and index annotations.
func ForEdit(a Args) (Spec, error) {
	var s Spec
	if len(a.Targets) == 0 {
		return Spec{}, errorf(Pos{Field: "TARGET"}, ErrMissing, "is required (the index to change)")
	}
	targets, err := argTargets(a.Targets, "TARGET", a.MaxTargets)
	if err != nil {
		return Spec{}, err
	}
	s.setTargets(targets)
	for _, m := range a.Members {
		pos := Pos{Field: "--add " + quoteRef(m)}
		img, _, err := parseRef(m, pos, false)
		if err != nil {
			return Spec{}, err
		}
		s.Manifests = append(s.Manifests, Entry{Image: img, Pos: pos, PlatformPos: pos})
	}
	return s, s.extras(a)
}

// members reads --member references and the --platforms selection.
func (s *Spec) members(a Args) error {
	for _, m := range a.Members {
		pos := Pos{Field: "--member " + quoteRef(m)}
		img, _, err := parseRef(m, pos, false)
		if err != nil {
			return err
		}
		s.Manifests = append(s.Manifests, Entry{Image: img, Pos: pos, PlatformPos: pos})
	}
	for _, item := range a.Platforms {
		pos := Pos{Field: fmt.Sprintf("--platforms %q", item)}
		p, err := ParsePlatform(item)
		if err != nil {
			return invalid(pos, err)
		}
		p, _ = NormalizePlatform(p)
		s.Select = append(s.Select, p)
		s.SelectPos = append(s.SelectPos, pos)
	}
	return nil
}

// digestMembers adds a member for each digest of the --members-from
// folder, in the repository --member-repo names, else the first target's.
func (s *Spec) digestMembers(a Args) error {
	if a.DigestDir == "" {
		return nil
	}
	repo := s.Target
	if a.MemberRepo != "" {
		pos := Pos{Field: "--member-repo " + quoteRef(a.MemberRepo)}
		r, defaulted, err := parseRef(a.MemberRepo, pos, false)
		if err != nil {
			return err
		}
		if r.Digest != "" || !defaulted {
			return errorf(pos, ErrReference, "names a tag or digest; want a repository alone (reg.example.com/app)")
		}
		repo = r
	}
	for _, hex := range a.Digests {
		pos := Pos{Field: fmt.Sprintf("--members-from %s: %s", quoteRef(a.DigestDir), hex)}
		s.Manifests = append(s.Manifests, Entry{Image: repo.SetDigest("sha256:" + hex), Pos: pos, PlatformPos: pos})
	}
	return nil
}

// extras reads the tags and the index annotations.
func (s *Spec) extras(a Args) error {
	var err error
	for _, t := range a.Tags {
		pos := Pos{Field: fmt.Sprintf("--tags %q", t)}
		if err := checkTag(t, pos); err != nil {
			return err
		}
		s.Tags = append(s.Tags, t)
		s.TagsPos = append(s.TagsPos, pos)
	}
	if s.Annotations, err = ParseAnnotations(a.Annotations, "--annotations"); err != nil {
		return err
	}
	if a.MetadataAction != nil {
		s.Annotations = mergeAnnotations(a.MetadataAction.Annotations, s.Annotations)
	}
	s.AnnotationsPos = Pos{Field: "--annotations"}
	return s.setArtifact(a.Subject, Pos{Field: "--subject " + quoteRef(a.Subject)}, a.ArtifactType, Pos{Field: "--artifact-type"})
}

// ParseAnnotations reads key=value items. A value may hold '=' (the first
// one splits). For compatibility with manifest-tool, one item may also carry
// several pairs separated by commas ("a=1,b=2"); a comma splits only when
// what follows it looks like "key=", so "description=Hello, world" stays
// one annotation.
func ParseAnnotations(items []string, flag string) (map[string]string, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, item := range items {
		for _, kv := range splitPairs(item) {
			k, v, ok := strings.Cut(kv, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, errorf(Pos{Field: fmt.Sprintf("%s %q", flag, item)}, ErrAnnotation, "want key=value")
			}
			out[k] = v
		}
	}
	return out, nil
}

var pairStartRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*=`)

func splitPairs(item string) []string {
	var out []string
	start := 0
	for i := 0; i < len(item); i++ {
		if item[i] == ',' && pairStartRE.MatchString(item[i+1:]) {
			out = append(out, item[start:i])
			start = i + 1
		}
	}
	return append(out, item[start:])
}

// checkTag accepts what a reference accepts as a tag.
func checkTag(tag string, pos Pos) error {
	if r, err := ref.New("localhost/x:" + tag); err != nil || r.Tag != tag {
		return errorf(pos, ErrReference, "%q is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')", tag)
	}
	return nil
}
