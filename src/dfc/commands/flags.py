"""Docker's flag spellings typer has no type for: Go booleans given a value (`-H=false`)."""

from __future__ import annotations

from dfc.errors import UsageError

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def go_bool(value: str, flag: str) -> bool:
    """A boolean flag's value as Go's strconv.ParseBool reads it (`-H=false` reaches us
    as `=false`: a short option keeps its `=`).

    >>> go_bool("=false", "-H, --human"), go_bool("T", "-H, --human")
    (False, True)
    """
    text = value.removeprefix("=")
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f'invalid argument "{text}" for "{flag}" flag: strconv.ParseBool: '
                     f'parsing "{text}": invalid syntax')
