#!/bin/sh
# Tell whether a registry can hold manifest lists and OCI indexes (and the
# rest of what multi-platform images need), with manifest-tool probe: tiny
# images it makes itself, no Docker daemon, nothing from the internet.
#
#   integration/probe-registry.sh registry.example.com[/repo] [manifest-tool flags]
#   integration/probe-registry.sh --plain-http 127.0.0.1:5000
#
# Uses manifest-tool from PATH, or builds it from this checkout (Go needed).
# Exit codes are probe's: 0 lists and indexes work, 3 they do not, 1 the
# registry cannot be reached or refuses the credentials, 2 bad usage.
set -eu
if [ $# -eq 0 ]; then
	echo "usage: $0 [manifest-tool flags] REGISTRY[/REPO]" >&2
	exit 2
fi
tool=$(command -v manifest-tool || true)
if [ -z "$tool" ]; then
	here=$(cd "$(dirname "$0")/.." && pwd)
	bin=$(mktemp -d)
	trap 'rm -rf "$bin"' EXIT
	echo "manifest-tool is not on PATH; building it from $here" >&2
	(cd "$here" && go build -o "$bin/manifest-tool" ./cmd/manifest-tool)
	tool=$bin/manifest-tool
fi
"$tool" probe "$@"
