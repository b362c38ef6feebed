"""`key=value,key=value` option values (`--output`, `--cache-to`, `--cache-from`), read
the way docker's CLI reads them."""

from __future__ import annotations

from dfc.errors import DfcError


def key_values(text: str, what: str) -> dict[str, str]:
    """The fields of a comma-separated `key=value` list; a field without `=` is an error
    naming `what`.

    >>> key_values("type=local, dest=out", "--output")
    {'type': 'local', 'dest': 'out'}
    """
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            raise DfcError(f"{what}: invalid value {part!r} (expected key=value)")
        fields[key.strip()] = value.strip()
    return fields
