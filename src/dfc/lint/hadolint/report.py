"""A lint run's reports in hadolint's terms: rows with hadolint's codes and
locations, rendered in one of hadolint's formats, and hadolint's exit status."""

from __future__ import annotations

from collections.abc import Sequence

from dfc.compiler.lint.engine import FileReport
from dfc.compiler.lint.hadolint import Row, rows
from dfc.lint.hadolint.formats import FORMATS, NEVER_FAIL, REPORTED_PATH


def render(reports: Sequence[FileReport], fmt: str, color: bool,
           report_path: str | None = None) -> str:
    """The reports in hadolint's format `fmt`; `report_path` (hadolint's
    --file-path-in-report) names every file in the formats where hadolint uses it."""
    named = report_path if report_path is not None and fmt in REPORTED_PATH else None
    files: list[tuple[str, list[Row]]] = []
    for report in reports:
        found = rows(report.findings, report.instruction_lines)
        if named is not None:
            found = [Row(r.code, r.column, named, r.level, r.line, r.message) for r in found]
        files.append((named or report.name, found))
    return FORMATS[fmt](files, color)


def exit_status(reports: Sequence[FileReport], fmt: str) -> int:
    """1 when a finding is at or above the threshold, as hadolint exits; 0 always for
    the formats whose consumers read the report (hadolint's codeclimate and codacy)."""
    if fmt in NEVER_FAIL:
        return 0
    return 1 if any(report.failed() for report in reports) else 0
