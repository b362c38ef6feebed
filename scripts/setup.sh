#!/usr/bin/env bash
# Set up everything dfc and its tests need on a fresh Debian/Ubuntu machine:
# the system packages (as root, or through sudo) and a virtualenv in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-venv busybox-static graphviz shellcheck git slirp4netns)
if [ "${DFC_SETUP_FULL:-0}" = 1 ]; then
  # Interop peers: only the test suite needs them.
  APT_PACKAGES+=(crun runc skopeo umoci docker.io docker-registry)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' \
  --config-settings editable_mode=strict  # a link tree: no import-hook cost at start-up
# Bytecode now, as a normal install would have it: start-up must not depend on whether
# the environment lets Python write __pycache__ later (PYTHONDONTWRITEBYTECODE).
.venv/bin/python -m compileall -q build/__editable__.* >/dev/null
