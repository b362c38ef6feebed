"""`dfc parse`, `dfc compile`, `dfc graph`: the AST, the resolved plan and its picture."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.commands.options import parse_key_values
from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.compiler.ir import Plan
    from dfc.source import Source


def register(app: typer.Typer) -> None:
    app.command("parse")(parse_command)
    app.command("compile")(compile_command)
    app.command("graph")(graph_command)


class ParseFormat(StrEnum):
    json = "json"
    text = "text"
    buildkit = "buildkit"


def read_input(path: str) -> tuple[bytes, str]:
    """Bytes and display name of FILE, or of stdin for `-`."""
    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(path).read_bytes(), path
    except OSError as exc:
        raise DfcError(f"cannot read {path}: {exc.strerror}") from None


def parse_command(
    file: Annotated[str, typer.Argument(help="Dockerfile to parse, or - for stdin.")]
    = "Dockerfile",
    fmt: Annotated[ParseFormat, typer.Option("--format", help="Output format.")] = ParseFormat.text,
) -> None:
    """Print the typed AST of a Dockerfile (`--format buildkit`: the nodes of BuildKit's
    parser layer, before any instruction check, as its parser tests print them)."""
    from dfc.grammar.dump import dump_json, dump_text
    from dfc.grammar.parser import parse_dockerfile

    data, name = read_input(file)
    if fmt is ParseFormat.buildkit:
        from dfc.grammar.nodes import dump_nodes, parse_nodes

        typer.echo(dump_nodes(parse_nodes(data, name)), nl=False)
        return
    tree = parse_dockerfile(data, name)
    typer.echo(dump_json(tree) if fmt is ParseFormat.json else dump_text(tree), nl=False)


class CompileFormat(StrEnum):
    json = "json"
    text = "text"


class GraphFormat(StrEnum):
    dot = "dot"
    json = "json"
    mermaid = "mermaid"


FileArg = Annotated[str, typer.Argument(help="Dockerfile, or - for stdin.")]
FileOpt = Annotated[str | None, typer.Option("-f", "--file", help="Dockerfile (overrides FILE).")]
BuildArgOpt = Annotated[
    list[str] | None, typer.Option("--build-arg", help="Build-time variable K=V (repeatable).")
]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Stage to build.")]
PlatformOpt = Annotated[str | None, typer.Option("--platform", help="Target platform.")]


def compile_file(
    file: str, dockerfile: str | None, build_arg: list[str] | None, target: str | None,
    platform: str | None,
) -> tuple[Plan, Source]:
    """Read and compile the chosen Dockerfile; also returns its Source for labels."""
    from dfc import compile_dockerfile
    from dfc.source import Source

    data, name = read_input(dockerfile or file)
    plan = compile_dockerfile(
        data, name, build_args=parse_key_values(build_arg or [], "--build-arg"),
        target=target, platform=platform,
    )
    return plan, Source(name, data.decode("utf-8", "replace"))


def compile_command(
    file: FileArg = "Dockerfile",
    dockerfile: FileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    platform: PlatformOpt = None,
    fmt: Annotated[CompileFormat, typer.Option("--format", help="Output format.")]
    = CompileFormat.text,
) -> None:
    """Print the resolved build plan: stages, steps, their state and history."""
    from dfc.commands.plan_dump import dump_json, dump_text

    plan, source = compile_file(file, dockerfile, build_arg, target, platform)
    typer.echo(dump_json(plan) if fmt is CompileFormat.json else dump_text(plan, source), nl=False)


def graph_command(
    file: FileArg = "Dockerfile",
    dockerfile: FileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    platform: PlatformOpt = None,
    dot: Annotated[bool, typer.Option("--dot", help="Same as --format dot.")] = False,
    fmt: Annotated[GraphFormat, typer.Option("--format", help="Output format.")]
    = GraphFormat.dot,
    prune: Annotated[bool, typer.Option("--prune", help="Hide unreachable stages.")] = False,
) -> None:
    """Print the stage graph: one cluster per stage, one node per step, dependency
    edges; stages the target does not need are greyed (hidden with --prune)."""
    from dfc.compiler.graph import to_dot, to_json, to_mermaid

    plan, source = compile_file(file, dockerfile, build_arg, target, platform)
    render = {GraphFormat.dot: to_dot, GraphFormat.json: to_json, GraphFormat.mermaid: to_mermaid}
    typer.echo(render[GraphFormat.dot if dot else fmt](plan, source, prune), nl=False)
