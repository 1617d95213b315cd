# manifest-tool
#   make demo   run the main job end to end on a local registry it starts
#   make test   lint, vet, unit tests (-race) and integration tests
#   make lint   staticcheck (pinned, from the module proxy) and gofmt
#   make build  static binary in bin/
#   make cross  static binaries for every released platform in bin/cross/
#   make image  the tool's container image (needs docker with buildx)
#   make bench  benchmarks: the pure parts, and end to end beside crane, regctl
#               and manifest-tool v2 (plain HTTP, then the hub mode), then
#               large layers between two registries beside skopeo and curl
#   make fuzz   each fuzz target for FUZZTIME (60s); not part of make test

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/manifest-tool

.PHONY: all build install cross image peers test lint vet unit integration demo bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/manifest-tool

install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/manifest-tool

# os/arch[/variant] released; binaries are named manifest-tool-OS-ARCH[VARIANT]
PLATFORMS ?= linux/amd64 linux/arm64 linux/arm/v7 linux/s390x linux/ppc64le linux/riscv64 \
	darwin/amd64 darwin/arm64 windows/amd64

cross:
	@mkdir -p bin/cross
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%%/*}; rest=$${p#*/}; arch=$${rest%%/*}; variant=$$(echo $$rest | cut -s -d/ -f2); \
		out=bin/cross/manifest-tool-$$os-$$arch$$variant; [ $$os = windows ] && out=$$out.exe; \
		echo "$$p -> $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOARM=$${variant#v} $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/manifest-tool; \
	done
	cd bin/cross && sha256sum manifest-tool-* > SHA256SUMS

IMAGE ?= manifest-tool:$(VERSION)

image:
	docker buildx build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) --load .

test: lint vet unit integration

# staticcheck with every check but ST1000 (a package comment in each
# package) and ST1003 (initialisms in names), on both modules, at a pinned
# version installed into bin/lint (again when the pin changes); then gofmt,
# which fails on any file it would change. Each runs, and the target fails
# when one of them found something.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK        := $(CURDIR)/bin/lint/staticcheck
STATICCHECK_CHECKS := all,-ST1000,-ST1003

lint:
	@mkdir -p bin/lint
	$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))' || \
		GOBIN=$(CURDIR)/bin/lint $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@status=0; \
	echo "staticcheck -checks $(STATICCHECK_CHECKS) ./..."; $(STATICCHECK) -checks $(STATICCHECK_CHECKS) ./... || status=1; \
	echo "cd integration && staticcheck -checks $(STATICCHECK_CHECKS) ./..."; \
	(cd integration && $(STATICCHECK) -checks $(STATICCHECK_CHECKS) ./...) || status=1; \
	echo "gofmt -l ."; unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "not formatted (gofmt -w them):"; echo "$$unformatted"; status=1; fi; \
	exit $$status

vet:
	$(GO) vet ./...
	cd integration && $(GO) vet ./...

unit:
	$(GO) test -race ./...

# end-to-end tests of the built binary against the Distribution registry,
# which the tests start on 127.0.0.1 themselves; they mostly wait (on
# retries, on registries that died), so more run at once than there are CPUs
integration: build peers
	cd integration && MANIFEST_TOOL=$(CURDIR)/$(BIN) MANIFEST_TOOL_PEERS=$(BENCH_BIN) \
		$(GO) test -count=1 -parallel 16 -timeout 20m ./...

# starts a registry on 127.0.0.1:5000, seeds it, pushes with both forms,
# shows the result and stops the registry
demo: build
	cd integration && $(GO) run ./cmd/demo -tool $(CURDIR)/$(BIN) -examples $(CURDIR)/examples

# the peers measured beside manifest-tool and used to read back what it
# pushes, at pinned versions, into bin/peers: crane, regctl, the
# manifest-tool it succeeds (built from its module, which the module proxy
# serves, while it does not serve the command's own path), and cosign,
# which signs and verifies in the referrers tests (a long build, about 7
# minutes the first time; where it does not install, those tests skip)
CRANE_VERSION  ?= v0.22.1
REGCTL_VERSION ?= v0.11.7
MT2_VERSION    ?= v2.1.9
COSIGN_VERSION ?= v2.6.5
BENCH_BIN      := $(CURDIR)/bin/peers
BENCH_ARGS     ?= -runs 5

peers:
	@mkdir -p $(BENCH_BIN)
	test -x $(BENCH_BIN)/crane || GOBIN=$(BENCH_BIN) $(GO) install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)
	test -x $(BENCH_BIN)/regctl || GOBIN=$(BENCH_BIN) $(GO) install github.com/regclient/regclient/cmd/regctl@$(REGCTL_VERSION)
	test -x $(BENCH_BIN)/manifest-tool-v2 || { set -e; tmp=$$(mktemp -d); cd $$tmp; \
		src=$$($(GO) mod download -json github.com/estesp/manifest-tool/v2@$(MT2_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
		cp -r $$src/. $$tmp/src; chmod -R u+w $$tmp/src; rm -rf $$tmp/src/vendor; \
		cd $$tmp/src && GOFLAGS=-mod=mod $(GO) build -o $(BENCH_BIN)/manifest-tool-v2 ./cmd/manifest-tool; \
		rm -rf $$tmp; }
	test -x $(BENCH_BIN)/cosign || GOBIN=$(BENCH_BIN) $(GO) install github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN_VERSION) || \
		echo "cosign $(COSIGN_VERSION) did not install: the tests that sign with it skip"

# Go benchmarks of the pure parts, then the end-to-end benchmark: N = 2, 8,
# 16, 64 platforms, 2 extra tags, 0 and 30 ms added latency, beside crane
# and regctl; a CPU profile of the slowest case goes to bin/profile.pprof.
# Then the hub mode: TLS, per-repository tokens, a Docker config, 30 ms to
# registry and token server, N = 16 and 64 members in the same registry or
# another, 3 runs each, beside crane, regctl and manifest-tool v2. TOOL2=path adds a row
# for another manifest-tool build. Last, the big-layer case: BIG (members
# x layers x size) copied between two registries on disk beside crane,
# regctl, skopeo and a floor of curl alone, then again with every 4th layer
# download cut halfway; it needs about 2.5 times the data free in $TMPDIR
# (BIG=4x3x20MB for a quick run, BIG=0 skips it).
# BENCH_ARGS='-n 0 -docs 0 -race 0 -big 0' runs the hub mode alone.
TOOL2 ?=
BIG   ?= 4x3x200MB
bench: build peers
	$(GO) test -run '^$$' -bench . -benchmem ./spec ./manifest
	rm -f $(CURDIR)/bin/profile.pprof
	cd integration && $(GO) run ./cmd/bench -tool $(CURDIR)/$(BIN) -crane $(BENCH_BIN)/crane -regctl $(BENCH_BIN)/regctl \
		-mt2 $(BENCH_BIN)/manifest-tool-v2 -hub -hub-runs 3 $(if $(TOOL2),-tool2 $(TOOL2)) -big $(BIG) \
		-cpuprofile $(CURDIR)/bin/profile.pprof $(BENCH_ARGS)
	if [ -f $(CURDIR)/bin/profile.pprof ]; then $(GO) tool pprof -top -nodecount 25 $(CURDIR)/$(BIN) $(CURDIR)/bin/profile.pprof | head -35; fi

FUZZTIME ?= 60s
fuzz:
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzExpand$$' -fuzztime $(FUZZTIME)
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzParsePlatform$$' -fuzztime $(FUZZTIME)
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzFromArgs$$' -fuzztime $(FUZZTIME)
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzExpandVars$$' -fuzztime $(FUZZTIME)
	$(GO) test ./manifest -run '^$$' -fuzz '^FuzzPrecheck$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/text -run '^$$' -fuzz '^FuzzEscape$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/units -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./registry -run '^$$' -fuzz '^FuzzDockerConfig$$' -fuzztime $(FUZZTIME)
	$(GO) test ./spec -run '^$$' -fuzz '^FuzzParseRef$$' -fuzztime $(FUZZTIME)
	$(GO) test ./registry/internal/transport -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME)
	$(GO) test ./registry/internal/transport -run '^$$' -fuzz '^FuzzBearerRealms$$' -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/manifest-tool -run '^$$' -fuzz '^FuzzParseSize$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
