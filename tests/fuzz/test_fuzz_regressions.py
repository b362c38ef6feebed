"""Inputs the mutation fuzzer (tests/fuzz/mutate.py) found crashing, minimized: each must
now fail (or pass) the way BuildKit does, with a located DfcError, and lint must report
them as findings."""

from __future__ import annotations

import pytest

from dfc import compile_dockerfile
from dfc.compiler.ir import ImageConfig, ImageRef
from dfc.compiler.lint.config import LintConfig, Overrides, options
from dfc.errors import CompileError, ParseError
from dfc.grammar import ast
from dfc.grammar.parser import parse_dockerfile
from dfc.lint.engine import lint_text

LINT_ALL = options(LintConfig(), Overrides(select=("ALL",), shellcheck=False))


def error_of(text: str, **kwargs: object) -> tuple[type, str, str]:
    with pytest.raises((ParseError, CompileError)) as caught:
        compile_dockerfile(text, **kwargs)  # type: ignore[arg-type]
    return type(caught.value), caught.value.message, str(caught.value.span)


def parse_findings(text: str) -> list[tuple[str, str, str]]:
    return [(f.code, f.message, str(f.span)) for f in lint_text(text, LINT_ALL).findings
            if f.code in ("DFC000", "DFC001")]


# A line holding only the escape token starts an instruction on the next line; that
# line's leading blanks are not part of it (BuildKit trims the joined line). They used to
# make the keyword look like an ONBUILD trigger: an unbuilt Trigger object reached the
# compiler (KeyError in lower) and lint rules (AttributeError: no `keyword`).
LONE_ESCAPE_UNKNOWN = "#escape=`\nFROM alpine\n`\n\t...';"
LONE_ESCAPE_LABEL = "#escape=`\nFROM alpine\nLABEL description=\"line1\n`\n\t'Complete.'"


def test_lone_escape_line_then_indented_instruction_is_that_instruction() -> None:
    text = "FROM scratch\n\\\n\tLABEL a=b\n\\\n  \\\n\t  LABEL c=d\n"
    labels = [i for i in parse_dockerfile(text).instructions if isinstance(i, ast.Label)]
    assert [(i.span.line, i.span.column) for i in labels] == [(3, 2), (6, 4)]
    plan = compile_dockerfile(text)
    assert plan.stages[0].config.labels == {"a": "b", "c": "d"}  # as `docker build` gives


def test_lone_escape_line_then_unknown_instruction_is_a_located_parse_error() -> None:
    assert error_of(LONE_ESCAPE_UNKNOWN) == (ParseError, "unknown instruction: ...';", "4:2")
    assert parse_findings(LONE_ESCAPE_UNKNOWN) == [
        ("DFC000", "unknown instruction: ...';", "4:2")]


def test_lint_reports_both_errors_around_a_lone_escape_line() -> None:
    assert error_of(LONE_ESCAPE_LABEL) == (
        ParseError, "unknown instruction: 'Complete.'", "5:2")
    assert parse_findings(LONE_ESCAPE_LABEL) == [
        ("DFC001", "unexpected end of statement while looking for matching double-quote",
         "3:1"),
        ("DFC000", "unknown instruction: 'Complete.'", "5:2"),
    ]


# An ONBUILD trigger is stored unchecked; one that is not a valid instruction used to
# reach `msgspec.structs.replace(None)` (TypeError) when a child stage ran it. BuildKit
# fails the child with the trigger's own parse error.
def test_invalid_trigger_of_a_base_stage_fails_with_its_parse_error() -> None:
    text = "FROM scratch AS b\nONBUILD COPY a\nFROM b\n"
    assert error_of(text) == (
        CompileError, "COPY requires at least two arguments, but only one was provided. "
        "Destination could not be determined", "2:1")
    assert parse_findings(text) == [(
        "DFC001", "COPY requires at least two arguments, but only one was provided. "
        "Destination could not be determined", "2:1")]


@pytest.mark.parametrize(("trigger", "message"), [
    ("HEALTHCHECK --interval=1s CMD", "Missing command after HEALTHCHECK CMD"),
    ("RUN", "RUN requires at least one argument"),
])
def test_invalid_trigger_of_a_base_image_fails_at_its_from(trigger: str, message: str) -> None:
    def resolver(ref: ImageRef) -> ImageConfig:
        return ImageConfig(on_build=(trigger,))

    assert error_of("FROM alpine\nRUN true\n", resolver=resolver) == (
        CompileError, message, "1:1")
