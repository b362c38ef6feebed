"""Container IDs as Docker makes them: 64 random hex digits, shown as their first 12."""

from __future__ import annotations

import secrets

SHORT = 12


def new_id() -> str:
    """A fresh ID. Docker redraws an all-digit one (it would read as a number in some
    tools); so does dfc, to look the same."""
    while True:
        value = secrets.token_hex(32)
        if not value.isdigit():
            return value


def short_id(container_id: str) -> str:
    return container_id[:SHORT]
