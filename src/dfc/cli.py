"""The command line (typer). Thin: it parses options, calls the API, renders results.

This is the one place a DfcError becomes an exit code; any other exception is a bug and
shows a traceback only with --debug.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from dfc.errors import DfcError, StorageError

if TYPE_CHECKING:
    import click

app = typer.Typer(
    name="dfc",
    help="A Dockerfile compiler: parse, compile, lint, graph and build Dockerfiles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help is plain text: `os/arch[/variant]` is not a markup tag
)

STATE = {"debug": False}
INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]
    = False,
) -> None:
    STATE["debug"] = debug


class Runner:
    """This CLI as the daemon runs it: built once before forking, then one command per
    forked child (handed to the daemon, which does not import the CLI)."""

    def warm(self) -> None:
        list(command().commands.values())  # the lazy group builds (and keeps) every command

    def run(self, argv: list[str]) -> int:
        """`dfc ARGV` in this process; its exit code is returned instead of exiting."""
        sys.argv = ["dfc", *argv]
        try:
            main()
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0
            print(exc.code, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return INTERRUPTED
        return 0


def _register_commands() -> None:
    """The command modules, written out (no import-time discovery)."""
    from dfc.commands import (
        build,
        builder,
        container_images,
        containers,
        daemon,
        images,
        lint,
        plan,
        registry,
        system,
        transfer,
    )

    for module in (plan, build, lint, builder, images, containers, container_images,
                   transfer, registry, system):
        module.register(app)
    daemon.register(app, Runner())


_register_commands()


@functools.cache
def command() -> click.Group:
    """What `app()` runs, built once per process and each subcommand only when used."""
    from dfc.commands.lazy import lazy_group

    return lazy_group(app)


def main() -> None:
    """Console entry point: run the app and turn DfcError into a one-line message."""
    try:
        # Without standalone mode click returns (not raises) a typer.Exit's code, and
        # typer turns Ctrl-C into the code 130.
        code = command()(standalone_mode=False, prog_name="dfc")
        if code == INTERRUPTED:
            typer.echo("interrupted", err=True)
        if isinstance(code, int) and code:
            sys.exit(code)
    except DfcError as exc:
        typer.echo(exc.render(), err=True)
        sys.exit(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = exc.exit_code if isinstance(exc, typer.Exit) else exc.code
        sys.exit(code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        sys.exit(INTERRUPTED)
    except OSError as exc:
        if STATE["debug"]:
            raise
        if storage := StorageError.of(exc):
            typer.echo(storage.render(), err=True)
            sys.exit(storage.exit_code)
        if not isinstance(exc, PermissionError):
            _internal_error(exc)
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(f"error: permission denied{where} (dfc builds and unpacks images with "
                   "namespaces, mounts and file owners: run it as root)", err=True)
        sys.exit(1)
    except Exception as exc:  # the one place internal errors are shown
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        if STATE["debug"]:
            raise
        _internal_error(exc)


def _internal_error(exc: Exception) -> NoReturn:
    typer.echo(f"internal error: {exc!r} (run with --debug for a traceback)", err=True)
    sys.exit(70)
