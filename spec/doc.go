// Package spec turns what the user wrote (a YAML spec file, or the flags of
// `push from-args`) into [Spec] values: a target reference, extra tags,
// annotations and the member images with their declared platforms. It is
// pure: it never talks to a registry. Every value keeps its position
// (file:line and field, or the flag item) so that any later error can point
// back at the user's input.
//
// # Spec files
//
// The format is manifest-tool's, accepted unchanged:
//
//	image: registry.example.com/app:1.0     # the index; no tag means "latest"
//	tags: [latest, "1"]                     # extra tags pointing at it
//	annotations:                            # on the index (OCI only)
//	  org.opencontainers.image.source: https://example.com/app
//	manifests:
//	  - image: registry.example.com/app:1.0-amd64
//	    platform:
//	      os: linux
//	      architecture: amd64
//	  - image: registry.example.com/app:1.0-arm64
//	    platform: {os: linux, architecture: arm64, variant: v8}
//	  - image: registry.example.com/app:1.0-win   # no platform: read from the image
//
// Top-level keys: image (required), type (docker or oci: this document's
// index type, overriding --type), tags, annotations, referrers (true or
// required: copy the members' referrers, as --referrers),
// annotations-from-labels (true: the org.opencontainers.image.* labels
// every image member carries alike become index annotations, as
// --annotations-from-labels; OCI only), untag-members (true: delete the
// tags the members were found by once every target holds the index, as
// --untag-members), manifests
// (required, at least one member). Member keys: image (required), platform,
// annotations (on that member's entry in the index, OCI only). Platform
// keys: os, architecture, variant, os.version (or manifest-tool's
// osversion), os.features (or osfeatures) and features; giving both
// spellings of one field is an error. When a platform is given, os and
// architecture are both required. Any other key is an error naming its
// file:line, with the closest known key suggested. Values are read as
// written: tags: [1.10] is the tag "1.10", not a number. YAML anchors,
// aliases and merge keys (<<: *base) work as in any YAML.
//
// A member without a platform takes it from its image config (os,
// architecture, variant, os.version, os.features). A declared os/arch
// still takes a missing variant or os.version from the config when the
// config has the same os and architecture. A member that is itself an
// index (buildx's output) contributes each of its images with their own
// platforms, and its attestation manifests.
//
// Several YAML documents separated by "---" describe several indexes;
// [Load] returns one [Spec] per document, in file order.
//
// # Variables
//
// Every string value (not keys) may use the environment:
//
//	${NAME}            the value of NAME; an error naming file:line when NAME is unset
//	${NAME:-default}   the value of NAME, or default when NAME is unset or empty
//	$$                 a literal $
//
// Nothing else is expanded: $NAME without braces and a $ before anything
// else stay as written. An unclosed ${ is an error, and so is a $ in a
// default, which is plain text (no nested ${...}). In a YAML flow list
// quote such values: tags: ["${VERSION}"].
//
// # Platforms
//
// Every rule about platforms lives in platform.go; this is its manual.
//
// Syntax ([ParsePlatform], [FormatPlatform]): os/arch[/variant][:os.version],
// as in linux/amd64, linux/arm/v7 or windows/amd64:10.0.20348.2227. Each of
// os, architecture and variant is lowercase letters, digits, '.', '_' and
// '-'; the os.version after ':' starts with a letter or digit. A spec file
// gives the same fields as keys (os, architecture, variant, os.version,
// os.features, features). Values are kept as written; nothing comes from
// the local machine.
//
// Normalisation ([NormalizePlatform]) writes aliases the canonical way, and
// says what it changed so the log can tell: x86_64 and x86-64 are amd64,
// aarch64 is arm64, armhf is arm/v7, armel is arm/v6, i386 (to i686) is
// 386, macos is darwin, arm variants 5 to 8 are v5 to v8, arm64 variant 8
// is v8, and amd64/v1 (the baseline) is amd64. arm64/v8 stays as written:
// that is Docker's own spelling.
//
// Vocabulary ([CheckPlatform]): known values are Go's operating systems and
// architectures (the ports of `go tool dist list`) and these variants: arm
// v5-v8; arm64 v8, v8.0-v8.9, v9, v9.0-v9.5; amd64 v2-v4; riscv64 rva20u64,
// rva22u64, rva23u64; ppc64 and ppc64le power8-power10. An unknown value
// is a [*PlatformError] naming the field, with the nearest known value
// when one is close (s930x: did you mean s390x?). os.version and
// os.features are allowed on any os.
//
// Comparison ([SamePlatform]): two entries of an index have the same
// platform when os, architecture and variant are equal after
// normalisation; os.version counts only for Windows, where it tells host
// builds apart.
//
// Contradiction ([Contradicts]): a declared platform and the one in the
// image's config disagree on os or architecture, or on variant (or Windows
// os.version) where both give one. A value the config leaves out is no
// contradiction.
//
// Requirement ([Meets], for platforms --require): a required platform is
// met by an entry equal to it after normalisation (linux/arm64/v8 meets
// linux/arm64); one without a variant is met by any variant of it; one
// with an os.version by an entry whose os.version is that version or
// starts with it (10.0.20348 is met by 10.0.20348.2227).
//
// Merging ([MergePlatform]): a member's platform is the declared one; a
// declared os/arch takes a missing variant, os.version and os.features
// from the config when the config has the same os and architecture; a
// member without a declaration takes the config's platform.
//
// # from-args
//
// [FromArgs] builds a spec from --platforms, --template, --target, --tags
// and --annotations. Each --platforms item is os/arch[/variant], with an
// optional :os.version for Windows (windows/amd64:10.0.20348.2227). Values
// are used as written.
//
// The template names each member image; placeholders are replaced for each
// platform:
//
//	OS         the os              linux
//	ARCH       the architecture    arm
//	VARIANT    the variant         v7 (often empty)
//	OSVERSION  the os.version      10.0.20348.2227 (often empty)
//
// The rule, stricter than manifest-tool's first-occurrence string
// replacement:
//
//   - A placeholder is recognised only as a whole run of capital letters
//     A-Z that touches no other letter. In "reg/app-MACOS:1.0-ARCH" the run
//     MACOS is left as it is and ARCH is replaced; so is the OS of "macOS".
//     Placeholders written back to back in one run (ARCHVARIANT) are each
//     replaced.
//   - Every occurrence is replaced, not only the first.
//   - A run that expands to nothing also removes one separator ('-', '_'
//     or '.') beside it, the one before it when there is one.
//
// Examples for linux/amd64 and linux/arm/v7:
//
//	reg/app:1.0-OS-ARCH-VARIANT    reg/app:1.0-linux-amd64    reg/app:1.0-linux-arm-v7
//	reg/app:1.0-ARCHVARIANT        reg/app:1.0-amd64          reg/app:1.0-armv7
//	reg/app-MACOS:ARCH-ARCH        reg/app-MACOS:amd64-amd64  reg/app-MACOS:arm-arm
//	reg/VARIANT-app:1.0            reg/app:1.0                reg/v7-app:1.0
//
// With more than one platform the template must contain a placeholder, or
// every platform would name the same image. --annotations takes key=value
// items; a value may contain '=', and "a=1,b=2" is two annotations (a comma
// splits only before something that looks like "key=").
//
// # References
//
// References follow Docker's rules (docker.io and library/ are implied);
// ocidir://path:tag names an OCI layout on disk. The target must name a tag,
// not a digest; a target without a tag gets "latest" and [Spec.TagDefaulted]
// says so. Members may name a tag or a digest.
//
// # Targets
//
// A document writes its index to [Spec.Target] (image:) and to each of
// [Spec.MoreTargets] (targets:; --target given more than once or as a
// comma-separated list); [Spec.AllTargets] lists them all, each with its
// position. A document that names one target twice (the same repository
// and tag, however spelled) is refused, naming both places
// ([ErrDuplicateTarget]), and so is one past [Limits.Targets] or
// [Args.MaxTargets] (64 by default, [DefaultMaxTargets]).
//
// # Errors
//
// Every error is an [*Error] that matches [ErrInvalid], and one of the
// kinds (ErrSyntax, ErrUnknownKey, ...) through errors.Is. Its text is one
// line: "release.yaml:14: manifests[2].platform.architecture: ...".
package spec
