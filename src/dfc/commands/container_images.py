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
    pause: Annotated[str, typer.Option("--pause", help="Pause the container while "
                                       "committing (default true; --pause=false: do not)."
                                       )] = "true",
    pause_flag: Annotated[bool, typer.Option("-p", help="Pause the container while "
                                             "committing (the default).")] = False,
    root: RootOpt = None,
) -> None:
    """Create a new image from a container's changes."""
    from dfc.runtime.containers.commit import CommitOptions, commit

    store = open_store(root)
    found = _find(root, container)
    image = commit(store, found, CommitOptions(
        author=author, message=message, changes=tuple(change or ()),
        pause=pause_flag or _boolean(pause, "--pause"), reference=reference))
    typer.echo(image.config.digest)


def export_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    output: Annotated[str | None, typer.Option("-o", "--output", help="Write to a file "
                                               "instead of standard output.")] = None,
    root: RootOpt = None,
) -> None:
    """Export a container's filesystem as a tar archive (`dfc import` reads it back)."""
    import os
    import sys
    import tempfile
    from pathlib import Path

    from dfc.errors import DfcError
    from dfc.runtime.containers.export import export

    store = open_store(root)
    found = _find(root, container)
    if output in (None, "-"):
        if sys.stdout.isatty():
            raise DfcError("cowardly refusing to save to a terminal. Use the -o flag or "
                           "redirect")
        export(store, found, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            export(store, found, stream)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def cp_command(
    source: Annotated[str, typer.Argument(help="CONTAINER:SRC_PATH, a host path or -.")],
    destination: Annotated[str, typer.Argument(help="CONTAINER:DEST_PATH, a host path "
                                               "or -.")],
    archive: Annotated[bool, typer.Option("-a", "--archive", help="Keep the owners (uid "
                                          "and gid) of what is copied in.")] = False,
    follow_link: Annotated[bool, typer.Option("-L", "--follow-link", help="Follow a "
                                              "link the source path names.")] = False,
    root: RootOpt = None,
) -> None:
    """Copy files between a container and the host (a tar on - in or out)."""
    import sys

    from dfc.runtime.containers.copy import CopyError, copy_in, copy_out, split_argument

    src_ref, src = split_argument(source)
    dest_ref, dest = split_argument(destination)
    if src_ref is not None and dest_ref is not None:
        raise CopyError("copying between containers is not supported")
    if src_ref is None and dest_ref is None:
        raise CopyError("must specify at least one container source")
    store = open_store(root)
    if src_ref is not None:
        copy_out(store, _find(root, src_ref), src_ref, src, dest, sys.stdout.buffer,
                 follow_link)
        sys.stdout.buffer.flush()
    else:
        assert dest_ref is not None
        copy_in(store, _find(root, dest_ref), dest_ref, src, dest, archive, sys.stdin.buffer,
                follow_link)


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
    "commit": commit_command, "export": export_command, "cp": cp_command,
}
