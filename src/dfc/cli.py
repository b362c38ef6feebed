"""The command line (typer). Thin: it parses options, calls the API, renders results.

This is the one place a DfcError becomes an exit code; any other exception is a bug and
shows a traceback only with --debug.
"""

from __future__ import annotations

import contextlib
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
    suggest_commands=False,  # click itself suggests a close command name since 8.2
)

STATE = {"debug": False}
INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def _print_version(wanted: bool) -> None:
    if wanted:
        from dfc.version import VERSION

        typer.echo(f"dfc version {VERSION}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]
    = False,
    version: Annotated[bool, typer.Option("--version", "-v", is_eager=True, callback=_print_version,
                                          help="Print version information and quit.")] = False,
) -> None:
    STATE["debug"] = debug


class Runner:
    """This CLI as the daemon runs it: built once before forking, then one command per
    forked child (handed to the daemon, which does not import the CLI)."""

    def warm(self) -> None:
        list(command().commands.values())  # the lazy group builds (and keeps) every command
        from dfc.runtime.registry import rehearsal, tls

        tls.warm()  # the system CA store, which every registry command would parse
        with contextlib.suppress(Exception):  # only a warm-up: commands do it themselves
            rehearsal.rehearse()

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
        about,
        build,
        builder,
        container_images,
        container_manage,
        containers,
        daemon,
        images,
        lint,
        plan,
        registry,
        system,
        transfer,
        volumes,
    )

    for module in (plan, build, lint, builder, images, containers, container_manage,
                   container_images, transfer, registry, system, volumes, about):
        module.register(app)
    daemon.register(app, Runner())


_register_commands()


@functools.cache
def command() -> click.Group:
    """What `app()` runs, built once per process and each subcommand only when used."""
    from dfc.commands.lazy import lazy_group

    return lazy_group(app)


def usage_exit_code(exc: click.UsageError) -> int:
    """docker's codes: 125 for a flag it cannot parse, 1 for an unknown command or a
    missing or extra argument."""
    import click

    if isinstance(exc, click.NoSuchOption | click.BadOptionUsage):
        return 125
    if isinstance(exc, click.NoSuchCommand | click.BadArgumentUsage):
        return 1
    if isinstance(exc, click.MissingParameter | click.BadParameter) and exc.param is not None:
        return 1 if isinstance(exc.param, click.Argument) else 125
    return 125


def _complete_shell() -> None:
    """Answer a completion request from the script `dfc completion SHELL` printed, with
    click's completion (typer's own is switched off: add_completion=False)."""
    import os

    instruction = os.environ.get("_DFC_COMPLETE")
    if instruction:
        from click.shell_completion import shell_complete

        sys.exit(shell_complete(command(), {}, "dfc", "_DFC_COMPLETE", instruction))


def main() -> None:
    """Console entry point: run the app and turn DfcError into a one-line message."""
    _complete_shell()
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

        if isinstance(exc, click.exceptions.NoArgsIsHelpError):
            typer.echo(exc.format_message())  # `dfc`, `dfc image`: help, as docker's (exit 0)
            sys.exit(0)
        if isinstance(exc, click.UsageError):
            exc.show()
            sys.exit(usage_exit_code(exc))
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if STATE["debug"]:
            raise
        _internal_error(exc)


def _internal_error(exc: Exception) -> NoReturn:
    typer.echo(f"internal error: {exc!r} (run with --debug for a traceback)", err=True)
    sys.exit(70)
