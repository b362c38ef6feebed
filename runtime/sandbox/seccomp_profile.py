"""Docker's default seccomp profile, read from Debian's copy of Docker's own file and
resolved, as dockerd does, for one container's capabilities and the machine's architecture.

The profile is an allowlist whose rules carry conditions (`includes`/`excludes` on
capabilities, architectures and kernel version); what reaches the runtime is the list of
rules whose conditions hold. dfc takes the data from Docker rather than keeping its own
list, then applies what Docker changed since the packaged release (seccomp_delta.py).
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import msgspec

from dfc.errors import DfcError
from dfc.runtime.sandbox.policy import CAPABILITIES

PACKAGE = "golang-github-docker-docker-dev"
PROFILE_PATH = Path("/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json")
"""Where Debian's PACKAGE installs Docker's profiles/seccomp/default.json."""

DEFAULT_CAPS: frozenset[str] = frozenset(CAPABILITIES)

ALLOW = "SCMP_ACT_ALLOW"
ERRNO = "SCMP_ACT_ERRNO"
EPERM = 1

_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv6l": "arm",
           "i686": "x86", "i386": "x86", "ppc64le": "ppc64le", "s390x": "s390x",
           "riscv64": "riscv64"}
"""uname's machine name -> the architecture names the profile's conditions use."""
_SECCOMP_ARCH = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64",
                 "arm": "SCMP_ARCH_ARM", "x86": "SCMP_ARCH_X86", "ppc64le": "SCMP_ARCH_PPC64LE",
                 "s390x": "SCMP_ARCH_S390X", "riscv64": "SCMP_ARCH_RISCV64"}


class Arg(msgspec.Struct, frozen=True, rename="camel"):
    """A comparison of one syscall argument (`op` is an SCMP_CMP_* name)."""

    index: int
    value: int
    op: str
    value_two: int = 0


class Conditions(msgspec.Struct, frozen=True, rename="camel"):
    caps: tuple[str, ...] = ()
    arches: tuple[str, ...] = ()
    min_kernel: str = ""


class ProfileRule(msgspec.Struct, frozen=True, rename="camel"):
    """One entry of the profile's `syscalls`, conditions included."""

    names: tuple[str, ...]
    action: str
    args: tuple[Arg, ...] | None = ()
    errno_ret: int | None = None
    includes: Conditions = Conditions()
    excludes: Conditions = Conditions()


class ArchMapEntry(msgspec.Struct, frozen=True, rename="camel"):
    architecture: str
    sub_architectures: tuple[str, ...] | None = None


class Profile(msgspec.Struct, frozen=True, rename="camel"):
    """A Docker seccomp profile file, as written (before resolution)."""

    default_action: str
    syscalls: tuple[ProfileRule, ...]
    arch_map: tuple[ArchMapEntry, ...] = ()
    default_errno_ret: int | None = None


class Rule(msgspec.Struct, frozen=True):
    """A rule that applies to this container: `action` on `names` when every arg holds."""

    names: tuple[str, ...]
    action: str
    errno: int | None = None
    args: tuple[Arg, ...] = ()


class Resolved(msgspec.Struct, frozen=True):
    """The profile as the runtime gets it: what dockerd writes into the OCI spec."""

    default_action: str
    default_errno: int
    architectures: tuple[str, ...]
    rules: tuple[Rule, ...]


def load_profile(path: Path = PROFILE_PATH) -> Profile:
    """Docker's profile file; a missing file is one clear error naming the package."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DfcError(f"Docker's seccomp profile is missing ({path}): install Debian's "
                       f"{PACKAGE} (scripts/setup.sh extracts the file)") from None
    try:
        return msgspec.json.decode(data, type=Profile)
    except msgspec.ValidationError as exc:
        raise DfcError(f"{path}: not a Docker seccomp profile: {exc}") from None


def native_arch() -> str:
    """This machine in the profile's architecture names (`amd64`, `arm64`, ...)."""
    machine = platform.machine()
    return _GOARCH.get(machine, machine)


def kernel_version() -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def _applies(rule: ProfileRule, caps: frozenset[str], arch: str,
             kernel: tuple[int, int]) -> bool:
    """dockerd's test (profiles/seccomp setupSeccomp): every include holds, no exclude does;
    capabilities are those of the container's bounding set."""
    inc, exc = rule.includes, rule.excludes
    if arch in exc.arches or any(cap in caps for cap in exc.caps):
        return False
    if exc.min_kernel and kernel >= _version(exc.min_kernel):
        return False
    if inc.arches and arch not in inc.arches:
        return False
    if not all(cap in caps for cap in inc.caps):
        return False
    return not (inc.min_kernel and kernel < _version(inc.min_kernel))


def resolve(profile: Profile, caps: frozenset[str], arch: str,
            kernel: tuple[int, int]) -> Resolved:
    """The rules that apply to a container with bounding set `caps` on `arch`/`kernel`;
    the architectures are `arch`'s archMap entry (native first, then its sub-arches)."""
    seccomp_arch = _SECCOMP_ARCH.get(arch, "")
    arches: tuple[str, ...] = ()
    for entry in profile.arch_map:
        if entry.architecture == seccomp_arch:
            arches = (entry.architecture, *(entry.sub_architectures or ()))
            break
    rules = tuple(Rule(r.names, r.action, r.errno_ret, r.args or ())
                  for r in profile.syscalls if _applies(r, caps, arch, kernel))
    return Resolved(profile.default_action, profile.default_errno_ret or EPERM, arches, rules)

