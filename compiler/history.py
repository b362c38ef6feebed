"""History `created_by` texts exactly as BuildKit writes them (reference section 6.2).

BuildKit formats values with Go's fmt verbs, so these helpers reproduce `%v` of a
string slice, `%q` of a string slice and `time.Duration.String()`.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfc.compiler.ir import Healthcheck
from dfc.grammar.durations import format_duration

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


def healthcheck_text(check: Healthcheck) -> str:
    """Go `%+v` of BuildKit's HealthConfig, as its HEALTHCHECK history shows it."""
    d = format_duration
    return (
        f"HEALTHCHECK {{Test:{go_slice(check.test)} Interval:{d(check.interval)} "
        f"Timeout:{d(check.timeout)} StartPeriod:{d(check.start_period)} "
        f"StartInterval:{d(check.start_interval)} Retries:{check.retries}}}"
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
