"""`key=value,key=value` option values (`--output`, `--cache-to`, `--cache-from`), read
the way docker's CLI reads them."""

from __future__ import annotations

import csv

from dfc.errors import DfcError


def key_values(text: str, what: str) -> dict[str, str]:
    """The fields of a comma-separated `key=value` list, CSV-quoted as buildx reads it (a
    value with commas is quoted whole: `"name=a,b"`); a field without `=` is an error
    naming `what`.

    >>> key_values('type=local, dest=out', "--output")
    {'type': 'local', 'dest': 'out'}
    >>> key_values('type=image,"name=a:1,b:2"', "--output")["name"]
    'a:1,b:2'
    """
    fields: dict[str, str] = {}
    for part in next(csv.reader([text], skipinitialspace=True), []):
        key, sep, value = part.partition("=")
        if not sep:
            raise DfcError(f"{what}: invalid value {part!r} (expected key=value)")
        fields[key.strip()] = value.strip()
    return fields
