"""Golden files for the parser, written by hand from the reference (section 1).

`tests/fixtures/parse/<case>/` holds a Dockerfile and the `dfc parse --format json` output
it must give; `tests/fixtures/parse-errors/<case>/` a Dockerfile and the exact rendered error.
Expected JSON is compared as data, so a golden file may be written compactly by hand.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dfc.errors import ParseError
from dfc.grammar.dump import dump_json
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
        parse_dockerfile((case / "Dockerfile").read_bytes(), "Dockerfile")
    assert info.value.render() == (case / "expected.txt").read_text().rstrip("\n")


def test_every_case_has_its_files() -> None:
    for case in PARSE_CASES:
        assert sorted(p.name for p in case.iterdir()) == ["Dockerfile", "expected.json"], case
    for case in ERROR_CASES:
        assert sorted(p.name for p in case.iterdir()) == ["Dockerfile", "expected.txt"], case


@pytest.mark.parametrize("case", ERROR_CASES[:3] + ERROR_CASES[-3:], ids=lambda p: p.name)
def test_cli_reports_a_parse_error_without_traceback(case: Path, dfc_cmd: list[str]) -> None:
    result = subprocess.run([*dfc_cmd, "parse", "Dockerfile", "--format", "json"], cwd=case,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (case / "expected.txt").read_text().rstrip("\n") + "\n"
    assert "Traceback" not in result.stderr


def test_cli_prints_the_golden_json(dfc_cmd: list[str]) -> None:
    case = PARSE_CASES[0]
    result = subprocess.run([*dfc_cmd, "parse", str(case / "Dockerfile"), "--format", "json"],
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == json.loads((case / "expected.json").read_text())
