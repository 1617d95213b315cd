# The manifest-tool image: the static binary, CA certificates, nothing else.
#
#   make image                      # docker buildx build ... --load
#   docker buildx build --platform linux/amd64,linux/arm64 -t reg/manifest-tool:1.0 --push .
#
#   docker run --rm -v "$PWD:/work" -v "$HOME/.docker:/docker:ro" \
#       reg/manifest-tool:1.0 push from-spec /work/release.yaml
#
# The Docker config is read from /docker (DOCKER_CONFIG); credential helpers
# are not in the image: use auths entries, or --username with
# --password-stdin (docker run -i).

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
COPY manifest ./manifest
COPY registry ./registry
COPY spec ./spec
ARG TARGETOS TARGETARCH TARGETVARIANT VERSION=dev COMMIT=unknown
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} \
    go build -trimpath -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT" \
    -o /out/manifest-tool ./cmd/manifest-tool

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/manifest-tool /manifest-tool
ENV DOCKER_CONFIG=/docker
USER 65532:65532
ENTRYPOINT ["/manifest-tool"]
