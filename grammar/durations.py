"""Go `time.ParseDuration` and `Duration.String`: HEALTHCHECK flags use Go's syntax and
history shows Go's formatting, so both directions must match Go exactly."""

from __future__ import annotations

import re

UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


class DurationError(ValueError):
    """Carries Go's message text."""


def parse_duration(text: str) -> int:
    """Nanoseconds of a Go duration string.

    >>> parse_duration("1m30s")
    90000000000
    >>> parse_duration("0")
    0
    >>> parse_duration("5")
    Traceback (most recent call last):
    ...
    dfc.grammar.durations.DurationError: time: missing unit in duration "5"
    """
    quoted = '"' + text + '"'
    rest = text
    sign = 1
    if rest[:1] in "+-" and rest:
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise DurationError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        match = PART.match(rest)
        assert match is not None  # both groups may be empty: it always matches
        number, unit = match.group(1), match.group(2)
        if number in ("", "."):
            raise DurationError(f"time: invalid duration {quoted}")
        if not unit:
            raise DurationError(f"time: missing unit in duration {quoted}")
        if unit not in UNITS:
            raise DurationError(f'time: unknown unit "{unit}" in duration {quoted}')
        total += float(number) * UNITS[unit]
        rest = rest[match.end():]
    return sign * int(round(total))


def format_duration(ns: int) -> str:
    """Go's `Duration.String()`.

    >>> format_duration(90_000_000_000), format_duration(0), format_duration(1_500_000)
    ('1m30s', '0s', '1.5ms')
    """
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _decimal(ns, size) + unit
    hours, rem = divmod(ns, 3_600_000_000_000)
    minutes, rem = divmod(rem, 60_000_000_000)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + _decimal(rem, 1_000_000_000) + "s"


def _decimal(value: int, size: int) -> str:
    whole, frac = divmod(value, size)
    if not frac:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
