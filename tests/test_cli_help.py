"""Every command's `--help` renders: help texts pass through rich markup, where a stray
`[/x]` is a closing tag (it made `dfc pull --help` an internal error)."""

from __future__ import annotations

import contextlib
import io

import click
import pytest
import typer.main

from dfc import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


ROOT = typer.main.get_command(cli.app)
assert isinstance(ROOT, click.Group)


@pytest.mark.parametrize("path", command_paths(ROOT), ids=" ".join)
def test_help_renders(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        ROOT([*path, "--help"], prog_name="dfc", standalone_mode=True)
    assert exited.value.code == 0
    assert f"Usage: dfc {' '.join(path)}" in out.getvalue()
