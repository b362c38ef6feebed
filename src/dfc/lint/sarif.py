"""SARIF 2.1.0: one run, a full `tool.driver.rules` table (every rule, with
descriptions, help and default level), exact regions, fingerprints and fixes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from dfc.compiler.lint.codes import CODES, Code
from dfc.compiler.lint.engine import FileReport
from dfc.compiler.lint.model import Finding, Severity
from dfc.source import Span

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note",
          Severity.style: "note", Severity.off: "none"}


def _help_uri(code: str, aliases: Sequence[str]) -> str | None:
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    for alias in aliases:
        if alias.startswith("DL"):
            return f"https://github.com/hadolint/hadolint/wiki/{alias}"
    return None


def _rule(code: Code) -> dict[str, Any]:
    doc = code.doc.strip()
    rule: dict[str, Any] = {
        "id": code.code, "name": code.name,
        "shortDescription": {"text": code.summary},
        "fullDescription": {"text": doc.split("\n\n", 1)[0]},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVELS[code.severity], "enabled": code.enabled},
        "properties": {"aliases": list(code.aliases), "fixable": code.fixable},
    }
    uri = _help_uri(code.code, code.aliases)
    if uri:
        rule["helpUri"] = uri
    return rule


def _sc_rule(code: str, message: str, level: Severity) -> dict[str, Any]:
    return {"id": code, "name": "shellcheck", "shortDescription": {"text": message},
            "helpUri": f"https://www.shellcheck.net/wiki/{code}",
            "defaultConfiguration": {"level": LEVELS[level]},
            "properties": {"aliases": [], "fixable": False}}


def _region(span: Span) -> dict[str, int]:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line,
            "endColumn": span.end_column}


def _result(f: Finding, index: int, text: str) -> dict[str, Any]:
    line = text.split("\n")[f.span.line - 1].strip() if f.span.line <= text.count("\n") + 1 \
        else ""
    digest = hashlib.sha256(f"{f.code}\0{f.stage}\0{line}".encode()).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": f.code, "ruleIndex": index, "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file},
                                            "region": _region(f.span)}}],
        "partialFingerprints": {"primaryLocationLineHash": digest},
        "properties": {"stage": f.stage, "shipped": f.shipped},
    }
    if f.fix is not None:
        result["fixes"] = [{
            "description": {"text": f.fix.description},
            "artifactChanges": [{
                "artifactLocation": {"uri": f.file},
                "replacements": [{"deletedRegion": _region(e.span),
                                  "insertedContent": {"text": e.text}}
                                 for e in f.fix.edits]}]}]
    return result


def sarif_log(reports: Sequence[FileReport]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        dfc_version = version("dfc")
    except PackageNotFoundError:
        dfc_version = "0"
    rules = [_rule(c) for c in CODES]
    index = {c.code: i for i, c in enumerate(CODES)}
    results = []
    for report in reports:
        for f in report.findings:
            if f.code not in index:
                index[f.code] = len(rules)
                rules.append(_sc_rule(f.code, f.message, f.severity))
            results.append(_result(f, index[f.code], report.text))
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "dfc", "fullName": "dfc lint",
                                "version": dfc_version, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
