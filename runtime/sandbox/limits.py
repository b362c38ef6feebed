"""`--ulimit` and `--shm-size`: the resource limits a RUN step runs under."""

from __future__ import annotations

import resource

import msgspec

from dfc.errors import UsageError

DEFAULT_SHM_SIZE = 64 * 1024 * 1024
"""Docker's /dev/shm: 64 MiB."""

RLIMITS: dict[str, int] = {
    "core": resource.RLIMIT_CORE, "cpu": resource.RLIMIT_CPU, "data": resource.RLIMIT_DATA,
    "fsize": resource.RLIMIT_FSIZE, "locks": 10,  # RLIMIT_LOCKS: Python names it not
    "memlock": resource.RLIMIT_MEMLOCK, "msgqueue": resource.RLIMIT_MSGQUEUE,
    "nice": resource.RLIMIT_NICE, "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC, "rss": resource.RLIMIT_RSS,
    "rtprio": resource.RLIMIT_RTPRIO, "rttime": resource.RLIMIT_RTTIME,
    "sigpending": resource.RLIMIT_SIGPENDING, "stack": resource.RLIMIT_STACK,
}
"""go-units' ulimit names (docker's `--ulimit` accepts these)."""


class Ulimit(msgspec.Struct, frozen=True):
    """One `--ulimit name=soft[:hard]`; -1 is unlimited."""

    name: str
    soft: int
    hard: int

    def __str__(self) -> str:
        return f"{self.name}={self.soft}:{self.hard}"

    def apply(self) -> None:
        """Set the limit on this process (before exec, while it may still raise it)."""
        def value(v: int) -> int:
            return resource.RLIM_INFINITY if v < 0 else v

        resource.setrlimit(RLIMITS[self.name], (value(self.soft), value(self.hard)))


def parse_ulimit(text: str) -> Ulimit:
    """go-units' ParseUlimit: `nofile=1024:2048`, `nproc=512` (soft = hard).

    >>> parse_ulimit("nofile=1024:2048"), str(parse_ulimit("core=-1"))
    (Ulimit(name='nofile', soft=1024, hard=2048), 'core=-1:-1')
    """
    name, sep, limits = text.partition("=")
    if not sep:
        raise UsageError(f'invalid argument "{text}" for "--ulimit" flag: invalid ulimit '
                         f"argument: {text}")
    if name not in RLIMITS:
        raise UsageError(f'invalid argument "{text}" for "--ulimit" flag: invalid ulimit '
                         f"type: {name}")
    soft_text, _, hard_text = limits.partition(":")
    try:
        soft = int(soft_text)
        hard = int(hard_text) if hard_text else soft
    except ValueError:
        raise UsageError(f'invalid argument "{text}" for "--ulimit" flag: invalid ulimit '
                         f"value: {limits}") from None
    if soft > hard and hard >= 0 or soft < 0 <= hard:
        raise UsageError(f'invalid argument "{text}" for "--ulimit" flag: ulimit soft limit '
                         f"must be less than or equal to hard limit: {soft} > {hard}")
    return Ulimit(name, soft, hard)
