"""Golden files for the parser, written by hand from the reference (section 1).

`tests/fixtures/parse/<case>/` holds a Dockerfile and the `dfc parse --format json` output
it must give; `tests/fixtures/parse-errors/<case>/` a Dockerfile and the exact rendered error.
Expected JSON is compared as data, so a golden file may be written compactly by hand.

An error case fails where BuildKit makes its error: in the parser (`dfc parse` fails too) or
in the instruction layer (`dfc parse` succeeds and compiling fails), with the same text.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dfc.compiler.checks import parse_checked
from dfc.errors import ParseError
from dfc.grammar.dump import dump_json
from dfc.grammar.nodes import parse_nodes
from dfc.grammar.parser import parse_dockerfile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PARSE_CASES = sorted(p for p in (FIXTURES / "parse").iterdir() if p.is_dir())
ERROR_CASES = sorted(p for p in (FIXTURES / "parse-errors").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", PARSE_CASES, ids=lambda p: p.name)
def test_parse_golden(case: Path) -> None:
    tree = parse_dockerfile((case / "Dockerfile").read_bytes(), "Dockerfile")
    expected = json.loads((case / "expected.json").read_text())
    assert json.loads(dump_json(tree)) == expected


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.name)
def test_parse_error_golden(case: Path) -> None:
    with pytest.raises(ParseError) as info:
        parse_checked((case / "Dockerfile").read_bytes(), "Dockerfile")
    assert info.value.render() == (case / "expected.txt").read_text().rstrip("\n")


PARSER_LEVEL = {"empty-file", "only-comments",
    "bad-escape-token", "env-legacy-without-value", "env-new-form-bare-word",
    "heredoc-unbalanced-quote", "json-nested-array", "json-null-in-copy", "json-number",
    "label-legacy-without-value", "label-new-form-bare-word", "repeated-check-directive",
    "repeated-escape-directive", "repeated-syntax-directive", "unterminated-heredoc",
    "unterminated-second-heredoc"}
# Whole-file checks: every instruction is fine, the stages are not.
STAGE_CASES = {"no-build-stage-before-from", "only-args"}


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda p: p.name)
def test_typed_parse_fails_only_where_buildkits_parser_does(case: Path) -> None:
    data = (case / "Dockerfile").read_bytes()
    try:
        parse_nodes(data)
        parser_accepts = True
    except ParseError:
        parser_accepts = False
    assert parser_accepts == (case.name not in PARSER_LEVEL)
    if parser_accepts:
        tree = parse_dockerfile(data, "Dockerfile")
        assert tree.rejected or case.name in STAGE_CASES
    else:
        with pytest.raises(ParseError) as info:
            parse_dockerfile(data, "Dockerfile")
        assert info.value.render() == (case / "expected.txt").read_text().rstrip("\n")


def test_every_case_has_its_files() -> None:
    for case in PARSE_CASES:
        assert sorted(p.name for p in case.iterdir()) == ["Dockerfile", "expected.json"], case
    for case in ERROR_CASES:
        assert sorted(p.name for p in case.iterdir()) == ["Dockerfile", "expected.txt"], case


CLI_CASES = [*ERROR_CASES[:3], *ERROR_CASES[-3:],
             *(case for case in ERROR_CASES if case.name in {"bad-escape-token", "json-number"})]


@pytest.mark.parametrize("command", ["compile", "graph", "parse"])
@pytest.mark.parametrize("case", CLI_CASES, ids=lambda p: p.name)
def test_cli_reports_an_error_where_buildkit_makes_it(
        case: Path, command: str, dfc_cmd: list[str]) -> None:
    """Compiling fails with the golden error; `dfc parse` only on a parser-level one."""
    result = subprocess.run([*dfc_cmd, command, "Dockerfile"], cwd=case, capture_output=True,
                            text=True, check=False)
    assert "Traceback" not in result.stderr
    if command == "parse" and case.name not in PARSER_LEVEL:
        assert (result.returncode, result.stderr) == (0, "")
        assert "REJECTED" in result.stdout
        return
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (case / "expected.txt").read_text().rstrip("\n") + "\n"


def test_cli_prints_the_golden_json(dfc_cmd: list[str]) -> None:
    case = PARSE_CASES[0]
    result = subprocess.run([*dfc_cmd, "parse", str(case / "Dockerfile"), "--format", "json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == json.loads((case / "expected.json").read_text())
