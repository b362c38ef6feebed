#!/usr/bin/env bash
# Make a minimal busybox root filesystem in DIR from Debian's busybox-static:
# /bin/busybox, one /bin symlink per applet, /etc/passwd and /etc/group, /tmp, /root.
# The tests, the demo and the benchmarks all build FROM an image made of this tree.
set -euo pipefail
root=${1:?usage: rootfs.sh DIR}
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "rootfs.sh: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$root"/bin "$root"/etc "$root"/root "$root"/tmp
chmod 1777 "$root"/tmp
chmod 700 "$root"/root
cp "$busybox" "$root"/bin/busybox
chmod 755 "$root"/bin/busybox
# The applet list comes from BUSYBOX_LIST (a busybox this machine runs) when $busybox is
# another architecture's (the arm64 test base).
for applet in $("${BUSYBOX_LIST:-$busybox}" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root"/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root"/etc/group
