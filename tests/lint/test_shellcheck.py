"""The ShellCheck pass: every finding, at its exact place, with the real shell and scope.

`shellcheck` itself is the oracle: the expected findings below are what it reports
on the script as the shell runs it (reference §1.3's sample, where hadolint keeps one
finding at column 1 of the RUN's first line).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from dfc.compiler.lint.engine import FileReport
from dfc.lint import shellcheck

pytestmark = pytest.mark.skipif(not shellcheck.available(), reason="needs shellcheck")
Lint = Callable[..., FileReport]


def sc(report: FileReport) -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.code) for f in report.findings
            if f.code.startswith("SC")]


CONTINUED = """\
FROM debian:12
RUN echo $A \\
 && ls *.txt \\
 && echo `date` \\
 && cd /x
"""


def test_every_finding_of_a_continued_run_at_its_line(lint: Lint) -> None:
    found = sc(lint(CONTINUED, select=("SC",), shellcheck=True))
    assert found == [(2, 10, "SC2086"), (3, 8, "SC2035"), (4, 10, "SC2005"),
                     (4, 10, "SC2006"), (4, 10, "SC2046"), (5, 5, "SC2164")]


def test_matches_shellcheck_on_the_script(lint: Lint) -> None:
    script = "echo $A  && ls *.txt  && echo `date`  && cd /x\n"
    proc = subprocess.run(["shellcheck", "-s", "sh", "-f", "gcc", "-"], input=script,
                          capture_output=True, text=True, check=False)
    oracle = sorted(line.rsplit("[", 1)[1].rstrip("]") for line in proc.stdout.splitlines()
                    if "SC2154" not in line)
    assert sorted(code for _, _, code in sc(lint(CONTINUED, select=("SC",),
                                                  shellcheck=True))) == oracle


HEREDOC = """\
FROM debian:12
ARG NAME=x
RUN <<EOF
#!/bin/bash
echo $NAME $undefined
[[ -n $NAME ]] && cd /tmp
EOF
RUN echo ok
"""


def test_heredoc_body_with_its_shebang_shell_and_scope(lint: Lint) -> None:
    found = sc(lint(HEREDOC, select=("SC",), shellcheck=True))
    assert (5, 6, "SC2086") in found  # $NAME: quoting advice still given
    assert (5, 12, "SC2154") in found  # $undefined is not in scope
    assert not any(code == "SC2154" and col == 6 for _, col, code in found)
    assert not any(code == "SC3010" for *_, code in found)  # [[ ]] is fine in bash


def test_stage_shell_is_used(lint: Lint) -> None:
    sh = "FROM debian:12\nRUN [[ -n \"$HOME\" ]] && echo y\n"
    bash = 'FROM debian:12\nSHELL ["/bin/bash", "-c"]\nRUN [[ -n "$HOME" ]] && echo y\n'
    assert any(code == "SC3010" for *_, code in sc(lint(sh, select=("SC",), shellcheck=True)))
    assert not sc(lint(bash, select=("SC",), shellcheck=True))


def test_one_shellcheck_call_for_all_runs_of_a_file(
    lint: Lint, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = subprocess.Popen

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(shellcheck.subprocess, "Popen", counting)
    lint(CONTINUED + "RUN echo $B\nRUN ls *.log\n", select=("SC",), shellcheck=True)
    assert len(calls) == 1


def test_missing_shellcheck_is_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    from dfc.compiler.lint.config import LintConfig, Overrides, options
    from dfc.compiler.lint.engine import FileInput
    from dfc.compiler.lint.rule import Surroundings
    from dfc.lint.engine import lint_files

    monkeypatch.setattr(shellcheck.shutil, "which", lambda name: None)
    notes: list[str] = []
    item = FileInput("Dockerfile", CONTINUED, options(LintConfig(), Overrides()), Surroundings())
    report = lint_files([item], notes.append)[0]
    assert len(notes) == 1 and "skipped" in notes[0]
    assert not any(f.code.startswith("SC") for f in report.findings)
    assert any(f.code == "DFC301" for f in report.findings)


def test_sc_codes_can_be_suppressed(lint: Lint) -> None:
    text = "FROM debian:12\n# hadolint ignore=SC2086\nRUN echo $A\n"
    assert not sc(lint(text, select=("SC",), shellcheck=True))


def test_heredoc_fed_to_a_shell_command(lint: Lint) -> None:
    text = "FROM debian:12\nRUN <<EOF bash\n[[ -n \"$HOME\" ]] && cd /tmp\nEOF\n"
    report = lint(text, select=("SC", "DFC301"), shellcheck=True)
    assert not any(code == "SC3010" for *_, code in sc(report))  # checked as bash
    assert (3, "DFC301") in {(f.span.line, f.code) for f in report.findings}


def test_shell_pragma_turns_the_pass_off_for_powershell(lint: Lint) -> None:
    text = "FROM mcr.microsoft.com/powershell:7.4\n# hadolint shell=pwsh\nRUN echo $A | x\n"
    report = lint(text, select=("SC", "DFC331"), shellcheck=True)
    assert report.findings == []
