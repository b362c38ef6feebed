"""Errors of container commands, with Docker's exit codes."""

from __future__ import annotations

from dfc.errors import DfcError


class ContainerError(DfcError):
    """dfc itself failed to do what was asked (bad flag, unknown image, name in use):
    Docker's `docker run` exits 125 for these."""

    exit_code = 125

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class NoSuchContainer(ContainerError):
    """Docker's `No such container: X` (exit 1 from the lifecycle commands)."""

    exit_code = 1

    def __init__(self, ref: str) -> None:
        super().__init__(f"No such container: {ref}")


def not_supported(what: str) -> ContainerError:
    """A docker flag dfc does not implement yet: refused, never silently accepted."""
    return ContainerError(f"{what} is not supported yet by dfc")


class ImageMissing(ContainerError):
    """The store has no image by the name a container was to start from; `shown` is the
    name as docker prints it (`busybox:latest`). `run --pull missing` pulls it then."""

    def __init__(self, shown: str) -> None:
        super().__init__(f"No such image: {shown}")
        self.shown = shown
