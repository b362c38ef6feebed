"""hadolint's view of dfc's findings: which code a finding carries in the hadolint
compatibility mode (`dfc lint --codes hadolint`, `dfc-hadolint`), where hadolint would
put it, and which rules that mode runs by default.

hadolint reports every finding at the first line of its instruction, column 1 (a
parse error at its own position), so baselines and review bots keyed on hadolint's
locations keep working. dfc's own whole-build rules have no hadolint code and keep
their DFC codes; BuildKit-only style checks are off by default in this mode (hadolint
has no such checks, and a drop-in must not fail builds hadolint passes for them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

import msgspec

from dfc.compiler.lint.codes import CODES, by_code
from dfc.compiler.lint.model import Finding

DL_CODE = re.compile(r"^DL\d{4}$")
WHOLE_BUILD = "DFC4"  # the whole-build analysis codes, which hadolint has no name for


class Row(msgspec.Struct, frozen=True):
    """One finding as hadolint prints it (field order is hadolint's JSON key order)."""

    code: str
    column: int
    file: str
    level: str
    line: int
    message: str


def default_selection() -> set[str]:
    """The rules the hadolint mode runs when nothing is selected: every rule that has a
    hadolint code, dfc's whole-build analysis, and ShellCheck."""
    return {c.code for c in CODES if c.enabled and (
        any(DL_CODE.match(a) for a in c.aliases) or c.code.startswith(WHOLE_BUILD))} | {"SC"}


def code_of(finding: Finding) -> str:
    """The code a finding carries in the hadolint mode: its DL code (the one the rule
    chose when a dfc rule stands for several), an SC code as is, or its DFC code."""
    if finding.alias is not None:
        return finding.alias
    info = by_code(finding.code)
    if info is None:
        return finding.code
    dl = [a for a in info.aliases if DL_CODE.match(a)]
    return dl[0] if dl else finding.code


def rows(findings: Sequence[Finding], instruction_lines: Sequence[int]) -> list[Row]:
    """Findings as hadolint locates them: at the first line of the instruction they
    are in, column 1; parse errors (DL1000) at their own position."""
    out = []
    for f in findings:
        code = code_of(f)
        line, column = f.span.line, f.span.column
        if code != "DL1000":
            index = bisect_right(instruction_lines, line) - 1
            line, column = (instruction_lines[index] if index >= 0 else line), 1
        out.append(Row(code, column, f.file, f.severity.value, line, f.message))
    return out

