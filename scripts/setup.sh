#!/usr/bin/env bash
# Set up everything dfc and its tests need on a fresh Debian/Ubuntu machine:
# the system packages (as root, or through sudo) and a virtualenv in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-venv busybox-static graphviz shellcheck git slirp4netns gcc libc6-dev)
if [ "${DFC_SETUP_FULL:-0}" = 1 ]; then
  # Interop peers: only the test suite needs them.
  APT_PACKAGES+=(crun runc skopeo umoci docker.io docker-registry qemu-user-static)
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

# Docker's default seccomp profile, which every RUN applies (runtime/sandbox/seccomp_profile.py
# reads it). It is one data file of golang-github-docker-docker-dev, whose Depends would bring
# ~260 packages (the Go toolchain, systemd) that dfc never uses: extract that file alone from
# the package, to the path the package installs it at.
SECCOMP_PKG=golang-github-docker-docker-dev
SECCOMP_PROFILE=usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
if [ ! -f "/$SECCOMP_PROFILE" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  deb_dir=$(mktemp -d)
  chmod 755 "$deb_dir"  # apt's download user writes there
  (cd "$deb_dir" && { apt-get download -qq "$SECCOMP_PKG" 2>/dev/null \
    || { $SUDO apt-get update -qq && apt-get download -qq "$SECCOMP_PKG"; }; })
  dpkg-deb --fsys-tarfile "$deb_dir"/"$SECCOMP_PKG"_*.deb \
    | $SUDO tar -x -C / --no-same-owner "./$SECCOMP_PROFILE"
  rm -rf "$deb_dir"
fi

# The arm64 test base of the multi-platform tests: Debian's busybox-static for arm64,
# downloaded once into a cache folder (never installed: it would replace the host's).
ARM64_BUSYBOX_DIR=/var/cache/dfc-test
if [ "${DFC_SETUP_FULL:-0}" = 1 ] && ! ls "$ARM64_BUSYBOX_DIR"/busybox-static_*_arm64.deb >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
  fi
  $SUDO mkdir -p "$ARM64_BUSYBOX_DIR"
  $SUDO chmod 777 "$ARM64_BUSYBOX_DIR"  # apt's download user writes there
  (cd "$ARM64_BUSYBOX_DIR" && { apt-get download -qq busybox-static:arm64 2>/dev/null \
    || { $SUDO apt-get update -qq && apt-get download -qq busybox-static:arm64; }; })
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' \
  --config-settings editable_mode=strict  # a link tree: no import-hook cost at start-up
# Bytecode now, as a normal install would have it: start-up must not depend on whether
# the environment lets Python write __pycache__ later (PYTHONDONTWRITEBYTECODE).
.venv/bin/python -m compileall -q build/__editable__.* >/dev/null
# pip's `dfc` launcher imports `re` (and enum, functools) only to strip a Windows suffix
# from argv[0] (~7 ms of every command), and Python's `site` (the venv's .pth files) costs
# ~4 ms more: the client needs neither, only dfc's own folder. So the launcher runs
# Python with -S and puts that folder first; the client calls `site.main()` itself when
# it runs a command here instead of in the daemon. pip writes its own launcher on every
# install, so this follows it. (A path too long for a `#!` line gets pip's /bin/sh
# trampoline: that one is left alone.)
case "$(head -n 1 .venv/bin/dfc)" in
  '#!/'*python*)
    venv_python="$PWD/.venv/bin/python"
    package_root=$(cd / && "$venv_python" -c \
      'import dfc, os; print(os.path.dirname(os.path.dirname(os.path.abspath(dfc.__file__))))')
    { head -n 1 .venv/bin/dfc | sed 's/[[:space:]].*$//; s/$/ -S/'
      printf '%s\n' 'import sys' "sys.path.insert(0, '$package_root')" \
        'from dfc.client import main' 'sys.exit(main())'
    } > .venv/bin/dfc.lean && chmod 755 .venv/bin/dfc.lean && mv .venv/bin/dfc.lean .venv/bin/dfc
    ;;
esac
# Then the compiled client (src/dfc/daemon/client.c) takes the launcher's place: it hands
# a command to the running daemon in ~1 ms where starting Python takes ~14 ms, and gives
# every command it does not forward to the Python client. Without a C compiler the
# Python launcher above stays (every command still works, ~13 ms slower in the daemon).
.venv/bin/python -m dfc.daemon.native_client .venv/bin/dfc \
  || echo "setup: keeping the Python launcher of dfc" >&2
