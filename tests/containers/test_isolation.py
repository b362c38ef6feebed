"""The attacks of the build tests (tests/test_attacks.py), through `dfc run` and through
`dfc exec` into a running container: no mount, no raw disk, no host process or file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any


def _attack(host_marker: Path) -> str:
    disk = os.stat("/").st_dev
    return ("set -e; ! mount -t tmpfs none /mnt; "
            f"mknod /tmp/disk b {os.major(disk)} {os.minor(disk)}; ! head -c1 /tmp/disk; "
            "test \"$(ls /proc | grep -c '^[0-9]')\" -le 6; "
            f"! test -e /proc/1/root{host_marker}; ! test -e {host_marker}; "
            f"! sh -c 'echo changed > /proc/1/root{host_marker}' 2>/dev/null; "
            "grep -q '^CapEff:\t00000000a80425fb$' /proc/self/status; "
            "grep -q '^Seccomp:\t2$' /proc/self/status; "
            "grep -q '^NoNewPrivs:\t1$' /proc/self/status; echo contained")


def test_run_and_exec_are_contained(dfc: Any, images: Any, tmp_path: Path) -> None:
    host_marker = tmp_path / f"host-{uuid.uuid4().hex}"
    host_marker.write_text("untouched\n")
    script = _attack(host_marker)
    box = images.names["busybox"]
    ran = dfc("run", "--rm", box, "sh", "-c", script)
    assert (ran.code, ran.out) == (0, "contained\n"), ran.err
    assert dfc("run", "-d", "--name", "target", box, "sleep", "30").code == 0
    executed = dfc("exec", "target", "sh", "-c", script)
    assert (executed.code, executed.out) == (0, "contained\n"), executed.err
    assert host_marker.read_text() == "untouched\n"
    assert dfc("rm", "-f", "target").code == 0
