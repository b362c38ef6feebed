"""Render lint reports: tty (with caret excerpts), json, github annotations,
checkstyle XML and GNU lines. SARIF has its own module."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from xml.sax.saxutils import quoteattr

import msgspec

from dfc.compiler.lint.codes import by_code
from dfc.compiler.lint.engine import FileReport
from dfc.compiler.lint.model import Finding, Severity
from dfc.source import Source, excerpt

COLORS = {Severity.error: "31", Severity.warning: "33", Severity.info: "36",
          Severity.style: "35"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def tty(reports: Sequence[FileReport], color: bool = False) -> str:
    """`file:line:col: severity[CODE]: message (name)` with the source line under it."""
    out: list[str] = []
    counts: dict[Severity, int] = {}
    fixable = 0
    for report in reports:
        source = Source(report.name, report.text)
        for f in report.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
            fixable += f.fix is not None
            level = _paint(f"{f.severity.value}[{f.code}]", COLORS[f.severity], color)
            mark = " [*]" if f.fix is not None else ""
            where = f"{f.file}:{f.span.line}:{f.span.column}"
            out.append(f"{where}: {level}: {f.message} ({f.name}){mark}")
            out.append(excerpt(source, f.span))
    total = sum(counts.values())
    if not total:
        return f"{len(reports)} file{'s' if len(reports) != 1 else ''} checked, no findings\n"
    parts = ", ".join(f"{n} {s.value}" for s, n in sorted(counts.items(), key=lambda i: -i[0].rank))
    tail = f"; {fixable} fixable with --fix ([*])" if fixable else ""
    out.append(f"Found {total} finding{'s' if total != 1 else ''} ({parts}) in "
               f"{len(reports)} file{'s' if len(reports) != 1 else ''}{tail}.")
    return "\n".join(out) + "\n"


def finding_json(f: Finding) -> dict[str, object]:
    code = by_code(f.code)
    return {
        "code": f.code, "name": f.name, "aliases": list(code.aliases) if code else [],
        "severity": f.severity.value, "message": f.message, "file": f.file,
        "line": f.span.line, "column": f.span.column, "endLine": f.span.end_line,
        "endColumn": f.span.end_column, "stage": f.stage, "shipped": f.shipped,
        "fix": None if f.fix is None else {
            "description": f.fix.description,
            "edits": [{"line": e.span.line, "column": e.span.column,
                       "endLine": e.span.end_line, "endColumn": e.span.end_column,
                       "text": e.text} for e in f.fix.edits]},
    }


def as_json(reports: Sequence[FileReport]) -> str:
    """One JSON array of findings over all files."""
    return json.dumps([finding_json(f) for r in reports for f in r.findings], indent=2) + "\n"


def github(reports: Sequence[FileReport]) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    level = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice",
             Severity.style: "notice"}

    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for r in reports:
        for f in r.findings:
            props = (f"file={escape(f.file)},line={f.span.line},col={f.span.column},"
                     f"endLine={f.span.end_line},endColumn={f.span.end_column},"
                     f"title={escape(f.code)} {escape(f.name)}")
            lines.append(f"::{level[f.severity]} {props}::{escape(f.message)}")
    return "".join(line + "\n" for line in lines)


def checkstyle(reports: Sequence[FileReport]) -> str:
    """Checkstyle 4.3 XML (Jenkins, GitLab and most CI dashboards read it)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for r in reports:
        out.append(f"  <file name={quoteattr(r.name)}>")
        for f in r.findings:
            severity = "info" if f.severity is Severity.style else f.severity.value
            out.append(f"    <error line=\"{f.span.line}\" column=\"{f.span.column}\" "
                       f"severity=\"{severity}\" message={quoteattr(f.message)} "
                       f"source={quoteattr('dfc.' + f.code)}/>")
        out.append("  </file>")
    out.append("</checkstyle>")
    return "\n".join(out) + "\n"


def gnu(reports: Sequence[FileReport]) -> str:
    """GNU `file:line.col-endline.endcol: severity: message [CODE]` (editors jump to it)."""
    return "".join(
        f"{f.file}:{f.span.line}.{f.span.column}-{f.span.end_line}.{f.span.end_column}: "
        f"{f.severity.value}: {f.message} [{f.code}]\n"
        for r in reports for f in r.findings)


def sarif(reports: Sequence[FileReport]) -> str:
    from dfc.lint.sarif import sarif_log

    return msgspec.json.format(msgspec.json.encode(sarif_log(reports)), indent=2).decode() + "\n"


FORMATS: dict[str, Callable[[Sequence[FileReport]], str]] = {
    "tty": tty, "json": as_json, "sarif": sarif, "github": github, "checkstyle": checkstyle,
    "gnu": gnu,
}
