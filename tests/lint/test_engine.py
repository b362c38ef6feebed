"""The engine as a user sees it: recovery from parse errors, suppressions, selection,
severities."""

from __future__ import annotations

from collections.abc import Callable

from dfc.compiler.lint.engine import FileReport

Lint = Callable[..., FileReport]


def codes_at(report: FileReport) -> set[tuple[int, str]]:
    return {(f.span.line, f.code) for f in report.findings}


def test_parse_error_is_a_finding_and_the_rest_is_linted(lint: Lint) -> None:
    report = lint("FROM debian:12\nRUNN echo hi\nRUN cd /x\nFROM debian\n")
    found = codes_at(report)
    assert (2, "DFC000") in found
    assert (3, "DFC301") in found and (4, "DFC100") in found
    error = next(f for f in report.findings if f.code == "DFC000")
    assert "unknown instruction" in error.message and error.span.column == 1


def test_instruction_before_from_has_its_own_code(lint: Lint) -> None:
    assert (1, "DFC004") in codes_at(lint("LABEL a=b\nFROM debian:12\n"))


def test_compile_error_keeps_the_ast_rules(lint: Lint) -> None:
    report = lint(
        "FROM debian:12\nCOPY --from=later /a /b\nMAINTAINER me\nFROM debian:12 AS later\n"
    )
    assert {"DFC001", "DFC200"} <= {f.code for f in report.findings}


SUPPRESSED = """\
# hadolint global ignore=DL3059
FROM debian:12
# dfc ignore=cd-in-run  we really need it
RUN cd /x && make
# check=skip=JSONArgsRecommended
CMD make run
RUN cd /y
RUN echo a
"""


def test_suppressions_in_every_syntax(lint: Lint) -> None:
    found = codes_at(lint(SUPPRESSED))
    assert (4, "DFC301") not in found and (7, "DFC301") in found
    assert (6, "DFC201") not in found
    assert not any(code == "DFC222" for _, code in found)


def test_stage_suppression_covers_the_stage_only(lint: Lint) -> None:
    text = "# dfc stage ignore=DFC301\nFROM debian:12 AS a\nRUN cd /x\nFROM debian:12\nRUN cd /y\n"
    found = codes_at(lint(text))
    assert (3, "DFC301") not in found and (5, "DFC301") in found


def test_unused_and_unknown_suppressions_are_reported(lint: Lint) -> None:
    text = "FROM debian:12\n# dfc ignore=DFC301,NOPE\nRUN echo hi\n"
    messages = [f.message for f in lint(text).findings if f.code == "DFC002"]
    assert any("DFC301" in m and "suppresses nothing" in m for m in messages)
    assert any("NOPE" in m for m in messages)


def test_file_level_check_directive(lint: Lint) -> None:
    text = "# check=skip=MaintainerDeprecated\nFROM debian:12\nMAINTAINER me\n"
    assert not any(f.code == "DFC200" for f in lint(text).findings)


def test_pragmas_can_be_disabled(lint: Lint) -> None:
    report = lint(SUPPRESSED, config={"disable_ignore_pragma": True})
    assert (4, "DFC301") in codes_at(report)


def test_select_ignore_and_severity_by_any_name(lint: Lint) -> None:
    text = "FROM debian:12\nMAINTAINER me\nRUN cd /x\n"
    assert {f.code for f in lint(text, select=("DL4000",)).findings} == {"DFC200"}
    assert "DFC200" not in {f.code for f in lint(text, ignore=("MaintainerDeprecated",)).findings}
    report = lint(text, config={"severity": {"cd-in-run": "error"}})
    assert next(f for f in report.findings if f.code == "DFC301").severity.value == "error"


def test_threshold_decides_failure(lint: Lint) -> None:
    text = "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl=1\n"
    assert not lint(text, select=()).failed()
    assert lint("FROM debian:12\nRUN cd /x\n", select=()).failed()
    assert not lint("FROM debian:12\nRUN cd /x\n", select=(), threshold="error").failed()
