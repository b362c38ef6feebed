"""`dfc version` and `dfc completion bash|zsh|fish`: about the client itself."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from dfc.commands.options import FormatOpt

_VERSION_TEXT = """Client:
 Version:           {{.Client.Version}}
 Python version:    {{.Client.PythonVersion}}
 OS/Arch:           {{.Client.Os}}/{{.Client.Arch}}
"""


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def register(app: typer.Typer) -> None:
    app.command("version")(version_command)
    app.command("completion")(completion_command)


def version_info() -> dict[str, object]:
    """What `dfc version --format` sees: docker's shape (`.Client.Version`); `.Server` is
    null, dfc has no engine to ask."""
    import platform

    from dfc.platform import host_platform
    from dfc.version import VERSION

    host = host_platform()
    return {"Client": {"Version": VERSION, "PythonVersion": platform.python_version(),
                       "Os": host.os, "Arch": host.architecture},
            "Server": None}


def version_command(fmt: FormatOpt = None) -> None:
    """Show the dfc version information."""
    from dfc.commands.formatting import inspect_output

    typer.echo(inspect_output([version_info()], fmt or _VERSION_TEXT).rstrip("\n"))


def completion_command(
    shell: Annotated[Shell, typer.Argument(help="The shell to complete in.")],
) -> None:
    """Print the completion script for a shell, as `docker completion` does; e.g.
    `source <(dfc completion bash)`."""
    import click
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root().command  # the group `dfc` runs
    completer = get_completion_class(shell.value)
    assert completer is not None, "click ships bash, zsh and fish"
    sys.stdout.write(completer(root, {}, "dfc", "_DFC_COMPLETE").source())
