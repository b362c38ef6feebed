"""What one RUN step asks of the sandbox, independent of the backend that runs it."""

from __future__ import annotations

from typing import Literal

import msgspec

from dfc.runtime.sandbox_policy import HOSTNAME


class RunSpec(msgspec.Struct, frozen=True):
    """One RUN: the command and the image-config state it runs under."""

    argv: tuple[str, ...]
    env: tuple[str, ...]
    """`K=V` items, in order; the last of duplicate keys wins."""
    cwd: str = "/"
    """Created (as root, mode 0755) if missing, as BuildKit does."""
    user: str = ""
    """`""`, `name`, `uid`, `name:group` or `uid:gid`, resolved in the image's /etc/passwd."""
    network: Literal["host", "none"] = "host"
    hostname: str = HOSTNAME
