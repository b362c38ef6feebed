"""What a container is (config.json, written once) and where it is in its life
(state.json, rewritten at each change), in the field names of `docker inspect`.

Both files are replaced atomically (temp file, fsync, rename), so every command reads
either the old or the new version, never half of one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.runtime.images.config import Healthcheck
from dfc.runtime.network.ports import PortMapping

ZERO_TIME = "0001-01-01T00:00:00Z"
Status = Literal["created", "running", "paused", "restarting", "removing", "exited", "dead"]


def now_rfc3339() -> str:
    """UTC with nanoseconds, as Docker writes StartedAt, FinishedAt and log times."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 time (nanoseconds cut to microseconds); None for Docker's zero time."""
    if not text or text == ZERO_TIME:
        return None
    head, _, rest = text.rstrip("Z").partition(".")
    micro = (rest + "000000")[:6] if rest else "000000"
    return datetime.strptime(f"{head}.{micro}", "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)


class Config(msgspec.Struct, rename="pascal"):
    """`.Config`: the image's config with the run options applied."""

    hostname: str
    domainname: str = ""
    user: str = ""
    attach_stdin: bool = False
    attach_stdout: bool = True
    attach_stderr: bool = True
    tty: bool = False
    open_stdin: bool = False
    stdin_once: bool = False
    env: list[str] | None = None
    cmd: list[str] | None = None
    image: str = ""
    volumes: dict[str, dict[str, str]] | None = None
    working_dir: str = ""
    entrypoint: list[str] | None = None
    on_build: list[str] | None = msgspec.field(default=None, name="OnBuild")
    labels: dict[str, str] = {}
    stop_signal: str | None = None
    stop_timeout: int | None = None
    exposed_ports: dict[str, dict[str, str]] | None = None
    healthcheck: Healthcheck | None = None


class HostConfig(msgspec.Struct, rename="pascal"):
    """`.HostConfig`: how the host runs it."""

    network_mode: str = "default"
    """`default` and `bridge` are a private network (docker's bridge), `host`, `none`."""
    auto_remove: bool = False
    readonly_rootfs: bool = False
    cap_add: list[str] | None = None
    cap_drop: list[str] | None = None
    extra_hosts: list[str] | None = None
    port_bindings: dict[str, list[dict[str, str]]] = {}
    publish_all_ports: bool = False
    binds: list[str] | None = None
    """`-v` values with a source (named volumes, binds), as docker records them."""
    mounts: list[dict[str, object]] | None = None
    """`--mount` values, in docker's HostConfig.Mounts shape."""
    tmpfs: dict[str, str] | None = None


class Record(msgspec.Struct, rename="pascal"):
    """config.json: fixed at `create`. `Path` and `Args` are what pid 1 executes."""

    id: str
    created: str
    path: str
    args: list[str]
    image: str
    """The image ID (config digest)."""
    name: str
    """With Docker's leading `/`."""
    config: Config
    host_config: HostConfig
    manifest: str = ""
    """The image's manifest digest: its layers are the container's lower dirs."""
    shell: list[str] | None = None
    """The image's SHELL (for a later health check's CMD-SHELL)."""


class State(msgspec.Struct, rename="pascal"):
    """state.json, plus the supervisor's identity so a dead supervisor can be detected."""

    status: Status = "created"
    running: bool = False
    paused: bool = False
    restarting: bool = False
    oom_killed: bool = msgspec.field(default=False, name="OOMKilled")
    dead: bool = False
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_at: str = ZERO_TIME
    finished_at: str = ZERO_TIME
    supervisor: int = 0
    supervisor_start: int = 0
    """The supervisor's start time in clock ticks (/proc/PID/stat field 22): a pid alone
    could have been reused by another process."""
    ports: list[PortMapping] = []
    """The ports published while it runs, with the host ports actually bound."""

    def exited(self, code: int, error: str = "") -> State:
        return msgspec.structs.replace(
            self, status="exited", running=False, pid=0, exit_code=code, error=error,
            finished_at=now_rfc3339(), supervisor=0, supervisor_start=0, ports=[])

    def public(self) -> dict[str, object]:
        """`.State` as `docker inspect` shows it (no supervisor fields)."""
        data: dict[str, object] = msgspec.to_builtins(self)
        for key in ("Supervisor", "SupervisorStart", "Ports"):
            data.pop(key)
        return data


def write(path: Path, value: msgspec.Struct) -> None:
    atomic_write(path, msgspec.json.encode(value))


def read_record(path: Path) -> Record:
    return msgspec.json.decode(path.read_bytes(), type=Record)


def read_state(path: Path) -> State:
    return msgspec.json.decode(path.read_bytes(), type=State)
