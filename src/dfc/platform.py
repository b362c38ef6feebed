"""Platforms (`os/arch[/variant]`) by containerd's rules: one parser and one matcher for
`--platform`, `FROM --platform`, pull, image configs and index entries.

Architectures are normalised as containerd's `platforms.Normalize` does: `x86_64` is
`amd64`, `aarch64` is `arm64`, `armhf` is `arm/v7`. `v8` is the only arm64 of today, so
`linux/arm64/v8` is `linux/arm64`; a bare `arm` is `arm/v7`; amd64 levels (`v2`, `v3`)
are kept. The struct is the OCI descriptor's `platform` object, so it is also what the
store writes in index.json.
"""

from __future__ import annotations

import platform as host
import re
from collections.abc import Sequence

import msgspec

from dfc.errors import DfcError

KNOWN_OS = frozenset(
    {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
     "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
)
KNOWN_ARCH = frozenset(
    {"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
     "mips64", "mips64le", "mips64p32", "mips64p32le", "mipsle", "ppc", "ppc64", "ppc64le",
     "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"}
)
_ALIASES = {
    "x86_64": ("amd64", None), "x86-64": ("amd64", None),
    "aarch64": ("arm64", None),
    "armhf": ("arm", "v7"), "armel": ("arm", "v6"),
    "i386": ("386", ""), "i686": ("386", ""),
}
"""Other names of an architecture, and the variant the name implies (None: keep)."""
_MACHINE = {"armv7l": ("arm", "v7"), "armv6l": ("arm", "v6"), "armv5tel": ("arm", "v5")}
"""`uname -m` spellings that are no platform alias, for this machine's own platform."""
_COMPONENT = re.compile(r"[A-Za-z0-9_-]+")


class InvalidPlatform(DfcError):
    """Text that is not a platform."""


class Platform(msgspec.Struct, frozen=True, omit_defaults=True):
    """Where an image runs, in Go naming (`amd64`, `arm` + `v7`); the OCI JSON shape."""

    architecture: str
    os: str
    variant: str | None = None
    os_version: str | None = msgspec.field(default=None, name="os.version")

    def __str__(self) -> str:
        """`linux/arm/v7`, as `--platform` and TARGETPLATFORM spell it."""
        return "/".join(x for x in (self.os, self.architecture, self.variant) if x)


def parse_platform(text: str) -> Platform:
    """Parse and normalise a platform specifier; one clear error when it is not one.

    >>> [str(parse_platform(p)) for p in ("linux/aarch64", "arm", "Linux/ARM64/v8")]
    ['linux/arm64', 'linux/arm/v7', 'linux/arm64']
    """
    parts = text.split("/")
    for part in parts:
        if not _COMPONENT.fullmatch(part):
            raise _invalid(text, f'"{part}" is an invalid component of "{text}": platform '
                           f'specifier component must match "^[A-Za-z0-9_-]+$"')
    if len(parts) > 3:
        raise _invalid(text, f'"{text}": cannot parse platform specifier')
    if len(parts) == 1:
        if parts[0].lower() in KNOWN_OS:
            this = host_platform()
            return normalize(Platform(this.architecture, parts[0], this.variant))
        parsed = normalize(Platform(parts[0], "linux"))
    else:
        parsed = normalize(Platform(parts[1], parts[0], parts[2] if len(parts) == 3 else None))
    if parsed.os not in KNOWN_OS or parsed.architecture not in KNOWN_ARCH:
        raise _invalid(text, f'"{text}": unknown operating system or architecture')
    return parsed


def _invalid(text: str, why: str) -> InvalidPlatform:
    return InvalidPlatform(f"failed to parse platform {text}: {why}: invalid argument")


def normalize(p: Platform) -> Platform:
    """containerd's `Normalize`: lower case, aliases resolved, default variants settled.

    >>> str(normalize(Platform("ARMHF", "Linux"))), str(normalize(Platform("amd64", "linux", "v1")))
    ('linux/arm/v7', 'linux/amd64')
    """
    arch = p.architecture.lower()
    variant = (p.variant or "").lower()
    os_name = p.os.lower()
    if os_name == "macos":
        os_name = "darwin"
    if arch in _ALIASES:
        arch, implied = _ALIASES[arch]
        variant = variant if implied is None else implied
    if arch == "amd64" and variant == "v1":
        variant = ""
    elif arch == "arm64" and variant in ("8", "v8", "v8.0"):
        variant = ""
    elif arch == "arm64" and variant in ("9", "9.0", "v9.0"):
        variant = "v9"
    elif arch == "arm" and variant in ("", "7"):
        variant = "v7"
    elif arch == "arm" and variant in ("5", "6", "8"):
        variant = "v" + variant
    return Platform(arch, os_name, variant or None, p.os_version)


def host_platform() -> Platform:
    """This machine (dfc builds and runs Linux images natively), normalised."""
    machine = host.machine().lower()
    arch, variant = _MACHINE.get(machine, (machine, None))
    return normalize(Platform(arch, "linux", variant))


def compatible(wanted: Platform) -> list[Platform]:
    """What an image for `wanted` may be, best first (containerd's `platforms.Only`): an
    amd64 level runs lower levels and 386; arm64 runs 32-bit arm; arm/vN runs lower arm."""
    wanted = normalize(wanted)
    found = [wanted]
    level = _level(wanted.variant)
    if wanted.architecture == "amd64":
        found += [_like(wanted, "amd64", f"v{n}") for n in range(max(level, 1) - 1, 0, -1)]
        found.append(_like(wanted, "386", None))
    elif wanted.architecture == "arm64":
        found += _arm(wanted, 8)
    elif wanted.architecture == "arm":
        found += _arm(wanted, level - 1)
    return [normalize(p) for p in found]


def matches(wanted: Platform, offered: Platform) -> bool:
    """Does an image for `offered` run where `wanted` is asked for (arm64 with or without
    `v8`, amd64/v3 on amd64/v3 hosts...)?"""
    return preference(wanted, offered) is not None


def preference(wanted: Platform, offered: Platform) -> int | None:
    """How good `offered` is for `wanted`: 0 is an exact fit; None is no fit."""
    candidates = [_key(p) for p in compatible(wanted)]
    found = _key(normalize(offered))
    return candidates.index(found) if found in candidates else None


def best_match(wanted: Platform, offered: Sequence[Platform | None]) -> int | None:
    """The position of the entry (of an index) that runs best on `wanted`, as containerd
    ranks them, the first among equals; None when none runs there."""
    ranked = [(rank, i) for i, p in enumerate(offered)
              if p is not None and (rank := preference(wanted, p)) is not None]
    return min(ranked)[1] if ranked else None


def _key(p: Platform) -> tuple[str, str, str]:
    return p.os, p.architecture, p.variant or ""


def _level(variant: str | None) -> int:
    digits = (variant or "").removeprefix("v").partition(".")[0]
    return int(digits) if digits.isdigit() else 0


def _like(p: Platform, arch: str, variant: str | None) -> Platform:
    return Platform(arch, p.os, variant, p.os_version)


def _arm(p: Platform, top: int) -> list[Platform]:
    return [_like(p, "arm", f"v{n}") for n in range(top, 4, -1)]
