"""`dfc rename`, `attach`, `top` and `container prune`: Docker's commands, messages and exit
codes over the containers of the store (the lifecycle commands are in containers.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.commands.options import RootOpt, open_store
from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.runtime.containers.store import Container


def register(app: typer.Typer) -> None:
    from dfc.commands.containers import container_app

    top_settings = {"allow_interspersed_args": False, "ignore_unknown_options": True}
    for name, command, settings in (("rename", rename_command, {}),
                                    ("attach", attach_command, {}),
                                    ("top", top_command, top_settings)):
        app.command(name, context_settings=settings)(command)
        container_app.command(name, context_settings=settings)(command)
    container_app.command("prune")(prune_command)


def rename_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    new_name: Annotated[str, typer.Argument(help="Its new name.")],
    root: RootOpt = None,
) -> None:
    """Rename a container."""
    from dfc.runtime.containers.errors import ContainerError
    from dfc.runtime.containers.names import check_name
    from dfc.runtime.containers.store import ContainerStore

    if not container or not new_name:
        raise ContainerError("Neither old nor new names may be empty", exit_code=1)
    cstore = ContainerStore(open_store(root).root)
    found = cstore.find(container)
    new = new_name.removeprefix("/")
    try:
        check_name("/" + new)
    except ContainerError:
        raise ContainerError(f"Error when allocating new name: Invalid container name (/{new}),"
                             " only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", exit_code=1) from None
    if new == found.name:
        raise ContainerError("Renaming a container with the same name as its current name",
                             exit_code=1)
    cstore.rename(found, new)


def attach_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    no_stdin: Annotated[bool, typer.Option("--no-stdin", help="Do not attach stdin.")]
    = False,
    sig_proxy: Annotated[bool, typer.Option("--sig-proxy/--no-sig-proxy", help="Send the "
                                            "signals this command gets to the container.")]
    = True,
    detach_keys: Annotated[str | None, typer.Option("--detach-keys", help="Keys that "
                                                    "detach (default ctrl-p,ctrl-q).")]
    = None,
    root: RootOpt = None,
) -> None:
    """Attach this terminal's input and output to a running container: its output from now
    on, typed input to its stdin (when it was started with -i), its exit code at the end."""
    from dfc.runtime.containers import engine, listener, session
    from dfc.runtime.containers.attach import FrameReader
    from dfc.runtime.containers.errors import ContainerError
    from dfc.runtime.containers.store import ContainerStore

    keys = session.parse_detach_keys(detach_keys or session.DEFAULT_DETACH_KEYS)
    cstore = ContainerStore(open_store(root).root)
    found = cstore.find(container)
    stopped = ContainerError("You cannot attach to a stopped container, start it first",
                             exit_code=1)
    if found.state.status != "running" or not found.supervisor_alive():
        raise stopped
    sock = listener.connect(found.folder)
    if sock is None:
        raise stopped
    config = found.record.config
    with sock:
        code = session.relay(sock, stdin=config.open_stdin and not no_stdin, tty=config.tty,
                             reader=FrameReader(), pending=[], detach_keys=keys,
                             send_eof=config.stdin_once, proxy=sig_proxy)
    if code == session.DETACHED:
        print("read escape sequence", file=sys.stderr, flush=True)
        raise SystemExit(1)
    if code == session.LOST:  # the supervisor ended as we came: its record has the code
        code = engine.wait_exit(cstore, found)
    raise SystemExit(code)


def top_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    ps_args: Annotated[list[str] | None, typer.Argument(help="ps options (default -ef).")]
    = None,
    root: RootOpt = None,
) -> None:
    """The processes of a running container, as `ps` on the host shows them."""
    from dfc.commands.formatting import tabulate
    from dfc.runtime.containers.errors import ContainerError
    from dfc.runtime.containers.processes import container_pids, ps_rows
    from dfc.runtime.containers.store import ContainerStore

    found = ContainerStore(open_store(root).root).find(container)
    pids = container_pids(found.state.pid) if found.state.status == "running" \
        and found.supervisor_alive() else set()
    if not pids:
        raise ContainerError(f"Container {found.id} is not running", exit_code=1)
    typer.echo(tabulate(ps_rows(list(ps_args or ["-ef"]), pids), min_width=20), nl=False)


def prune_command(
    force: Annotated[bool, typer.Option("-f", "--force", help="Do not prompt for "
                                        "confirmation.")] = False,
    filter_: Annotated[list[str] | None, typer.Option(
        "--filter", help="until=<time>, label=<key>[=<value>], label!=<key>[=<value>]")]
    = None,
    root: RootOpt = None,
) -> None:
    """Remove all stopped containers."""
    from dfc.commands.formatting import human_size

    matches = _prune_filter(list(filter_ or []))
    if not force:
        typer.echo("WARNING! This will remove all stopped containers.")
        typer.echo("Are you sure you want to continue? [y/N] ", nl=False)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            return
    deleted, reclaimed = prune_stopped(open_store(root), matches)
    if deleted:
        typer.echo("Deleted Containers:")
        for cid in deleted:
            typer.echo(cid)
        typer.echo("")
    typer.echo(f"Total reclaimed space: {human_size(reclaimed)}")


def prune_stopped(store: Store, matches: Callable[[Container], bool] = lambda _: True
                  ) -> tuple[list[str], int]:
    """Remove the containers that are not running (nor paused) and match; their IDs and
    the bytes of their writable layers."""
    from dfc.runtime.containers import engine
    from dfc.runtime.containers.store import ContainerStore

    deleted, reclaimed = [], 0
    for container in ContainerStore(store.root).all():
        if container.state.status in ("running", "paused", "restarting") \
                and container.supervisor_alive() or not matches(container):
            continue
        size = _upper_size(container)
        try:
            engine.remove(store, container)
        except DfcError:  # it started meanwhile: not stopped any more
            continue
        deleted.append(container.id)
        reclaimed += size
    return deleted, reclaimed


def _prune_filter(filters: list[str]) -> Callable[[Container], bool]:
    """The predicate of `--filter`s, checked before anything is removed (docker's errors)."""
    from functools import partial

    from dfc.commands.containers import _since
    from dfc.runtime.containers.errors import ContainerError

    checks: list[Callable[[Container], bool]] = []
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep:
            raise ContainerError(f"bad format of filter (expected name=value): {item}",
                                 exit_code=1)
        if key == "until":
            try:
                limit = _since(value)  # (both RFC 3339 in UTC with nanoseconds: comparable)
            except DfcError:
                raise ContainerError(f"invalid filter 'until={value}'", exit_code=1) from None
            checks.append(partial(_created_before, limit))
        elif key in ("label", "label!"):
            checks.append(partial(_labelled, value, key == "label"))
        else:
            raise ContainerError(f"Invalid filter '{key}'", exit_code=1)
    return lambda c: all(check(c) for check in checks)


def _created_before(limit: str, container: Container) -> bool:
    return container.record.created < limit


def _labelled(wanted: str, present: bool, container: Container) -> bool:
    """`label=KEY[=VALUE]` (present) or `label!=KEY[=VALUE]` (absent)."""
    key, has_value, value = wanted.partition("=")
    labels = container.record.config.labels
    return (key in labels and (not has_value or labels[key] == value)) == present


def _upper_size(container: Container) -> int:
    """The bytes of its writable layer: what removing it gives back."""
    import os

    total = 0
    for folder, _, files in os.walk(container.upper):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total
