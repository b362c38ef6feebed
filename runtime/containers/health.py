"""Health checks: the image's HEALTHCHECK or the `--health-*` flags, run inside the
container by a monitor process the supervisor forks once the container runs, with
docker's rules (daemon/health.go): the first check one interval after the start, each
check's combined output cut at 4096 bytes, a timeout recorded as exit code -1, the last
five results kept, `starting` until the first success or until `retries` failures in a
row counted after the start period, then `healthy`/`unhealthy`.

The monitor (health_monitor.py) writes `health.json` in the container folder (atomically), never
state.json, so it cannot race the supervisor's own writes; `inspect` shows it as
`.State.Health` and `ps` in STATUS. It dies with the supervisor (a parent-death signal)
and the supervisor kills it when the container ends; the last status stays, as in docker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.grammar.durations import DurationError, parse_duration
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.images.config import Healthcheck

HEALTH_FILE = "health.json"
SECOND = 1_000_000_000
DEFAULT_INTERVAL = DEFAULT_TIMEOUT = 30 * SECOND
DEFAULT_START_INTERVAL = 5 * SECOND
DEFAULT_RETRIES = 3
MAX_LOG_ENTRIES = 5
MAX_OUTPUT = 4096
MIN_DURATION = 1_000_000
"""docker refuses an interval, timeout, start period or start interval under 1ms."""


class Result(msgspec.Struct, rename="pascal"):
    start: str
    end: str
    exit_code: int
    output: str


class Health(msgspec.Struct, rename="pascal"):
    """`.State.Health`."""

    status: str = "starting"
    failing_streak: int = 0
    log: list[Result] = []


def read(folder: Path) -> Health | None:
    """The container's health (None: it has no check, or never ran with one)."""
    try:
        return msgspec.json.decode((folder / HEALTH_FILE).read_bytes(), type=Health)
    except (OSError, msgspec.DecodeError):
        return None


def write(folder: Path, health: Health) -> None:
    atomic_write(folder / HEALTH_FILE, msgspec.json.encode(health))


def _duration(flag: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = parse_duration(text)
    except DurationError as exc:
        raise ContainerError(f'invalid argument "{text}" for "{flag}" flag: {exc}') from None
    if value < 0:
        raise ContainerError(f"{flag} cannot be negative")
    return value


def configured(image: Healthcheck | None, cmd: str | None, interval: str | None,
               timeout: str | None, start_period: str | None, start_interval: str | None,
               retries: int | None, disabled: bool) -> Healthcheck | None:
    """The container's Healthcheck: the flags over the image's (a zero or unset field
    takes the image's value, as docker merges them); `--no-healthcheck` is `["NONE"]`."""
    given = [cmd, interval, timeout, start_period, start_interval, retries]
    if disabled:
        if any(v is not None for v in given):
            raise ContainerError("--no-healthcheck conflicts with --health-* options")
        # (docker merges the image's other fields under the NONE test)
        return msgspec.structs.replace(image, test=("NONE",)) if image \
            else Healthcheck(test=("NONE",))
    durations = [_duration(f"--health-{name}", value) for name, value in (
        ("interval", interval), ("timeout", timeout), ("start-period", start_period),
        ("start-interval", start_interval))]
    for name, value in zip(("Interval", "Timeout", "StartPeriod", "StartInterval"),
                           durations, strict=True):
        if value and value < MIN_DURATION:
            raise ContainerError(f"{name} in Healthcheck cannot be less than 1ms")
    if retries is not None and retries < 0:
        raise ContainerError("--health-retries cannot be negative")
    if all(v is None for v in given):
        return image
    base = image or Healthcheck(test=())
    test = ("CMD-SHELL", cmd) if cmd else base.test
    return Healthcheck(
        test=test, interval=durations[0] or base.interval,
        timeout=durations[1] or base.timeout, start_period=durations[2] or base.start_period,
        start_interval=durations[3] or base.start_interval, retries=retries or base.retries)


def command(check: Healthcheck | None, shell: Sequence[str] | None) -> list[str] | None:
    """What a check runs: `CMD` as it is, `CMD-SHELL` through the image's shell; None
    for no check (`NONE`, or nothing to run)."""
    if check is None or not check.test or check.test[0] == "NONE":
        return None
    kind, args = check.test[0], list(check.test[1:])
    if kind == "CMD" and args:
        return args
    if kind == "CMD-SHELL" and args:
        return [*(shell or ("/bin/sh", "-c")), " ".join(args)]
    return None


def status_suffix(folder: Path) -> str:
    """What `ps` adds to a running container's STATUS."""
    health = read(folder)
    if health is None:
        return ""
    if health.status == "starting":
        return " (health: starting)"
    return f" ({health.status})"
