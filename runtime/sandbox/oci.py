"""The OCI backend: the same step through `runc run` (or `crun run`) with a generated
config.json that mirrors Docker's defaults, from the same policy tables as the native backend.

The forked child mounts the overlay in a private mount namespace and execs the runtime there,
so the rootfs mount dies with the runtime. The container itself is the runtime's child and
would outlive a killed runtime, so `abort` deletes it by id.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from dfc.errors import DfcError
from dfc.runtime import linux as sys_
from dfc.runtime.linux import CLONE_NEWNS
from dfc.runtime.sandbox.mounts import file_mounts, ordered
from dfc.runtime.sandbox.policy import (
    CAPABILITIES,
    DEVICES,
    MASKED_PATHS,
    READONLY_PATHS,
)
from dfc.runtime.sandbox.rootfs import Rootfs
from dfc.runtime.sandbox.seccomp import oci_seccomp
from dfc.runtime.sandbox.spec import Mount, RunSpec
from dfc.runtime.sandbox.users import ExecUser

_HYBRID_CGROUP2 = "/sys/fs/cgroup/unified"

_MOUNTS: tuple[dict[str, Any], ...] = (
    {"destination": "/proc", "type": "proc", "source": "proc",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["ro", "nosuid", "noexec", "nodev"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
)


def _shm(size: int) -> dict[str, Any]:
    return {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", f"size={size}"]}


def _device_rules() -> list[dict[str, Any]]:
    """Docker's devices cgroup: deny all, allow mknod of any node, open only the minimal set."""
    rules: list[dict[str, Any]] = [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "access": "m"},
        {"allow": True, "type": "b", "access": "m"},
        {"allow": True, "type": "c", "major": 136, "access": "rwm"},
        {"allow": True, "type": "c", "major": 5, "minor": 2, "access": "rwm"},
    ]
    rules += [{"allow": True, "type": "c", "major": d.major, "minor": d.minor, "access": "rwm"}
              for d in DEVICES]
    return rules


def oci_config(spec: RunSpec, root: Rootfs, user: ExecUser,
               files: Sequence[Mount] = (), netns: str | None = None) -> dict[str, Any]:
    """An OCI runtime config for the step, as Docker would generate it (plus no_new_privs);
    `files` are the binds of the step's inline files (see `file_mounts`); `netns` is the
    path of the prepared network namespace to join (a new empty one when None, unless the
    step uses the host's)."""
    caps = sorted(CAPABILITIES, key=CAPABILITIES.__getitem__)
    env = list(spec.env)
    if not any(item.startswith("HOME=") for item in env):
        env.append(f"HOME={user.home}")
    namespaces = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
    if netns is not None:
        namespaces.append({"type": "network", "path": netns})
    elif spec.network != "host":
        namespaces.append({"type": "network"})
    binds = [{"destination": dest, "type": "bind", "source": str(src),
              "options": ["rbind", "ro", "nosuid", "nodev"]}
             for dest, src in (("/etc/resolv.conf", root.resolv_conf), ("/etc/hosts", root.hosts))]
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": user.uid, "gid": user.gid, "additionalGids": list(user.groups)},
            "args": list(spec.argv),
            "env": env,
            "cwd": spec.cwd,
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps,
                             "inheritable": [], "ambient": []},
            "noNewPrivileges": True,
            "rlimits": [{"type": f"RLIMIT_{u.name.upper()}", "soft": _rlimit(u.soft),
                         "hard": _rlimit(u.hard)} for u in spec.ulimits],
        },
        "root": {"path": str(root.merged), "readonly": False},
        "hostname": spec.hostname,
        "mounts": [*_MOUNTS, _shm(spec.shm_size), *binds,
                   *(_oci_mount(m) for m in ordered([*spec.mounts, *files]))],
        "linux": {
            "namespaces": namespaces,
            "resources": {"devices": _device_rules()},
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
            "seccomp": oci_seccomp(frozenset(caps)),
        },
    }


def _rlimit(value: int) -> int:
    """-1 (unlimited) as the OCI spec's uint64 RLIM_INFINITY."""
    return 2**64 - 1 if value < 0 else value


def _oci_mount(mount: Mount) -> dict[str, Any]:
    return {"destination": mount.destination, "type": mount.type, "source": mount.source,
            "options": list(mount.options)}


def find_runtime(name: str) -> str:
    """`runc` means whichever OCI runtime is installed (runc first); `crun` means crun."""
    for candidate in (("runc", "crun") if name == "runc" else (name,)):
        found = shutil.which(candidate)
        if found:
            return found
    raise DfcError(f"no OCI runtime found for backend {name!r}: install runc or crun")


def _hide_hybrid_cgroup2() -> None:
    """crun refuses a cgroup v1 host whose cgroup2 mount (hybrid mode) lists controllers;
    unmount that in our private mount namespace only."""
    with open("/proc/self/mounts") as mounts:
        if any(line.split()[1:3] == [_HYBRID_CGROUP2, "cgroup2"] for line in mounts):
            sys_.umount(_HYBRID_CGROUP2)


class OciBackend:
    """Runs the step with `runc run` or `crun run` on the overlay rootfs."""

    def __init__(self, name: str):
        self.runtime = find_runtime(name)
        self.container_id = f"dfc-{uuid.uuid4().hex[:16]}"

    def _cli(self, root: Rootfs) -> list[str]:
        return [self.runtime, "--root", str(root.state / "oci-state")]

    def start(self, spec: RunSpec, root: Rootfs, user: ExecUser,
              netns: str | None = None) -> NoReturn:
        sys_.unshare(CLONE_NEWNS)
        sys_.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE)
        files = file_mounts(spec.files, str(root.state / "files"))
        bundle = root.state / "bundle"
        bundle.mkdir()
        (bundle / "config.json").write_text(json.dumps(oci_config(spec, root, user, files, netns)))
        sys_.mount("overlay", str(root.merged), "overlay", sys_.MS_NODEV, root.overlay_options())
        if Path(self.runtime).name == "crun":
            _hide_hybrid_cgroup2()
        argv = [*self._cli(root), "run", "--bundle", str(bundle), self.container_id]
        os.execv(self.runtime, argv)

    def abort(self, root: Rootfs) -> None:
        """Kill and remove the container, which outlives a killed runtime process."""
        subprocess.run([*self._cli(root), "delete", "--force", self.container_id],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
