"""`dfc lint`: lint Dockerfiles with the whole build in view.

The command line only: its options become a `dfc.lint.run.LintRequest`, and the run's
result the exit code. Files, config, the store and output formats are `dfc.lint`'s.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    tty = "tty"
    json = "json"
    sarif = "sarif"
    github = "github"
    checkstyle = "checkstyle"
    gnu = "gnu"


class Threshold(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    style = "style"
    none = "none"


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


def lint_command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Dockerfiles or folders to search (default: .), - for stdin.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.tty,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only these rules (codes, names, DL/BuildKit aliases, SC codes, "
        "ALL); repeatable or comma-separated.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", help="Skip these rules; repeatable or comma-separated.")] = None,
    threshold: Annotated[Threshold | None, typer.Option(
        "--failure-threshold", "-t", help="Lowest severity that fails (exit 1).")] = None,
    explain_code: Annotated[str | None, typer.Option(
        "--explain", help="Print the documentation of a rule and exit.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes in place.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the safe fixes as a diff; "
                                        "change nothing.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Config file (.dfc.toml, pyproject.toml or .hadolint.yaml); "
        "default: found by walking up from each Dockerfile.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Stage the build targets.")]
    = None,
    build_arg: Annotated[list[str] | None, typer.Option(
        "--build-arg", help="K=V build argument, as the build would get it.")] = None,
    context: Annotated[Path | None, typer.Option(
        "--context", help="Build context folder (default: the Dockerfile's folder).")] = None,
    root: Annotated[Path | None, typer.Option(
        "--root", envvar="DFC_ROOT", help="Image store for base-image-aware rules.")] = None,
    no_shellcheck: Annotated[bool, typer.Option(
        "--no-shellcheck", help="Skip the ShellCheck pass.")] = False,
) -> None:
    """Lint Dockerfiles: hadolint's and BuildKit's checks, ShellCheck on every RUN, and
    whole-build analysis (stages, ARG scope, secrets, cache order, base images)."""
    from dfc.commands.options import parse_key_values
    from dfc.compiler.lint.config import Overrides
    from dfc.lint.explain import explain
    from dfc.lint.run import LintRequest, run

    if explain_code is not None:
        typer.echo(explain(explain_code), nl=False)
        return
    overrides = Overrides(select=_split(select), ignore=_split(ignore),
                          threshold=threshold.value if threshold else None, target=target,
                          build_args=parse_key_values(build_arg or [], "--build-arg"),
                          shellcheck=not no_shellcheck)
    request = LintRequest(paths=paths or ["."], overrides=overrides, fmt=fmt.value,
                          config=config, context=context, root=root, fix=fix, diff=diff)
    code = run(request, lambda text: typer.echo(text, nl=False),
               lambda note: typer.echo(note, err=True))
    if code:
        sys.exit(code)  # findings at or above the threshold: not an error, a result
