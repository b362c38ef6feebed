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
    codeclimate = "codeclimate"  # this one and the ones below: --codes hadolint
    gitlab_codeclimate = "gitlab_codeclimate"
    codacy = "codacy"
    sonarqube = "sonarqube"
    junit = "junit"


class CodeSet(StrEnum):
    dfc = "dfc"
    hadolint = "hadolint"


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
    fmt: Annotated[Format | None, typer.Option("--format", "-f", help="Output format "
                                               "(default tty).")] = None,
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
        "--config", "-c", help="Config file (.dfc.toml, pyproject.toml or .hadolint.yaml); "
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
    codes: Annotated[CodeSet, typer.Option(
        "--codes", help="Codes and output shapes: dfc's, or hadolint's (DL/SC codes, "
        "hadolint's formats and HADOLINT_* variables; see also `dfc-hadolint`).")]
    = CodeSet.dfc,
    no_fail: Annotated[bool, typer.Option("--no-fail", help="Exit 0 whatever is found.")]
    = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Don't colorize output.")]
    = False,
    error: Annotated[list[str] | None, typer.Option(
        "--error", help="Give a rule the level error; repeatable.")] = None,
    warning: Annotated[list[str] | None, typer.Option(
        "--warning", help="Give a rule the level warning; repeatable.")] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", help="Give a rule the level info; repeatable.")] = None,
    style: Annotated[list[str] | None, typer.Option(
        "--style", help="Give a rule the level style; repeatable.")] = None,
    trusted_registry: Annotated[list[str] | None, typer.Option(
        "--trusted-registry", help="A registry FROM images may come from; repeatable.")]
    = None,
    require_label: Annotated[list[str] | None, typer.Option(
        "--require-label", help="A required label as name:type; repeatable.")] = None,
    strict_labels: Annotated[bool, typer.Option(
        "--strict-labels", help="No labels but the required ones.")] = False,
    disable_ignore_pragma: Annotated[bool, typer.Option(
        "--disable-ignore-pragma", help="Ignore inline suppression comments.")] = False,
) -> None:
    """Lint Dockerfiles: hadolint's and BuildKit's checks, ShellCheck on every RUN, and
    whole-build analysis (stages, ARG scope, secrets, cache order, base images)."""
    from dfc.commands.options import parse_key_values
    from dfc.errors import UsageError
    from dfc.lint.explain import explain
    from dfc.lint.formats import FORMATS
    from dfc.lint.hadolint import settings as hs
    from dfc.lint.hadolint.formats import FORMATS as HADOLINT_FORMATS
    from dfc.lint.run import LintRequest, run

    if explain_code is not None:
        typer.echo(explain(explain_code), nl=False)
        return
    hadolint = codes is CodeSet.hadolint
    cli = hs.Settings(
        no_fail=no_fail or None, no_color=no_color or None,
        format=fmt.value if fmt else None,
        overrides={"error": [*_split(error)], "warning": [*_split(warning)],
                   "info": [*_split(info)], "style": [*_split(style)]},
        ignored=list(_split(ignore)), trusted_registries=list(_split(trusted_registry)),
        label_schema=hs.label_schema(list(_split(require_label)), "--require-label"),
        strict_labels=strict_labels or None,
        disable_ignore_pragma=disable_ignore_pragma or None,
        failure_threshold=threshold.value if threshold else None)
    # hadolint's environment counts in its mode, under the command line
    given = hs.merge(hs.environment(), cli) if hadolint else cli
    fmt_name = given.format or "tty"
    if fmt_name not in (HADOLINT_FORMATS if hadolint else FORMATS):
        raise UsageError(f"--format {fmt_name} needs --codes "
                         f"{'dfc' if hadolint else 'hadolint'}")
    overrides = hs.overrides(
        given, codes.value, threshold.value if threshold else None, select=_split(select),
        target=target, build_args=parse_key_values(build_arg or [], "--build-arg"),
        shellcheck=not no_shellcheck)
    color = False if given.no_color else None
    request = LintRequest(paths=paths or ["."], overrides=overrides, fmt=fmt_name,
                          config=config, context=context, root=root, fix=fix, diff=diff,
                          color=color)
    code = run(request, lambda text: typer.echo(text, nl=False),
               lambda note: typer.echo(note, err=True))
    if code:
        sys.exit(code)  # findings at or above the threshold: not an error, a result
