"""History `created_by` texts exactly as BuildKit writes them (reference section 6.2).

BuildKit formats values with Go's fmt verbs, so these helpers reproduce `%v` of a
string slice, `%q` of a string slice and `time.Duration.String()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfc.compiler.ir import Healthcheck

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def go_slice(items: Sequence[str]) -> str:
    """Go `%v` of a []string.

    >>> go_slice(["/bin/bash", "-c"])
    '[/bin/bash -c]'
    """
    return "[" + " ".join(items) + "]"


def go_quote(text: str) -> str:
    """Go `strconv.Quote`.

    >>> print(go_quote('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_quoted_slice(items: Sequence[str]) -> str:
    """Go `%q` of a []string.

    >>> go_quoted_slice(["/bin/sh", "-c", "echo hi"])
    '["/bin/sh" "-c" "echo hi"]'
    """
    return "[" + " ".join(go_quote(item) for item in items) + "]"


def go_duration(ns: int) -> str:
    """Go `time.Duration.String()`.

    >>> [go_duration(n) for n in (0, 5_000_000_000, 90_000_000_000, 1_500_000, 3_661_000_000_000)]
    ['0s', '5s', '1m30s', '1.5ms', '1h1m1s']
    """
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _decimal(ns, size) + unit
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = _decimal(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _decimal(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def healthcheck_text(check: Healthcheck) -> str:
    """Go `%+v` of BuildKit's HealthConfig, as its HEALTHCHECK history shows it."""
    return (
        f"HEALTHCHECK {{Test:{go_slice(check.test)} Interval:{go_duration(check.interval)} "
        f"Timeout:{go_duration(check.timeout)} StartPeriod:{go_duration(check.start_period)} "
        f"StartInterval:{go_duration(check.start_interval)} Retries:{check.retries}}}"
    )


def run_text(argv: Sequence[str], args_prefix: str) -> str:
    """RUN history: `RUN [|N k=v ...] <argv joined by spaces> # buildkit`."""
    words = ([args_prefix] if args_prefix else []) + list(argv)
    return "RUN " + " ".join(words) + " # buildkit"


def copy_text(
    instruction: str, flags: Sequence[str], sources: Sequence[str], dest: str
) -> str:
    """COPY/ADD history: `COPY [--parents] [--chown=X] [--chmod=Y] <src...> <dest> # buildkit`."""
    return " ".join([instruction, *flags, *sources, dest]) + " # buildkit"
