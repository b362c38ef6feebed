"""The command line (typer). Thin: it parses options, calls the API, renders results.

This is the one place a DfcError becomes an exit code; any other exception is a bug and
shows a traceback only with --debug.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dfc.errors import DfcError

app = typer.Typer(
    name="dfc",
    help="A Dockerfile compiler: parse, compile, lint, graph and build Dockerfiles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

STATE = {"debug": False}


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]
    = False,
) -> None:
    STATE["debug"] = debug


class ParseFormat(StrEnum):
    json = "json"
    text = "text"


def read_input(path: str) -> tuple[bytes, str]:
    """Bytes and display name of FILE, or of stdin for `-`."""
    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(path).read_bytes(), path
    except OSError as exc:
        raise DfcError(f"cannot read {path}: {exc.strerror}") from None


@app.command("parse")
def parse_command(
    file: Annotated[str, typer.Argument(help="Dockerfile to parse, or - for stdin.")]
    = "Dockerfile",
    fmt: Annotated[ParseFormat, typer.Option("--format", help="Output format.")] = ParseFormat.text,
) -> None:
    """Print the typed AST of a Dockerfile."""
    from dfc.grammar.dump import dump_json, dump_text
    from dfc.grammar.parser import parse_dockerfile

    data, name = read_input(file)
    tree = parse_dockerfile(data, name)
    typer.echo(dump_json(tree) if fmt is ParseFormat.json else dump_text(tree), nl=False)


def main() -> None:
    """Console entry point: run the app and turn DfcError into a one-line message."""
    try:
        app(standalone_mode=False)
    except DfcError as exc:
        typer.echo(exc.render(), err=True)
        sys.exit(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = exc.exit_code if isinstance(exc, typer.Exit) else exc.code
        sys.exit(code)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the one place internal errors are shown
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(2)
        if STATE["debug"]:
            raise
        typer.echo(f"internal error: {exc!r} (run with --debug for a traceback)", err=True)
        sys.exit(70)
