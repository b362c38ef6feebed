"""hadolint's output formats, byte for byte in shape: the same keys in the same order,
the same separators and escaping, no trailing newline where hadolint prints none.

Every renderer takes the linted files in order, each as its name (as reported) and
its findings as `Row`s. Values that name the tool (SARIF's driver, JUnit's suite
names) name dfc; the rule namespace SonarQube keys issues on stays "Hadolint" so a
dashboard's issues carry over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from dfc.compiler.lint.hadolint import Row
from dfc.version import VERSION

Files = Sequence[tuple[str, Sequence[Row]]]
PARSE_ERROR = "DL1000"
TTY_COLORS = {"error": "\x1b[1m\x1b[91m", "warning": "\x1b[1m\x1b[93m", "info": "\x1b[92m",
              "style": "\x1b[96m"}


def _json(value: object) -> str:
    """JSON as hadolint's encoder writes it: compact, keys sorted, UTF-8 as is."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _attr(text: str) -> str:
    """An XML attribute value escaped as hadolint escapes it (`>` and `'` left alone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _body(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def tty(files: Files, color: bool) -> str:
    """`file:line CODE level: message`; a parse error as `file:line:column message`."""
    out = []
    for _, rows in files:
        for r in rows:
            if r.code == PARSE_ERROR:
                out.append(f"{r.file}:{r.line}:{r.column} {' '.join(r.message.split())} ")
                continue
            level = f"{TTY_COLORS[r.level]}{r.level}\x1b[0m" if color else r.level
            out.append(f"{r.file}:{r.line} {r.code} {level}: {r.message}")
    return "".join(line + "\n" for line in out)


def as_json(files: Files, color: bool) -> str:
    return _json([{"code": r.code, "column": r.column, "file": r.file, "level": r.level,
                   "line": r.line, "message": r.message} for _, rows in files for r in rows])


def gnu(files: Files, color: bool) -> str:
    out = []
    for _, rows in files:
        for r in rows:
            if r.code == PARSE_ERROR:
                out.append(f"hadolint:{r.file}:{r.line}:{r.column}: "
                           f"{' '.join(r.message.split())} ")
            else:
                out.append(f"hadolint:{r.file}:{r.line}: {r.code} {r.level}: {r.message}")
    return "".join(line + "\n" for line in out)


def checkstyle(files: Files, color: bool) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?><checkstyle version="4.3">']
    for name, rows in files:
        if not rows:
            out.append(f'<file name="{_attr(name)}"/>')
            continue
        out.append(f'<file name="{_attr(name)}">')
        for r in rows:
            source = "" if r.code == PARSE_ERROR else f' source="{_attr(r.code)}"'
            out.append(f'<error column="{r.column}" line="{r.line}" '
                       f'message="{_attr(r.message)}" severity="{r.level}"{source}/>')
        out.append("</file>")
    out.append("</checkstyle>")
    return "".join(out)


CLIMATE_SEVERITY = {"error": "blocker", "warning": "major", "info": "info", "style": "minor"}


def _climate_issue(r: Row) -> dict[str, object]:
    if r.code == PARSE_ERROR:
        position = {"column": r.column, "line": r.line}
        location: dict[str, object] = {"path": r.file,
                                       "positions": {"begin": position, "end": position}}
    else:
        location = {"lines": {"begin": r.line, "end": r.line}, "path": r.file}
    return {"categories": ["Bug Risk"], "check_name": r.code, "description": r.message,
            "location": location, "severity": CLIMATE_SEVERITY[r.level], "type": "issue"}


def codeclimate(files: Files, color: bool) -> str:
    """One Code Climate issue per finding, each followed by a NUL byte."""
    return "".join(_json(_climate_issue(r)) + "\0" for _, rows in files for r in rows)


def gitlab_codeclimate(files: Files, color: bool) -> str:
    """GitLab's Code Quality report: the issues as one array, each with a fingerprint
    (the SHA-1 of the issue's Code Climate JSON, as hadolint makes it, so GitLab
    matches the same finding across runs)."""
    issues = []
    for _, rows in files:
        for r in rows:
            issue = _climate_issue(r)
            issue["fingerprint"] = hashlib.sha1(_json(issue).encode()).hexdigest()
            issues.append(issue)
    return _json(issues)


def codacy(files: Files, color: bool) -> str:
    return "".join(_json({"filename": r.file, "line": r.line, "message": r.message,
                          "patternId": r.code}) for _, rows in files for r in rows)


SONAR_SEVERITY = {"error": "CRITICAL", "warning": "MAJOR", "info": "MINOR", "style": "INFO"}


def sonarqube(files: Files, color: bool) -> str:
    issues = []
    for _, rows in files:
        for r in rows:
            parse = r.code == PARSE_ERROR
            start, end = (r.column, r.column) if parse else (0, 1)
            issues.append({
                "engineId": "Hadolint",
                "primaryLocation": {"filePath": r.file, "message": r.message, "textRange": {
                    "endColumn": end, "endLine": r.line, "startColumn": start,
                    "startLine": r.line}},
                "ruleId": r.code,
                "severity": "BLOCKER" if parse else SONAR_SEVERITY[r.level],
                "type": "BUG" if parse or r.level == "error" else "CODE_SMELL"})
    return _json({"issues": issues})


SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def sarif(files: Files, color: bool) -> str:
    results = [{
        "level": SARIF_LEVEL[r.level],
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.file}, "region": {
            "endColumn": r.column, "endLine": r.line,
            "sourceLanguage": "sh" if r.code.startswith("SC") else "dockerfile",
            "startColumn": r.column, "startLine": r.line}}}],
        "message": {"text": r.message}, "ruleId": r.code,
    } for _, rows in files for r in rows]
    driver = {"downloadUri": "https://pypi.org/project/dfc/", "fullName": "dfc lint",
              "name": "dfc", "shortDescription": {"text": "Dockerfile linter with "
                                                  "hadolint's codes"}, "version": VERSION}
    return _json({"$schema": "http://json.schemastore.org/sarif-2.1.0", "runs": [{
        "defaultSourceLanguage": "dockerfile", "results": results,
        "tool": {"driver": driver}}], "version": "2.1.0"})


def junit(files: Files, color: bool, now: datetime | None = None) -> str:
    """One test suite per file, one failing test case per finding."""
    now = now or datetime.now(UTC)
    suite = f"dfc {VERSION}"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites id="{now:%Y%m%d_%H%M%S}" name="dfc lint run at '
           f'{now:%Y-%m-%d %H:%M:%S}" time="0.001">']
    for name, rows in files:
        parse = sum(r.code == PARSE_ERROR for r in rows)
        head = (f'<testsuite errors="{parse}" failures="{len(rows)}" id="hadolint" '
                f'name="{_attr(suite)}" time="0.001"')
        if not rows:
            out.append(head + "/>")
            continue
        out.append(head + ">")
        for r in rows:
            if r.code == PARSE_ERROR:
                out.append(f'<testcase id="hadolint.error" name="{PARSE_ERROR}" time="0.001">'
                           f'<failure message="parse error at line {r.line}, column '
                           f'{r.column}" type="error">Parse Error in {_body(name)}\n'
                           f"Line: {r.line}\nColumn: {r.column}\n"
                           f"Parse Error: {_body(r.message)}\n\n</failure></testcase>")
                continue
            out.append(f'<testcase id="hadolint.rule.{r.code}" time="0.001">'
                       f'<failure id="{r.code}" message="{_attr(r.message)}" '
                       f'type="{r.level}">File: {_body(name)}\nLine: {r.line}\n'
                       f"Category: dfc - Dockerfile Static Analysis\n"
                       f"{r.level}: {_body(r.message)}\n</failure></testcase>")
        out.append("</testsuite>")
    out.append("</testsuites>")
    return "".join(out)


FORMATS: dict[str, Callable[[Files, bool], str]] = {
    "tty": tty, "json": as_json, "checkstyle": checkstyle, "codeclimate": codeclimate,
    "gitlab_codeclimate": gitlab_codeclimate, "gnu": gnu, "codacy": codacy,
    "sonarqube": sonarqube, "sarif": sarif, "junit": junit,
}
# hadolint exits 0 with these two formats whatever it found (their consumers read the
# report, not the exit status); dfc's mode does the same.
NEVER_FAIL = frozenset({"codeclimate", "codacy"})
# The formats where hadolint's --file-path-in-report replaces the file name.
REPORTED_PATH = frozenset({"checkstyle", "codeclimate", "gitlab_codeclimate", "sonarqube",
                           "junit"})
