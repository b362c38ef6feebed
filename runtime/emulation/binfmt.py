"""QEMU user-mode emulation for RUN steps of a foreign architecture, through binfmt_misc.

The kernel starts a foreign ELF binary through the interpreter registered for its header.
Debian's `qemu-user-static` ships one registration line per architecture in
`/usr/lib/binfmt.d/qemu-NAME.conf` (the kernel's own `:name:type:offset:magic:mask:
interpreter:flags` syntax). dfc registers that line itself when the handler is missing, as
`docker run --privileged tonistiigi/binfmt --install` does, always with the fix-binary flag
`F`: the kernel opens the interpreter at registration, so a sandbox whose root filesystem
has no qemu binary still runs foreign programs. Registration is machine-wide and lasts until
reboot; it needs root.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from dfc.errors import DfcError
from dfc.platform import Platform, compatible, host_platform, matches, parse_platform

BINFMT_MISC = Path("/proc/sys/fs/binfmt_misc")
CONFIG_DIRS = (Path("/usr/lib/binfmt.d"), Path("/etc/binfmt.d"))
PACKAGE = "qemu-user-static"

QEMU_NAMES = {
    "amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "arm",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
    "mips64le": "mips64el", "mips64": "mips64", "mipsle": "mipsel", "mips": "mips",
    "loong64": "loongarch64",
}
"""QEMU's name of each Go architecture (`qemu-NAME` handlers, `qemu-NAME-static`)."""

_lock = threading.Lock()


class EmulationUnavailable(DfcError):
    """A step of a foreign platform that this machine cannot run."""


def qemu_name(platform: Platform) -> str | None:
    return QEMU_NAMES.get(platform.architecture)


def native(platform: Platform) -> bool:
    """Does this machine run `platform` binaries without help (amd64 runs 386...)?"""
    return matches(host_platform(), platform)


def _handler(name: str) -> Path:
    return BINFMT_MISC / f"qemu-{name}"


def handler_flags(name: str) -> str | None:
    """The flags of the enabled `qemu-NAME` handler, or None when there is none."""
    try:
        lines = _handler(name).read_text().splitlines()
    except OSError:
        return None
    if not lines or lines[0].strip() != "enabled":
        return None
    for line in lines:
        if line.startswith("flags:"):
            return line.removeprefix("flags:").strip()
    return ""


def registration(name: str) -> str | None:
    """The registration line the qemu-user-static package ships for `name`, fix-binary."""
    for folder in CONFIG_DIRS:
        path = folder / f"qemu-{name}.conf"
        if path.is_file():
            line = path.read_text().strip()
            head, _, flags = line.rpartition(":")
            return f"{head}:{flags if 'F' in flags else flags + 'F'}"
    return None


def _interpreter(line: str) -> str:
    return line.split(":")[6]


def can_run(platform: Platform) -> bool:
    """Natively, or through a registered handler that works in any root (fix-binary)."""
    if native(platform):
        return True
    name = qemu_name(platform)
    return name is not None and "F" in (handler_flags(name) or "")


def ensure(platform: Platform, say: Callable[[str], None]) -> None:
    """Make binaries of `platform` runnable here: native, an existing handler, or one
    registered now from qemu-user-static (told once through `say`). A clear error names
    what is missing."""
    if native(platform):
        return
    name = qemu_name(platform)
    host = host_platform()
    if name is None:
        raise EmulationUnavailable(f"cannot run {platform} binaries on this {host} machine: "
                                   f"QEMU has no user-mode emulator for {platform}")
    with _lock:
        flags = handler_flags(name)
        if flags is not None:
            if "F" not in flags:
                raise EmulationUnavailable(
                    f"the binfmt_misc handler qemu-{name} is registered without the "
                    f"fix-binary flag (F), so sandboxed steps cannot reach its interpreter: "
                    f"remove it (echo -1 > {_handler(name)}) and dfc registers it with F")
            return
        line = registration(name)
        if line is None or not Path(_interpreter(line)).exists():
            raise EmulationUnavailable(
                f"cannot run {platform} binaries on this {host} machine: install Debian's "
                f"{PACKAGE} package (apt-get install {PACKAGE}) for QEMU user emulation")
        if os.geteuid() != 0:
            raise EmulationUnavailable(
                f"cannot run {platform} binaries: the binfmt_misc handler qemu-{name} is not "
                f"registered, and only root can register it (run dfc once as root, or "
                f"`docker run --privileged tonistiigi/binfmt --install {platform.architecture}`)")
        _register(line)
        say(f"registered QEMU emulation for {platform}: binfmt_misc handler qemu-{name} -> "
            f"{_interpreter(line)} (fix-binary)")


def _register(line: str) -> None:
    from dfc.runtime.linux import mount

    try:
        if not (BINFMT_MISC / "register").exists():
            mount("binfmt_misc", str(BINFMT_MISC), "binfmt_misc", 0)
        (BINFMT_MISC / "register").write_text(line)
    except OSError as exc:
        raise EmulationUnavailable(f"cannot register a binfmt_misc handler: {exc}") from None


def runnable() -> list[tuple[Platform, str]]:
    """The platforms this machine runs, and how: native, emulated (handler registered) or
    emulable (qemu-user-static installed; dfc registers the handler when a build needs it)."""
    host = host_platform()
    found: dict[str, tuple[Platform, str]] = {}
    for p in compatible(host):
        found.setdefault(str(p), (p, "native"))
    for arch, name in QEMU_NAMES.items():
        p = parse_platform(f"linux/{arch}")
        if str(p) in found:
            continue
        if "F" in (handler_flags(name) or ""):
            found[str(p)] = (p, "emulated")
        elif registration(name) is not None:
            found[str(p)] = (p, "emulable")
    return list(found.values())
