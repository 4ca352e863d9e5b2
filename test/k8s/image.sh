#!/bin/sh
# Build the smp image for the test cluster and import it into its
# containerd (no registry): a static smp binary in a one-layer image
# tagged $SMP_IMAGE (default smp:dev). One script, so that `smp image
# build` can replace it.
#
#   test/k8s/image.sh            # from the repository root, as root
set -eu
TAG=${SMP_IMAGE:-smp:dev}
OUT=${SMP_IMAGE_DIR:-/tmp/k8s-smp}
SOCK=${SMP_CONTAINERD_SOCK:-/run/containerd/containerd.sock}
mkdir -p "$OUT"
CGO_ENABLED=0 go build -trimpath -o "$OUT/smp" ./cmd/smp
go run ./test/k8s/mkimage -bin "$OUT/smp" -tag "$TAG" -out "$OUT/smp.tar"
ctr --address "$SOCK" -n k8s.io images import "$OUT/smp.tar" >/dev/null
ctr --address "$SOCK" -n k8s.io images ls -q | grep -E "(^|/)${TAG}\$" >/dev/null ||
  { echo "image.sh: $TAG not listed after import" >&2; exit 1; }
echo "$TAG imported ($(du -h "$OUT/smp.tar" | cut -f1))"
