# smp's container image, for those who build with Docker or BuildKit. The
# same image, without a daemon: scripts/image (or smp image build).
#   docker build -t smp:dev .
#   docker build --platform linux/arm64 -t smp:dev-arm64 .
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -o /rootfs/smp ./cmd/smp \
 && mkdir -p /rootfs/etc /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > /rootfs/etc/group

FROM scratch
COPY --from=build /rootfs/ /
LABEL org.opencontainers.image.source="https://github.com/smp-dev/smp"
USER 65534:65534
WORKDIR /tmp
ENV PATH=/
ENTRYPOINT ["/smp"]
