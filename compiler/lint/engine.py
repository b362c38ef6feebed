"""Lint files: facts, rules, the ShellCheck pass, suppressions, severities.

Three phases so that ShellCheck runs once for all files: every file is parsed,
compiled and ruled first (collecting its RUN scripts), then the caller's script check
(the front end runs `shellcheck`) sees every script, then each file's findings are
suppressed, levelled and sorted.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from dfc.compiler.lint import shellcheck
from dfc.compiler.lint.codes import CODES, by_code
from dfc.compiler.lint.config import Options
from dfc.compiler.lint.facts import build_lint
from dfc.compiler.lint.model import Finding, Hit, Severity
from dfc.compiler.lint.recover import parse_recovering
from dfc.compiler.lint.rule import Lint, Surroundings
from dfc.compiler.lint.suppress import Suppression, apply, collect
from dfc.errors import DfcError
from dfc.source import Source, Span

PARSE_CODES = {
    "no build stage in current context": "DFC004",
    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed": "DFC005",
    "FROM isn't allowed as an ONBUILD trigger": "DFC005",
    "MAINTAINER isn't allowed as an ONBUILD trigger": "DFC005",
}


class FileInput(msgspec.Struct, frozen=True):
    """One file to lint: its display name, text, options and surroundings."""

    name: str
    text: str
    options: Options
    surroundings: Surroundings


class FileReport(msgspec.Struct):
    name: str
    text: str
    findings: list[Finding]
    threshold: str
    instruction_lines: tuple[int, ...] = ()  # first line of each instruction, in order

    def failed(self) -> bool:
        if self.threshold == "none":
            return False
        floor = Severity(self.threshold).rank
        return any(f.severity.rank >= floor for f in self.findings)


class _Pending:
    """A file between phase 1 and phase 3."""

    def __init__(self, item: FileInput) -> None:
        self.item = item
        self.lint: Lint | None = None
        self.raw: list[tuple[str, Severity, Hit]] = []
        self.jobs: list[shellcheck.Job] = []


def _engine_hit(error: DfcError) -> Hit:
    return Hit(error.span or Span(1, 1, 1, 1), error.message)


def _phase_one(item: FileInput, want_shellcheck: bool) -> _Pending:
    pending = _Pending(item)
    options = item.options
    tree, parsed, errors = parse_recovering(item.text, item.name)
    for error in errors:
        parse_code = PARSE_CODES.get(error.message, "DFC000")
        pending.raw.append((parse_code, Severity.error, _engine_hit(error)))
    if tree is None:
        return pending
    source = Source(item.name, item.text)
    lint, compile_error = build_lint(source, parsed, tree, options.settings, item.surroundings)
    pending.lint = lint
    if compile_error is not None:
        pending.raw.append(("DFC001", Severity.error, _engine_hit(compile_error)))
    for code in CODES:
        rule = code.rule
        if rule is None or not options.enabled(code.code):
            continue
        for hit in rule(lint):
            pending.raw.append((code.code, code.severity, hit))
    if want_shellcheck and options.shellcheck and options.enabled("SC"):
        pending.jobs = list(shellcheck.jobs(lint, options.codes == "hadolint"))
    return pending


def _stage_of(lint: Lint | None, line: int) -> tuple[str | None, bool | None]:
    if lint is None:
        return None, None
    found = None
    for stage in lint.stages:
        if stage.node.span.line <= line:
            found = stage
    return (found.id, found.shipped) if found is not None else (None, None)


def _finding(item: FileInput, lint: Lint | None, code: str, default: Severity,
             hit: Hit) -> Finding:
    info = by_code(code)
    stage, shipped = _stage_of(lint, hit.span.line)
    return Finding(code=code, name=info.name if info else "shellcheck",
                   severity=item.options.severity(code, default), message=hit.message,
                   file=item.name, span=hit.span, stage=stage, shipped=shipped, fix=hit.fix,
                   alias=hit.alias)


def _suppressions(pending: _Pending) -> list[Suppression]:
    lint = pending.lint
    if lint is None or pending.item.options.disable_ignore_pragma:
        return []
    ends = {s.node.span.line: s.last_line for s in lint.stages}
    return collect(pending.item.text, lint.tree, ends)


def _phase_three(pending: _Pending, sc_hits: list[shellcheck.ScHit]) -> FileReport:
    item = pending.item
    options = item.options
    raw = pending.raw + [(h.code, h.severity, h.hit) for h in sc_hits]
    findings = [_finding(item, pending.lint, code, level, hit) for code, level, hit in raw
                if code in ("DFC000", "DFC001") or options.enabled(code)]
    suppressions = _suppressions(pending)
    findings = apply(findings, suppressions)
    ran_sc = bool(pending.jobs)
    for suppression in suppressions:
        if options.enabled("DFC003"):
            findings.append(_finding(item, pending.lint, "DFC003", Severity.info, Hit(
                suppression.pragma, "Inline suppression comment used")))
        for entry in suppression.entries:
            if entry.used or not options.enabled("DFC002"):
                continue
            if not entry.codes:
                message = f"Unknown rule {entry.text!r} in suppression comment"
            elif not any(options.enabled(c) for c in entry.codes if not c.startswith("SC")) \
                    and not (ran_sc and any(c.startswith("SC") for c in entry.codes)):
                continue
            else:
                message = f"Suppression of {entry.text} suppresses nothing"
            findings.append(_finding(item, pending.lint, "DFC002", Severity.warning,
                                     Hit(entry.span, message)))
    findings.sort(key=lambda f: (f.span.line, f.span.column, f.code))
    lines = tuple(sorted(n.span.line for n in pending.lint.tree.instructions)) \
        if pending.lint is not None else ()
    return FileReport(item.name, item.text, findings, options.threshold, lines)


def wants_shellcheck(items: Sequence[FileInput]) -> bool:
    """Does any file have the ShellCheck pass on (by config, command line and selection)?"""
    return any(i.options.shellcheck and i.options.enabled("SC") for i in items)


def lint_files(items: Sequence[FileInput],
               check_scripts: shellcheck.ScriptCheck | None = None) -> list[FileReport]:
    """Lint every file; `check_scripts` (None: no ShellCheck pass) gets the RUN scripts
    of all of them at once."""
    pending = [_phase_one(item, check_scripts is not None) for item in items]
    jobs = [p.jobs for p in pending]
    results = check_scripts(jobs) if check_scripts is not None else [[] for _ in jobs]
    return [_phase_three(p, hits) for p, hits in zip(pending, results, strict=True)]
