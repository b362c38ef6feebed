"""What one RUN step asks of the sandbox, independent of the backend that runs it."""

from __future__ import annotations

import os
from typing import Literal

import msgspec

from dfc.runtime.network.ports import PortMapping
from dfc.runtime.sandbox.limits import DEFAULT_SHM_SIZE, Ulimit
from dfc.runtime.sandbox.policy import CAP_MASK, HOSTNAME


class Mount(msgspec.Struct, frozen=True):
    """An extra mount in OCI form (`RUN --mount`): what runc's config.json takes, and what
    the native backend applies itself. `destination` is absolute in the container."""

    destination: str
    type: Literal["bind", "tmpfs", "overlay"]
    source: str
    options: tuple[str, ...] = ()

    def is_dir(self) -> bool:
        """Whether the mount point is a directory (a bind of a file needs a file)."""
        return self.type != "bind" or os.path.isdir(self.source)


class InlineFile(msgspec.Struct, frozen=True):
    """A file the step sees read-only at `target` (a secret, a heredoc script). It is
    written into a tmpfs private to the step's mount namespace, so its bytes never touch a
    disk and nothing of it reaches the layer."""

    target: str
    data: bytes
    mode: int
    uid: int = 0
    gid: int = 0

    def __repr__(self) -> str:
        return f"InlineFile({self.target!r}, {len(self.data)} bytes)"


class RunSpec(msgspec.Struct, frozen=True):
    """One RUN: the command, the image-config state it runs under, and its extra mounts."""

    argv: tuple[str, ...]
    env: tuple[str, ...]
    """`K=V` items, in order; the last of duplicate keys wins."""
    cwd: str = "/"
    """Created (as root, mode 0755) if missing, as BuildKit does."""
    user: str = ""
    """`""`, `name`, `uid`, `name:group` or `uid:gid`, resolved in the image's /etc/passwd."""
    network: Literal["private", "host", "none"] = "private"
    """`private`: a network namespace of its own with outbound access through the user-mode
    stack (Docker's and BuildKit's default); `none`: loopback only; `host`: the host's."""
    hostname: str = HOSTNAME
    extra_hosts: tuple[tuple[str, str], ...] = ()
    """`--add-host` (name, ip) pairs, added to the step's /etc/hosts."""
    mounts: tuple[Mount, ...] = ()
    files: tuple[InlineFile, ...] = ()
    ports: tuple[PortMapping, ...] = ()
    """Published ports (`private` network only), forwarded from the host into the step."""
    read_only: bool = False
    """`docker run --read-only`: the root file system is mounted read-only."""
    capabilities: int = CAP_MASK
    """The bounding, permitted and effective set (`--cap-add`/`--cap-drop` change it)."""
    tty: bool = False
    """stdin is a terminal the command gets as its controlling terminal (`-t`)."""
    shm_size: int = DEFAULT_SHM_SIZE
    """The size of /dev/shm in bytes (`--shm-size`)."""
    ulimits: tuple[Ulimit, ...] = ()
    """`--ulimit`s, set on the command's process."""
