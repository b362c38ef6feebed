"""The registry room's error, apart so that every module of the room can raise it."""

from __future__ import annotations

from dfc.errors import DfcError


class RegistryError(DfcError):
    """A registry refused a request, or could not be reached."""
