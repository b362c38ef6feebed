"""The lazy root group (dfc.commands.lazy) behaves as the group typer builds eagerly."""

from __future__ import annotations

import contextlib
import io

import pytest
import typer.main

from dfc import cli
from dfc.commands.lazy import lazy_group

ARGVS = [["--help"], [], ["build", "--help"], ["image", "--help"], ["image"],
         ["manifest", "create", "--help"], ["biuld"], ["image", "prnue"]]


def run(command, argv: list[str]) -> tuple[object, str, str]:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = command(argv, prog_name="dfc", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_same_output_as_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert run(lazy_group(cli.app), argv) == run(typer.main.get_command(cli.app), argv)


def test_builds_only_the_invoked_command() -> None:
    group = lazy_group(cli.app)
    run(group, ["build", "--help"])
    assert set(group.commands.built) == {"build"}  # type: ignore[attr-defined]
    assert list(group.commands) == list(typer.main.get_command(cli.app).commands)
