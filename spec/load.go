package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/regclient/regclient/types/platform"
	"gopkg.in/yaml.v3"

	"github.com/manifest-tool/manifest-tool/internal/units"
)

// Option tunes Load.
type Option func(*loader)

// WithLookup sets how ${NAME} variables are looked up (os.LookupEnv by
// default).
func WithLookup(lookup func(string) (string, bool)) Option {
	return func(l *loader) { l.lookup = lookup }
}

// Limits bound what a spec may hold, so that a hostile or broken one
// cannot exhaust the machine. A zero field takes its default.
type Limits struct {
	Size      int64 // bytes of the file (DefaultLimits.Size)
	Documents int   // YAML documents, each one index
	Members   int   // manifests[] entries, over all documents
	Targets   int   // targets of one document: image: and targets: together
}

// DefaultLimits are far above any real release (a thousand members is
// about 100 KB) and far below what would strain a CI runner.
var DefaultLimits = Limits{Size: 4 << 20, Documents: 1000, Members: 10000, Targets: DefaultMaxTargets}

// WithLimits sets the limits a spec is held to.
func WithLimits(lim Limits) Option {
	return func(l *loader) {
		if lim.Size > 0 {
			l.limits.Size = lim.Size
		}
		if lim.Documents > 0 {
			l.limits.Documents = lim.Documents
		}
		if lim.Members > 0 {
			l.limits.Members = lim.Members
		}
		if lim.Targets > 0 {
			l.limits.Targets = lim.Targets
		}
	}
}

// aliasRatio and aliasFloor bound alias expansion: the loader reads at
// most aliasRatio times as many nodes as the document holds, and at least
// aliasFloor. The loader follows aliases itself (it walks yaml.Node), so
// yaml.v3's own guard, which runs only when decoding into Go values, does
// not apply; this one bounds the same thing the same way, against the
// document's size.
const (
	aliasRatio = 10
	aliasFloor = 100000
)

// Load reads every YAML document of a spec file and returns one Spec per
// document, in file order. name is used in error messages (file:line).
// It stops, with ctx's error, when ctx ends (an interrupt, --timeout):
// while the file is read (standard input that never closes: a
// [WaitError]), and between documents and members.
func Load(ctx context.Context, name string, r io.Reader, opts ...Option) ([]Spec, error) {
	l := newLoader(ctx, name, opts)
	what := "the spec " + name
	if name == "stdin" {
		what = "the spec from standard input"
	}
	data, err := ReadAll(l.ctx, what, r, l.limits.Size)
	if errors.As(err, new(*WaitError)) {
		return nil, err
	} else if err != nil {
		return nil, invalid(Pos{File: name}, fmt.Errorf("reading spec: %w", err))
	}
	if int64(len(data)) > l.limits.Size {
		return nil, l.tooLarge()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var specs []Spec
	for doc := 0; ; doc++ {
		if err := l.ctx.Err(); err != nil {
			return nil, err
		}
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(name, err)
		}
		if len(n.Content) == 0 || isNull(n.Content[0]) {
			continue // an empty document, such as a trailing "---"
		}
		if len(specs) == l.limits.Documents {
			return nil, errorf(l.pos(n.Content[0], ""), ErrLimit, "more than %d documents (indexes) in one spec (--max-documents raises the limit)", l.limits.Documents)
		}
		l.w.visits, l.w.limit = 0, max(aliasFloor, aliasRatio*countNodes(&n))
		s, err := l.doc(n.Content[0])
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	if len(specs) == 0 {
		return nil, errorf(Pos{File: name}, ErrMissing, "the spec is empty: it needs at least an image and a manifests list")
	}
	return specs, nil
}

func newLoader(ctx context.Context, name string, opts []Option) loader {
	l := loader{file: name, lookup: os.LookupEnv, limits: DefaultLimits, ctx: ctx, w: &walk{}}
	for _, o := range opts {
		o(&l)
	}
	return l
}

func (l loader) tooLarge() error {
	return errorf(Pos{File: l.file}, ErrLimit, "the spec is larger than %s (--max-spec-size raises the limit)", units.Format(l.limits.Size))
}

// LoadFile loads the spec file at path; "-" reads r (standard input),
// named "stdin" in messages. A regular file over the size limit is refused
// before it is read; another kind of file (a pipe: <(command)) is read up
// to the limit. As Load, it stops when ctx ends, also while the file is
// opened (a named pipe no writer opens).
func LoadFile(ctx context.Context, path string, stdin io.Reader, opts ...Option) ([]Spec, error) {
	if path == "-" {
		return Load(ctx, "stdin", stdin, opts...)
	}
	l := newLoader(ctx, path, opts)
	f, err := OpenFile(l.ctx, "the spec "+path, path)
	if errors.As(err, new(*WaitError)) {
		return nil, err
	} else if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, invalid(Pos{File: path}, fmt.Errorf("cannot read the spec: %w", err))
	}
	defer f.Close()
	// a file over the limit is refused before it is read
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > l.limits.Size {
		return nil, l.tooLarge()
	}
	return Load(ctx, path, f, opts...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into "file:line: message".
func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return errorf(Pos{File: name, Line: line}, ErrSyntax, "%s", m[2])
	}
	return errorf(Pos{File: name}, ErrSyntax, "%s", strings.TrimPrefix(msg, "yaml: "))
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// deref follows a YAML alias (*name) to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// loader walks documents, remembering the file name for positions.
type loader struct {
	file   string
	lookup func(string) (string, bool)
	limits Limits
	ctx    context.Context
	w      *walk
}

// walk is what the loader counts over a file: the nodes it read in the
// document at hand, against that document's alias budget, and the members
// of all documents.
type walk struct {
	visits, limit int
	members       int
}

// visit counts n, read by the loader at field, against the alias budget
// (a merged mapping counts, empty or not), and now and then checks that
// the run goes on.
func (l loader) visit(n *yaml.Node, field string) error {
	l.w.visits++
	if l.w.visits%1024 == 0 {
		if err := l.ctx.Err(); err != nil {
			return err
		}
	}
	if l.w.visits > l.w.limit {
		return errorf(l.pos(n, field), ErrLimit, "its aliases (*name) expand the document to more than %d nodes, %d times the nodes it is written with; write the repeated part out, or anchor less of it", l.w.limit, aliasRatio)
	}
	return nil
}

// countNodes counts the nodes of a parsed document, an alias as one.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, sub := range n.Content {
		c += countNodes(sub)
	}
	return c
}

func (l loader) pos(n *yaml.Node, field string) Pos {
	return Pos{File: l.file, Line: n.Line, Field: field}
}

// fields checks that n is a mapping whose keys are all in allowed and
// returns key -> (key node, value node).
func (l loader) fields(n *yaml.Node, field string, allowed ...string) (map[string][2]*yaml.Node, error) {
	return l.fieldsIn(n, field, nil, allowed)
}

// fieldsIn is fields for n merged into the mappings of inside (by "<<"),
// which n must not be one of: a mapping that merges itself would be read
// forever.
func (l loader) fieldsIn(n *yaml.Node, field string, inside []*yaml.Node, allowed []string) (map[string][2]*yaml.Node, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		what := "a mapping of keys to values"
		if field == "" {
			what = "a mapping with image and manifests keys"
		}
		return nil, errorf(l.pos(n, field), ErrType, "must be %s, not %s", what, kind(n))
	}
	out := map[string][2]*yaml.Node{}
	var merged []*yaml.Node // mappings merged in with "<<: *anchor"; explicit keys win
	inside = append(inside, n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := l.visit(k, field); err != nil {
			return nil, err
		}
		key := k.Value
		if key == "<<" && k.ShortTag() == "!!merge" {
			v = deref(v)
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			for _, item := range items {
				if err := l.visit(item, field); err != nil {
					return nil, err
				}
				if item = deref(item); item.Kind != yaml.MappingNode {
					return nil, errorf(l.pos(k, field), ErrType, "<< must merge a mapping, not %s", kind(item))
				}
				if slices.Contains(inside, item) {
					return nil, errorf(l.pos(k, field), ErrSyntax, "merge key refers to itself")
				}
				merged = append(merged, item)
			}
			continue
		}
		if !slices.Contains(allowed, key) {
			hint := suggest(key, allowed)
			if hint == "" {
				hint = " (known keys: " + strings.Join(allowed, ", ") + ")"
			}
			return nil, errorf(l.pos(k, join(field, key)), ErrUnknownKey, "unknown key %q%s", key, hint)
		}
		if _, dup := out[key]; dup {
			return nil, errorf(l.pos(k, join(field, key)), ErrSyntax, "key %q given twice", key)
		}
		out[key] = [2]*yaml.Node{k, v}
	}
	for _, m := range merged {
		sub, err := l.fieldsIn(m, field, inside, allowed)
		if err != nil {
			return nil, err
		}
		for key, kv := range sub {
			if _, ok := out[key]; !ok {
				out[key] = kv
			}
		}
	}
	return out, nil
}

// doc reads one document of a spec: its target, options, tags, annotations
// and members.
func (l loader) doc(root *yaml.Node) (Spec, error) {
	f, err := l.fields(root, "", "image", "targets", "type", "tags", "annotations", "manifests", "referrers", "attestations", "subject", "artifact-type", "annotations-from-labels", "untag-members")
	if err != nil {
		return Spec{}, err
	}
	var s Spec
	if err := l.targets(root, f, &s); err != nil {
		return Spec{}, err
	}
	if err := l.indexOptions(f, &s); err != nil {
		return Spec{}, err
	}
	if t, ok := f["tags"]; ok {
		if s.Tags, err = l.strList(t[1], "tags"); err != nil {
			return Spec{}, err
		}
		for i, tag := range s.Tags {
			pos := l.pos(deref(t[1]).Content[i], fmt.Sprintf("tags[%d]", i))
			if err := checkTag(tag, pos); err != nil {
				return Spec{}, err
			}
			s.TagsPos = append(s.TagsPos, pos)
		}
	}
	if a, ok := f["annotations"]; ok {
		if s.Annotations, err = l.strMap(a[1], "annotations"); err != nil {
			return Spec{}, err
		}
		s.AnnotationsPos = l.pos(a[0], "annotations")
	}
	m, ok := f["manifests"]
	if !ok {
		return Spec{}, errorf(l.pos(root, "manifests"), ErrMissing, "no manifests: list the member images under `manifests:`")
	}
	if s.Manifests, err = l.members(m); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// targets reads a document's image: and targets: into s: image: first,
// then each of targets:, at least one in all.
func (l loader) targets(root *yaml.Node, f map[string][2]*yaml.Node, s *Spec) error {
	var refs []string
	var pos []Pos
	if img, ok := f["image"]; ok {
		str, err := l.str(img[1], "image")
		if err != nil {
			return err
		}
		refs, pos = append(refs, str), append(pos, l.pos(img[0], "image"))
	}
	if t, ok := f["targets"]; ok {
		list := deref(t[1])
		if list.Kind == yaml.SequenceNode && len(refs)+len(list.Content) > l.limits.Targets {
			i := l.limits.Targets - len(refs) // the first one past the limit
			return errorf(l.pos(list.Content[i], fmt.Sprintf("targets[%d]", i)), ErrLimit,
				"more than %d targets in one document (--max-targets raises the limit)", l.limits.Targets)
		}
		items, err := l.strList(t[1], "targets")
		if err != nil {
			return err
		}
		for i, item := range items {
			refs, pos = append(refs, item), append(pos, l.pos(list.Content[i], fmt.Sprintf("targets[%d]", i)))
		}
	}
	if len(refs) == 0 {
		return errorf(l.pos(root, "image"), ErrMissing, "no target image: add `image: registry/repo:tag` (or a `targets:` list)")
	}
	targets, err := targetsOf(refs, pos, l.limits.Targets, "--max-targets")
	if err != nil {
		return err
	}
	s.setTargets(targets)
	return nil
}

// indexOptions reads a document's type:, referrers:, attestations:,
// annotations-from-labels:, untag-members:, subject: and artifact-type:
// into s.
func (l loader) indexOptions(f map[string][2]*yaml.Node, s *Spec) error {
	var err error
	var v [5]string
	var pos [5]Pos
	for i, c := range [...]struct {
		key  string
		want []string
	}{
		{"type", []string{"docker", "oci"}},
		{"referrers", []string{"true", "false", "required"}},
		{"attestations", []string{"keep", "drop", "referrers"}},
		{"annotations-from-labels", []string{"true", "false"}},
		{"untag-members", []string{"true", "false"}},
	} {
		if v[i], pos[i], err = l.oneOf(f, c.key, c.want...); err != nil {
			return err
		}
	}
	if v[0] != "" {
		s.Type, s.TypePos = v[0], pos[0]
	}
	s.Referrers, s.ReferrersRequired = v[1] == "true" || v[1] == "required", v[1] == "required"
	if v[2] != "" {
		s.Attestations, s.AttestationsPos = v[2], pos[2]
	}
	if v[3] == "true" {
		s.AnnotationsFromLabels, s.AnnotationsFromLabelsPos = true, pos[3]
	}
	s.UntagMembers = v[4] == "true"
	var vals [2]string // subject:, artifact-type:
	var poss [2]Pos
	for i, key := range []string{"subject", "artifact-type"} {
		if kv, ok := f[key]; ok {
			if vals[i], err = l.str(kv[1], key); err != nil {
				return err
			}
			poss[i] = l.pos(kv[0], key)
		}
	}
	return s.setArtifact(vals[0], poss[0], vals[1], poss[1])
}

// oneOf reads the key of a document that takes one of a few words
// (type: docker, referrers: required, ...), in any case, as the word in
// lower case and where it was given; "" when the key is absent.
func (l loader) oneOf(f map[string][2]*yaml.Node, key string, want ...string) (string, Pos, error) {
	kv, ok := f[key]
	if !ok {
		return "", Pos{}, nil
	}
	v, err := l.str(kv[1], key)
	if err != nil {
		return "", Pos{}, err
	}
	pos := l.pos(kv[0], key)
	if w := strings.ToLower(v); slices.Contains(want, w) {
		return w, pos, nil
	}
	words := strings.Join(want[:len(want)-1], ", ") + " or " + want[len(want)-1]
	return "", Pos{}, errorf(pos, ErrType, "%q: want %s", v, words)
}

// members reads a document's manifests: (its key and value nodes), a
// non-empty list of entries, counting them against the limit on the
// members of all documents.
func (l loader) members(m [2]*yaml.Node) ([]Entry, error) {
	list := deref(m[1])
	if list.Kind != yaml.SequenceNode && !isNull(list) {
		return nil, errorf(l.pos(list, "manifests"), ErrType, "must be a list of members (- image: ...), not %s", kind(list))
	}
	if len(list.Content) == 0 {
		return nil, errorf(l.pos(m[0], "manifests"), ErrMissing, "the list is empty: an index needs at least one member")
	}
	var entries []Entry
	for i, en := range list.Content {
		field := fmt.Sprintf("manifests[%d]", i)
		if err := l.ctx.Err(); err != nil {
			return nil, err
		}
		if l.w.members++; l.w.members > l.limits.Members {
			return nil, errorf(l.pos(en, field), ErrLimit, "more than %d members in one spec (--max-members raises the limit)", l.limits.Members)
		}
		e, err := l.entry(en, field)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func (l loader) entry(n *yaml.Node, field string) (Entry, error) {
	f, err := l.fields(n, field, "image", "platform", "annotations")
	if err != nil {
		return Entry{}, err
	}
	img, ok := f["image"]
	if !ok {
		return Entry{}, errorf(l.pos(n, field), ErrMissing, "no image: each member needs `image: registry/repo:tag`")
	}
	var e Entry
	e.Pos = l.pos(img[0], field)
	e.PlatformPos = e.Pos
	str, err := l.str(img[1], field+".image")
	if err != nil {
		return Entry{}, err
	}
	if e.Image, _, err = parseRef(str, l.pos(img[0], field+".image"), false); err != nil {
		return Entry{}, err
	}
	if p, ok := f["platform"]; ok && !isNull(p[1]) {
		if e.Platform, e.PlatformPos, e.platformFields, err = l.platform(p, field+".platform"); err != nil {
			return Entry{}, err
		}
	}
	if a, ok := f["annotations"]; ok {
		if e.Annotations, err = l.strMap(a[1], field+".annotations"); err != nil {
			return Entry{}, err
		}
		e.AnnotationsPos = l.pos(a[0], field+".annotations")
	}
	return e, nil
}

func (l loader) platform(kv [2]*yaml.Node, field string) (*platform.Platform, Pos, map[string]Pos, error) {
	f, err := l.fields(kv[1], field, platformKeys...)
	if err != nil {
		return nil, Pos{}, nil, err
	}
	fieldPos := map[string]Pos{}
	for key, kvn := range f {
		name := map[string]string{"osversion": "os.version", "osfeatures": "os.features"}[key]
		if name == "" {
			name = key
		}
		fieldPos[name] = l.pos(kvn[0], join(field, key))
	}
	for _, pair := range [][2]string{{"osversion", "os.version"}, {"osfeatures", "os.features"}} {
		if _, a := f[pair[0]]; a {
			if _, b := f[pair[1]]; b {
				return nil, Pos{}, nil, errorf(l.pos(f[pair[1]][0], join(field, pair[1])), ErrSyntax,
					"both %q and %q are given; they are the same field, keep one", pair[0], pair[1])
			}
		}
	}
	p := &platform.Platform{}
	strs := map[string]*string{"os": &p.OS, "architecture": &p.Architecture, "variant": &p.Variant, "osversion": &p.OSVersion, "os.version": &p.OSVersion}
	lists := map[string]*[]string{"osfeatures": &p.OSFeatures, "os.features": &p.OSFeatures, "features": &p.Features}
	for _, key := range platformKeys {
		kvn, ok := f[key]
		if !ok {
			continue
		}
		sub := join(field, key)
		if dst, ok := strs[key]; ok {
			v, err := l.str(kvn[1], sub)
			if err != nil {
				return nil, Pos{}, nil, err
			}
			if !platformPartRE.MatchString(v) {
				return nil, Pos{}, nil, errorf(l.pos(kvn[0], sub), ErrPlatform, "%q is not a platform value (lowercase letters, digits, '.', '_' and '-')", v)
			}
			*dst = v
		} else if v, err := l.strList(kvn[1], sub); err != nil {
			return nil, Pos{}, nil, err
		} else {
			*lists[key] = v
		}
	}
	pos := l.pos(kv[0], field)
	if a, ok := f["architecture"]; ok {
		pos = l.pos(a[0], join(field, "architecture"))
	}
	switch {
	case p.OS == "" && p.Architecture == "":
		if p.Variant != "" || p.OSVersion != "" || len(p.OSFeatures) > 0 || len(p.Features) > 0 {
			return nil, Pos{}, nil, errorf(l.pos(kv[0], field), ErrMissing, "os and architecture are required when other platform fields are given")
		}
		return nil, pos, nil, nil // platform: {} means "from the image"
	case p.OS == "":
		return nil, Pos{}, nil, errorf(l.pos(kv[0], field), ErrMissing, "os is required with architecture %q (e.g. os: linux)", p.Architecture)
	case p.Architecture == "":
		return nil, Pos{}, nil, errorf(l.pos(kv[0], field), ErrMissing, "architecture is required with os %q (e.g. architecture: amd64)", p.OS)
	}
	return p, pos, fieldPos, nil
}

// str reads a scalar as written (so tags: [1.10] stays "1.10"), with its
// ${NAME} variables expanded.
func (l loader) str(n *yaml.Node, field string) (string, error) {
	n = deref(n)
	if err := l.visit(n, field); err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", errorf(l.pos(n, field), ErrType, "must be a string, not %s", kind(n))
	}
	v, err := l.expand(n, field)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(v) == "" {
		return "", errorf(l.pos(n, field), ErrMissing, "is empty")
	}
	return strings.TrimSpace(v), nil
}

// expand expands the ${NAME} variables of a scalar.
func (l loader) expand(n *yaml.Node, field string) (string, error) {
	v, err := expandVars(n.Value, l.lookup)
	if err != nil {
		return "", invalid(l.pos(n, field), err)
	}
	return v, nil
}

func (l loader) strList(n *yaml.Node, field string) ([]string, error) {
	n = deref(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errorf(l.pos(n, field), ErrType, "must be a list of strings, not %s", kind(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		v, err := l.str(item, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (l loader) strMap(n *yaml.Node, field string) (map[string]string, error) {
	n = deref(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, errorf(l.pos(n, field), ErrType, "must be a mapping of keys to strings, not %s", kind(n))
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		sub := join(field, k.Value)
		if err := l.visit(v, sub); err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode || strings.TrimSpace(k.Value) == "" {
			return nil, errorf(l.pos(k, field), ErrAnnotation, "annotation keys must be non-empty strings")
		}
		if _, dup := out[k.Value]; dup {
			return nil, errorf(l.pos(k, sub), ErrSyntax, "key %q given twice", k.Value)
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			return nil, errorf(l.pos(v, sub), ErrType, "must be a string, not %s", kind(v))
		}
		val, err := l.expand(v, sub)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val // kept byte for byte, spaces included
	}
	return out, nil
}

func kind(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "empty"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// suggest returns `; did you mean "x"?` for the closest allowed key, if any
// is close enough to be a likely typo.
func suggest(key string, allowed []string) string {
	if best := nearest(strings.ToLower(key), allowed); best != "" {
		return fmt.Sprintf(`; did you mean %q?`, best)
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
