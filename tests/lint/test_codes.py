"""The codes table and the rule files agree: every rule has a file, a documented
docstring with an example, and a function named like the file."""

from __future__ import annotations

from pathlib import Path

from dfc.compiler.lint.codes import CODES, resolve

RULES = Path(__file__).resolve().parents[2] / "compiler" / "lint" / "rules"


def test_every_rule_file_is_in_the_table() -> None:
    files = {p.stem for p in RULES.glob("*.py") if p.stem != "__init__"}
    assert files == {c.module for c in CODES if c.module is not None}


def test_rules_are_documented() -> None:
    for code in CODES:
        assert code.doc.strip(), code.code
        if code.rule is not None:
            assert code.rule.__name__ == code.module
            assert "Catches" in code.doc, f"{code.code} needs a Catches: example"


def test_names_and_codes_are_unique() -> None:
    assert len({c.code for c in CODES}) == len(CODES)
    assert len({c.name for c in CODES}) == len(CODES)


def test_every_alias_resolves_to_its_rule() -> None:
    for code in CODES:
        for name in (code.code, code.name, *code.aliases):
            assert code.code in resolve(name)
