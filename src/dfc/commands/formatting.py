"""Docker's output forms: sizes, ages, tab-aligned tables and the `--format` templates.

The template language itself is dfc.gotemplate; this module adds what docker's formatter
does around it: the `table` prefix, header rows and the tabwriter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.gotemplate.typed import GoType


class FormatError(DfcError):
    """A `--format` template that does not parse or run: docker's words, exit 1 (64 for
    inspect's parse errors)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def render(self) -> str:
        return f"template parsing error: {self.message}"

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
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


def tabulate(lines: Sequence[Sequence[str]], min_width: int = _MIN_WIDTH) -> str:
    """Cells aligned as Go's tabwriter does for docker (minwidth 10, `top`: 20; padding
    3): a column is aligned over each run of adjacent lines that have a cell in it, as
    wide as its widest cell plus 3 and at least `min_width`; a line's last cell is not
    part of any column."""
    widths: list[list[int]] = [[] for _ in lines]

    def block(first: int, end: int, column: int) -> None:
        line = first
        while line < end:
            if len(lines[line]) - 1 <= column:
                line += 1
                continue
            run = line
            while run < end and len(lines[run]) - 1 > column:
                run += 1
            width = max([min_width] + [len(lines[i][column]) + _PADDING
                                        for i in range(line, run)])
            for i in range(line, run):
                widths[i].append(width)
            block(line, run, column + 1)
            line = run

    block(0, len(lines), 0)
    out = []
    for line, cells in zip(lines, widths, strict=True):
        padded = [cell.ljust(width) for cell, width in zip(line, cells, strict=False)]
        out.append("".join(padded) + (line[-1] if line else "") + "\n")
    return "".join(out)


def chosen_format(fmt: str | None, default: str) -> str:
    """`--format` as docker reads it: none, or a bare `table`, is the command's own table."""
    return default if not fmt or fmt.strip() == "table" else fmt


class Template:
    """A `--format` value for a listing command (images, ps, history, df...): Go's template
    language (dfc.gotemplate) on one Record per row, docker's `table` prefix, `json`, and
    the `\\t`/`\\n` escapes docker's formatter replaces before parsing."""

    def __init__(self, text: str, fields: Sequence[str], type_name: str = "*formatter.Context"):
        from dfc.gotemplate import Template as GoTemplate
        from dfc.gotemplate import TemplateError

        self.table = text.startswith("table")
        body = text[len("table"):] if self.table else text
        if text == "json":
            body = "{{json .}}"
        body = body.strip(" ").replace("\\t", "\t").replace("\\n", "\n")
        self.fields = list(fields)
        self.type_name = type_name
        try:
            self.template = GoTemplate(body)
        except TemplateError as exc:
            raise FormatError(str(exc)) from None

    def render_one(self, row: Mapping[str, object], header: bool = False) -> str:
        from dfc.gotemplate import Record, TemplateError

        try:
            return self.template.execute(Record(row, self.type_name), header=header)
        except TemplateError as exc:
            raise FormatError(str(exc)) from None

    def render(self, rows: Sequence[Mapping[str, object]], headers: Mapping[str, object]) -> str:
        """All rows, one per line; a table gets the header row and aligned columns."""
        texts = [self.render_one(row) for row in rows]
        if not self.table:
            return "".join(t + "\n" for t in texts)
        header = self.render_one(headers, header=True)
        return tabulate([line.split("\t") for text in (header, *texts)
                         for line in text.split("\n")])


def inspect_text(template: str, data: object, go_type: GoType | None = None,
                 fallback: bool = True) -> str:
    """`inspect -f` as docker runs it: on the object typed as docker's struct `go_type`
    (JSON nulls are Go zero values: `[]`, `map[]`, `<nil>`); if that fails, and the
    command has the raw JSON (`fallback`: all but `volume inspect`), again on the JSON
    with Go's missingkey=error. A template that does not parse exits 64."""
    from dfc.gotemplate import Template as GoTemplate
    from dfc.gotemplate import TemplateError
    from dfc.gotemplate.typed import struct, typed

    try:
        parsed = GoTemplate(template)
    except TemplateError as exc:
        raise FormatError(str(exc), exit_code=64) from None
    try:
        return parsed.execute(typed(data, go_type or struct("", {})))
    except TemplateError as exc:
        if not fallback:
            raise FormatError(str(exc)) from None
    try:
        return GoTemplate(template, missing_key_error=True).execute(data)
    except TemplateError as exc:
        raise FormatError(str(exc)) from None


def inspect_output(found: Sequence[object], template: str | None,
                   go_types: Sequence[GoType | None] | GoType | None = None,
                   fallback: bool = True) -> str:
    """What `inspect` prints for its objects: docker's indented JSON array, or each
    object through the `-f` template, one line each; `go_types`: the Go type of every
    object (or one for all; see `inspect_text`)."""
    if not template:
        import json

        return json.dumps(list(found), indent=4, ensure_ascii=False) + "\n"
    if template == "json":
        from dfc.gotemplate.values import go_json

        return go_json(list(found)) + "\n"
    types = list(go_types) if isinstance(go_types, Sequence) else [go_types] * len(found)
    return "".join(inspect_text(template, data, t, fallback) + "\n"
                   for data, t in zip(found, types, strict=True))
