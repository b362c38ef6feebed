"""What lint may know about a base image, and how it says that it does not.

The compiler layer cannot read the image store (imports go one way), so the caller
passes an `ImageLookup`: `dfc.lint.store` gives one backed by the store (`--root`), tests give
dictionaries. A lookup returning None means "unknown": base-aware rules then stay quiet
or say "unknown" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from dfc.compiler.ir import ImageConfig


class BaseImage(Protocol):
    """A base image that is in the store: its config, platform and files."""

    @property
    def config(self) -> ImageConfig: ...

    @property
    def platform(self) -> str:
        """`os/arch[/variant]` from the image config."""
        ...

    def read_text(self, path: str) -> str | None:
        """The text of a regular file of the image's filesystem, None if absent."""
        ...

    def exists(self, path: str) -> bool: ...


ImageLookup = Callable[[str], BaseImage | None]


def passwd_names(image: BaseImage) -> set[str] | None:
    """User and group names (and numeric ids) of the image, None when it has no
    /etc/passwd (then nothing can be said)."""
    passwd = image.read_text("/etc/passwd")
    if passwd is None:
        return None
    names: set[str] = set()
    for text in (passwd, image.read_text("/etc/group") or ""):
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) > 2:
                names.update((fields[0], fields[2]))
    return names


def os_family(image: BaseImage) -> str | None:
    """`debian`, `alpine`, `rhel`, `suse`... from /etc/os-release (ID and ID_LIKE), None
    when unknown."""
    text = image.read_text("/etc/os-release") or image.read_text("/usr/lib/os-release")
    if text is None:
        return None
    ids: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids += value.strip().strip('"').split()
    for family, members in FAMILIES.items():
        if any(i in members for i in ids):
            return family
    return ids[0] if ids else None


FAMILIES: dict[str, frozenset[str]] = {
    "debian": frozenset({"debian", "ubuntu"}),
    "alpine": frozenset({"alpine"}),
    "rhel": frozenset({"rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn"}),
    "suse": frozenset({"suse", "opensuse", "sles", "opensuse-leap", "opensuse-tumbleweed"}),
}
