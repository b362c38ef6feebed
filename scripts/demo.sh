#!/usr/bin/env bash
# The README's first command: set up, then build the example multi-stage image offline
# from a busybox base made here, show it, and run the program it contains.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export DFC_ROOT="${DFC_ROOT:-$PWD/.dfc-demo}"
dfc=.venv/bin/dfc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! $dfc images -q busybox:latest 2>/dev/null | grep -q .; then
  echo "== importing a busybox base image (from Debian's busybox-static)"
  bash examples/busybox/rootfs.sh "$work/rootfs"
  tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  $dfc import "$work/rootfs.tar" busybox:latest
fi

echo "== dfc build -t dfc-demo examples/multistage"
$dfc build --progress plain -t dfc-demo --output "type=local,dest=$work/out" examples/multistage

echo "== dfc images"
$dfc images
echo "== dfc history dfc-demo"
$dfc history dfc-demo

if [ "$(id -u)" = 0 ]; then
  echo "== dfc run --rm dfc-demo"
  $dfc run --rm dfc-demo
fi
echo "== store: $DFC_ROOT (an OCI image layout: skopeo inspect oci:$DFC_ROOT:docker.io/library/dfc-demo:latest)"
