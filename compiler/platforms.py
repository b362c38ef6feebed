"""Platform strings (`os/arch[/variant]`) and the automatic platform ARGs (section 3.5).

Normalisation follows containerd's `platforms.Parse`/`Normalize`, so `aarch64`,
`arm64/v8` and `linux/arm64` all mean `linux/arm64`.
"""

from __future__ import annotations

import platform as host

import msgspec

from dfc.errors import CompileError

_OS = frozenset(
    {"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux",
     "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}
)
_ARCH_ALIASES = {
    "i386": ("386", ""), "x86_64": ("amd64", ""), "x86-64": ("amd64", ""),
    "aarch64": ("arm64", ""), "armhf": ("arm", "v7"), "armel": ("arm", "v6"),
}
_ARCH = frozenset(
    {"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle",
     "ppc64", "ppc64le", "riscv64", "s390x", "wasm"}
)


class Platform(msgspec.Struct, frozen=True):
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


def parse_platform(text: str) -> Platform:
    """Parse and normalise a platform specifier.

    >>> [str(parse_platform(p)) for p in ("linux/aarch64", "arm", "Linux/ARM64/v8")]
    ['linux/arm64', 'linux/arm/v7', 'linux/arm64']
    >>> parse_platform("linux/nope")
    Traceback (most recent call last):
    dfc.errors.CompileError: error: failed to parse platform linux/nope: "linux/nope": unknown...
    """
    parts = text.lower().split("/")
    bad = CompileError(
        f'failed to parse platform {text}: "{text}": unknown operating system or '
        "architecture: invalid argument"
    )
    if not text or len(parts) > 3 or not all(parts):
        raise bad
    if len(parts) == 1:
        if parts[0] in _OS:
            return Platform(parts[0], _host_arch().architecture, _host_arch().variant)
        os_name, arch, variant = "linux", parts[0], ""
    else:
        os_name, arch = parts[0], parts[1]
        variant = parts[2] if len(parts) == 3 else ""
    if os_name not in _OS:
        raise bad
    arch, variant = _normalize_arch(arch, variant)
    if arch not in _ARCH:
        raise bad
    return Platform(os_name, arch, variant)


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    if arch in _ARCH_ALIASES:
        arch, implied = _ARCH_ALIASES[arch]
        variant = variant or implied
    if arch == "arm64" and variant in ("8", "v8"):
        variant = ""
    elif arch == "arm":
        variant = {"": "v7", "5": "v5", "6": "v6", "7": "v7", "8": "v8"}.get(variant, variant)
    elif arch == "amd64" and variant == "v1":
        variant = ""
    return arch, variant


def _host_arch() -> Platform:
    arch, variant = _normalize_arch(host.machine().lower(), "")
    return Platform("linux", arch, variant)


def host_platform() -> Platform:
    """The build platform: this machine (dfc builds Linux images natively)."""
    return _host_arch()


AUTOMATIC_ARGS = (
    "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
    "TARGETSTAGE",
)


def platform_args(build: Platform, target: Platform, target_stage: str) -> dict[str, str]:
    """The automatic ARGs in global scope, before --build-arg overrides.

    >>> args = platform_args(Platform("linux", "amd64"), Platform("linux", "arm", "v7"), "x")
    >>> args["TARGETPLATFORM"], args["TARGETARCH"], args["TARGETVARIANT"]
    ('linux/arm/v7', 'arm', 'v7')
    """
    values = (
        str(build), build.os, "", build.architecture, build.variant,
        str(target), target.os, "", target.architecture, target.variant,
        target_stage,
    )
    return dict(zip(AUTOMATIC_ARGS, values, strict=True))
