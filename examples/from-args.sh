#!/bin/sh
# Publish demo/app:1.0 for three platforms from images named
# demo/app:1.0-linux-amd64, demo/app:1.0-linux-arm64 and
# demo/app:1.0-linux-armv7, with `manifest-tool push from-args`.
#
#   REGISTRY=registry.example.com sh examples/from-args.sh
#
# REGISTRY defaults to the local registry `make demo` starts (plain HTTP,
# hence --plain-http-registry; drop it for a registry with TLS).
set -eu
REGISTRY=${REGISTRY:-127.0.0.1:5000}
MANIFEST_TOOL=${MANIFEST_TOOL:-manifest-tool}

# ARCHVARIANT gives amd64, arm64 and armv7; OS gives linux.
"$MANIFEST_TOOL" --plain-http-registry "$REGISTRY" push --type oci from-args \
  --platforms linux/amd64,linux/arm64,linux/arm/v7 \
  --template "$REGISTRY/demo/app:1.0-OS-ARCHVARIANT" \
  --target "$REGISTRY/demo/app:1.0-args" \
  --tags 1-args
