"""`dfc diff`, `pause`, `unpause`, `commit`, `export` and `cp`: what a container's
filesystem became, and images and files made from it (Docker's commands and output)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.commands.options import RootOpt, open_store

if TYPE_CHECKING:
    from dfc.runtime.containers.store import Container


def register(app: typer.Typer) -> None:
    from dfc.commands.containers import container_app

    for name, command in _COMMANDS.items():
        app.command(name)(command)
        container_app.command(name)(command)


def _find(root: RootOpt, ref: str) -> Container:
    from dfc.runtime.containers.store import ContainerStore

    return ContainerStore(open_store(root).root).find(ref)


def diff_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    root: RootOpt = None,
) -> None:
    """Show what changed in a container's filesystem (A added, C changed, D deleted)."""
    from dfc.runtime.containers.diff import container_changes

    found = _find(root, container)
    for change in container_changes(open_store(root), found):
        typer.echo(change.line())


def pause_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    root: RootOpt = None,
) -> None:
    """Freeze every process of running containers."""
    from dfc.commands.containers import _each
    from dfc.runtime.containers.pause import freeze

    _each(containers, root, freeze)


def unpause_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    root: RootOpt = None,
) -> None:
    """Let the processes of paused containers run again."""
    from dfc.commands.containers import _each
    from dfc.runtime.containers.pause import thaw

    _each(containers, root, thaw)


def commit_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    reference: Annotated[str | None, typer.Argument(help="REPOSITORY[:TAG]")] = None,
    author: Annotated[str, typer.Option("-a", "--author", help='Author (e.g. "Jane '
                                        'Doe <jane@example.com>").')] = "",
    message: Annotated[str, typer.Option("-m", "--message", help="Commit message.")] = "",
    change: Annotated[list[str] | None, typer.Option("-c", "--change", help="Apply a "
                                                     "Dockerfile instruction to the image."
                                                     )] = None,
    pause: Annotated[str, typer.Option("-p", "--pause", is_flag=False, flag_value="true",
                                       help="Pause the container while committing "
                                       "(--pause=false: do not).")] = "true",
    root: RootOpt = None,
) -> None:
    """Create a new image from a container's changes."""
    from dfc.runtime.containers.commit import CommitOptions, commit

    store = open_store(root)
    found = _find(root, container)
    image = commit(store, found, CommitOptions(
        author=author, message=message, changes=tuple(change or ()),
        pause=_boolean(pause, "--pause"), reference=reference))
    typer.echo(image.config.digest)


def _boolean(text: str, flag: str) -> bool:
    """A Go flag's boolean value (`--pause=false`), as pflag's strconv.ParseBool reads it."""
    from dfc.errors import UsageError

    words = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}
    value = words.get(text.lower())
    if value is None:
        raise UsageError(f'invalid argument "{text}" for "{flag}" flag: strconv.ParseBool: '
                         f'parsing "{text}": invalid syntax')
    return value


_COMMANDS: dict[str, Callable[..., None]] = {
    "diff": diff_command, "pause": pause_command, "unpause": unpause_command,
    "commit": commit_command,
}
