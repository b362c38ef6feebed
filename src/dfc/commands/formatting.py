"""Docker's output forms: sizes, ages, tab-aligned tables and the `--format` templates.

Only the template forms Docker users write for these commands are understood (`{{.Field}}`,
`{{json .}}`, `{{json .Field}}`, a `table` prefix, `\\t` and `\\n`), not Go's whole
template language; anything else is an error naming the action.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from dfc.errors import DfcError

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_FIELD = re.compile(r"\.([A-Za-z]\w*)((?:\.[A-Za-z]\w*)*)")
_JSON = re.compile(r"json\s+(\.|\.[A-Za-z][\w.]*)")
_MIN_WIDTH, _PADDING = 10, 3  # docker's tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)


def human_size(size: float, precision: int = 4) -> str:
    """go-units `HumanSizeWithPrecision`: decimal units, `precision` significant digits.

    >>> human_size(1982280, 3), human_size(0), human_size(68), human_size(1982280)
    ('1.98MB', '0B', '68B', '1.982MB')
    """
    i = 0
    while size >= 1000 and i < len(_UNITS) - 1:
        size /= 1000
        i += 1
    return f"{size:.{precision}g}{_UNITS[i]}"


def human_duration(seconds: float) -> str:
    """go-units `HumanDuration`, what Docker puts before "ago".

    >>> [human_duration(s) for s in (0.5, 1, 59, 90, 3000, 5400, 7200, 86400 * 3)]
    ['Less than a second', '1 second', '59 seconds', 'About a minute', '50 minutes', \
'2 hours', '2 hours', '3 days']
    """
    s = int(seconds)
    minutes = int(seconds / 60)
    hours = int(seconds / 3600 + 0.5)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def since(when: datetime | None, now: datetime | None = None) -> str:
    """`2 hours ago`; `N/A` when the image has no date."""
    if when is None:
        return "N/A"
    now = now or datetime.now(UTC)
    return human_duration((now - when).total_seconds()) + " ago"


def go_time(when: datetime | None) -> str:
    """Go's `time.Time.String()` in local time: `2023-11-14 22:13:20 +0000 UTC`."""
    if when is None:
        return ""
    local = when.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S %z ") + (local.tzname() or "")


def ellipsis(text: str, width: int) -> str:
    """docker's `stringutils.Ellipsis`: cut to `width` characters, the last one `…`."""
    return text if len(text) <= width else text[: width - 1] + "…"


def go_json(value: object) -> str:
    """Go's json.Marshal form: compact, keys sorted, `<`, `>`, `&` escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def tabulate(lines: Sequence[Sequence[str]], min_width: int = _MIN_WIDTH) -> str:
    """Cells aligned as Go's tabwriter does for docker: every column but the last is
    as wide as its widest cell plus 3 spaces, and at least `min_width` (10; `top`: 20)."""
    columns = max((len(line) for line in lines), default=0)
    widths = [max([min_width] + [len(line[i]) + _PADDING for line in lines if len(line) > i + 1])
              for i in range(columns)]
    out = []
    for line in lines:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])]
        out.append("".join(cells) + (line[-1] if line else ""))
    return "".join(row + "\n" for row in out)


def _text(value: object) -> str:
    """A value as `{{.Field}}` prints it: strings and numbers as they are, booleans in
    Go's spelling, lists and objects as JSON, a missing value as `<no value>`."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return go_json(value)
    return str(value)


class Template:
    """A parsed `--format` value, rendered against one dict of string fields per row."""

    def __init__(self, text: str, fields: Sequence[str]) -> None:
        self.table = text.startswith("table")
        body = text[len("table"):] if self.table else text
        if text == "json":
            body = "{{json .}}"
        body = body.strip(" ").replace("\\t", "\t").replace("\\n", "\n")
        self.parts: list[tuple[str, str]] = []
        pos = 0
        for m in _ACTION.finditer(body):
            self.parts.append(("text", body[pos:m.start()]))
            self.parts.append(self._action(m.group(1), fields))
            pos = m.end()
        self.parts.append(("text", body[pos:]))

    @staticmethod
    def _action(action: str, fields: Sequence[str]) -> tuple[str, str]:
        """("field" or "json", dotted path); the first name must be a known field."""
        m = _JSON.fullmatch(action)
        kind, path = ("json", m.group(1)[1:]) if m else ("field", action[1:])
        if not m and not _FIELD.fullmatch(action):
            raise DfcError(f"template: unsupported action {{{{{action}}}}}")
        if path and path.split(".")[0] not in fields:
            raise DfcError(f"template: can't evaluate field {path.split('.')[0]} in "
                           f"{{{{{action}}}}}")
        return kind, path

    @staticmethod
    def _lookup(row: Mapping[str, object], path: str) -> object:
        value: object = row
        for name in path.split(".") if path else ():
            value = value.get(name) if isinstance(value, Mapping) else None
        return value

    def render_one(self, row: Mapping[str, object]) -> str:
        out = []
        for kind, path in self.parts:
            if kind == "text":
                out.append(path)
                continue
            value = self._lookup(row, path)
            if kind == "json":
                out.append(go_json(dict(value) if isinstance(value, Mapping) else value))
            else:
                out.append(_text(value))
        return "".join(out)

    def render(self, rows: Sequence[Mapping[str, object]], headers: Mapping[str, str]) -> str:
        """All rows, one per line; a table gets the header row and aligned columns."""
        texts = [self.render_one(row) for row in rows]
        if not self.table:
            return "".join(t + "\n" for t in texts)
        header = self.render_one(headers)
        lines = [line.split("\t") for text in (header, *texts) for line in text.split("\n")]
        return tabulate(lines)
