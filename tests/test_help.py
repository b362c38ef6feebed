"""Every command's `--help` renders, as the installed `dfc` prints it: help text is plain
text, never rich markup (`os/arch[/variant]` once crashed `dfc pull --help`)."""

from __future__ import annotations

import os
import subprocess

import click
import pytest
import typer.main

from dfc import cli


def _paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _paths(command, (*prefix, name))
    return found


COMMANDS = _paths(typer.main.get_command(cli.app))  # type: ignore[arg-type]


def test_the_walk_finds_nested_commands() -> None:
    assert ("build",) in COMMANDS and ("image", "prune") in COMMANDS
    assert ("manifest", "create") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_renders(path: tuple[str, ...], dfc_cmd: list[str]) -> None:
    done = subprocess.run([*dfc_cmd, *path, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100", "DFC_NO_DAEMON": "1"})
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert done.stderr == ""
