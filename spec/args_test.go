package spec

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFromArgs(t *testing.T) {
	t.Parallel()
	s, err := FromArgs(Args{
		Platforms:   []string{"linux/amd64", " linux/arm/v7", "windows/amd64:10.0.20348.2227"},
		Template:    "localhost:5000/app:1.0-OS-ARCHVARIANT-OSVERSION",
		Targets:     []string{"localhost:5000/app:1.0"},
		Tags:        []string{"latest", "1"},
		Annotations: []string{"org.opencontainers.image.description=Hello, world", "a=1,b=x=y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Manifests {
		got = append(got, e.Image.CommonName()+" "+e.Platform.String()+" "+e.Platform.OSVersion+" | "+e.Pos.String())
	}
	want := []string{
		`localhost:5000/app:1.0-linux-amd64 linux/amd64  | --platforms "linux/amd64"`,
		`localhost:5000/app:1.0-linux-armv7 linux/arm/v7  | --platforms " linux/arm/v7"`,
		`localhost:5000/app:1.0-windows-amd64-10.0.20348.2227 windows/amd64 10.0.20348.2227 | --platforms "windows/amd64:10.0.20348.2227"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("members\n got %q\nwant %q", got, want)
	}
	wantAnn := map[string]string{"org.opencontainers.image.description": "Hello, world", "a": "1", "b": "x=y"}
	if !reflect.DeepEqual(s.Annotations, wantAnn) {
		t.Errorf("annotations %v, want %v", s.Annotations, wantAnn)
	}
	if s.Target.CommonName() != "localhost:5000/app:1.0" || s.TagDefaulted || !reflect.DeepEqual(s.Tags, []string{"latest", "1"}) {
		t.Errorf("target %s tags %v", s.Target.CommonName(), s.Tags)
	}

	s, err = FromArgs(Args{Platforms: []string{"linux/amd64"}, Template: "localhost:5000/app:amd64", Targets: []string{"localhost:5000/app"}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.TagDefaulted || s.Target.Tag != "latest" {
		t.Errorf("target without tag: %+v defaulted=%v", s.Target, s.TagDefaulted)
	}
}

func TestFromArgsInvalid(t *testing.T) {
	t.Parallel()
	ok := Args{Platforms: []string{"linux/amd64"}, Template: "r/app:ARCH", Targets: []string{"r/app:1"}}
	tests := []struct {
		name string
		mod  func(*Args)
		want string
		kind error
	}{
		// A bare architecture is not os/arch.
		{"bare arch", func(a *Args) { a.Platforms = []string{"amd64"} }, `--platforms "amd64": "amd64" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`, ErrPlatform},
		// Four parts.
		{"four parts", func(a *Args) { a.Platforms = []string{"linux/arm/v7/x"} }, `--platforms "linux/arm/v7/x": "linux/arm/v7/x" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`, ErrPlatform},
		// An empty part.
		{"empty arch", func(a *Args) { a.Platforms = []string{"linux/"} }, `--platforms "linux/": "linux/" is not os/arch[/variant]: "" must be lowercase letters, digits, '.', '_' or '-'`, ErrPlatform},
		// Uppercase.
		{"uppercase", func(a *Args) { a.Platforms = []string{"Linux/amd64"} }, `--platforms "Linux/amd64": "Linux/amd64" is not os/arch[/variant]: "Linux" must be lowercase letters, digits, '.', '_' or '-'`, ErrPlatform},
		// An empty os.version.
		{"empty osversion", func(a *Args) { a.Platforms = []string{"windows/amd64:"} }, `--platforms "windows/amd64:": os.version "" after ':' is not a version such as 10.0.20348.2227`, ErrPlatform},
		// No target.
		{"no target", func(a *Args) { a.Targets = nil }, `--target: is required (the reference the index is written to)`, ErrMissing},
		// Target by digest.
		{"target digest", func(a *Args) {
			a.Targets = []string{"r/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
		},
			`--target: target "r/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" names a digest; name a tag instead (the index's digest is known only once it is built)`, ErrReference},
		// No template.
		{"no template", func(a *Args) { a.Template = " " }, `--template or --member: is required, e.g. --template 'reg/app:1.0-OS-ARCHVARIANT' or --member reg/app@sha256:…`, ErrMissing},
		// No platforms.
		{"no platforms", func(a *Args) { a.Platforms = nil }, `--platforms: is required, e.g. --platforms linux/amd64,linux/arm64`, ErrMissing},
		// Every platform would get the same image.
		{"no placeholder", func(a *Args) { a.Platforms = []string{"linux/amd64", "linux/arm64"}; a.Template = "r/app:1" },
			`--template: "r/app:1" has no placeholder (OS, ARCH, VARIANT, OSVERSION), so every platform would name the same image`, ErrTemplate},
		// The expansion is not a reference.
		{"bad expansion", func(a *Args) { a.Template = "r/APP-ARCH:1" },
			`--platforms "linux/amd64": --template "r/APP-ARCH:1" gives "r/APP-amd64:1": invalid reference "r/APP-amd64:1", repo must be lowercase`, ErrTemplate},
		// Bad extra tag.
		{"bad tag", func(a *Args) { a.Tags = []string{"a b"} }, `--tags "a b": "a b" is not a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`, ErrReference},
		// Annotation without '='.
		{"annotation", func(a *Args) { a.Annotations = []string{"novalue"} }, `--annotations "novalue": want key=value`, ErrAnnotation},
		// Annotation with an empty key.
		{"annotation empty key", func(a *Args) { a.Annotations = []string{"=v"} }, `--annotations "=v": want key=value`, ErrAnnotation},
		// Members and a template.
		{"member and template", func(a *Args) { a.Members = []string{"r/app:amd"} }, `--member: and --template name the members two ways; give one of them`, ErrTemplate},
		// A member that is no reference.
		{"bad member", func(a *Args) { a.Template, a.Members = "", []string{"r/APP:1"} },
			`--member "r/APP:1": invalid reference "r/APP:1", repo must be lowercase`, ErrReference},
		// A selected platform that is no platform.
		{"bad selection", func(a *Args) { a.Template, a.Members, a.Platforms = "", []string{"r/app:1"}, []string{"linux"} },
			`--platforms "linux": "linux" is not os/arch[/variant] (e.g. linux/amd64, linux/arm/v7)`, ErrPlatform},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := ok
			tc.mod(&a)
			_, err := FromArgs(a)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, tc.kind) {
				t.Errorf("%v is not ErrInvalid and %v", err, tc.kind)
			}
		})
	}
}

func FuzzFromArgs(f *testing.F) {
	f.Add("linux/amd64,linux/arm/v7", "r/app:OS-ARCH-VARIANT", "r/app:1", "a=b,c=d")
	f.Fuzz(func(t *testing.T, plats, tpl, target, ann string) {
		s, err := FromArgs(Args{Platforms: strings.Split(plats, ","), Template: tpl, Targets: []string{target}, Annotations: []string{ann}})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", err)
			}
			return
		}
		if len(s.Manifests) == 0 || s.Target.Tag == "" {
			t.Fatalf("accepted %+v", s)
		}
	})
}

func BenchmarkFromArgs(b *testing.B) {
	var plats []string
	for _, a := range []string{"amd64", "arm64/v8", "arm/v7", "s390x", "ppc64le", "riscv64", "386", "mips64le"} {
		plats = append(plats, "linux/"+a)
	}
	for b.Loop() {
		if _, err := FromArgs(Args{Platforms: plats, Template: "reg.example.com/app:1.0-OS-ARCHVARIANT", Targets: []string{"reg.example.com/app:1.0"}, Tags: []string{"latest", "1"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFromArgsMembers(t *testing.T) {
	t.Parallel()
	d := "sha256:" + strings.Repeat("a", 64)
	s, err := FromArgs(Args{
		Members:   []string{"reg.example.com/app@" + d, "other.example.com/builds/app:arm64", "ocidir://out/layout:1"},
		Platforms: []string{"linux/aarch64", "windows/amd64:10.0.20348"},
		Targets:   []string{"reg.example.com/app:1.0"},
		Tags:      []string{"latest"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range s.Manifests {
		if e.Platform != nil {
			t.Errorf("%s declares %v; a member's platform comes from its image", e.Image.CommonName(), e.Platform)
		}
		names = append(names, e.Pos.String()+" "+e.Image.CommonName())
	}
	want := []string{`--member "reg.example.com/app@` + d + `" reg.example.com/app@` + d,
		`--member "other.example.com/builds/app:arm64" other.example.com/builds/app:arm64`,
		`--member "ocidir://out/layout:1" ocidir://out/layout:1`}
	if !slices.Equal(names, want) {
		t.Errorf("members\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	var sel []string
	for i, p := range s.Select {
		sel = append(sel, s.SelectPos[i].String()+" "+FormatPlatform(p))
	}
	if want := []string{`--platforms "linux/aarch64" linux/arm64`, `--platforms "windows/amd64:10.0.20348" windows/amd64:10.0.20348`}; !slices.Equal(sel, want) {
		t.Errorf("selection %q, want %q", sel, want)
	}
	if s.Target.CommonName() != "reg.example.com/app:1.0" || !slices.Equal(s.Tags, []string{"latest"}) {
		t.Errorf("target %s, tags %v", s.Target.CommonName(), s.Tags)
	}
}
