"""Options every store command shares."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.errors import UsageError

if TYPE_CHECKING:
    from dfc.cache.store import Store

RootOpt = Annotated[Path | None, typer.Option("--root", envvar="DFC_ROOT", help="Store folder.")]
FormatOpt = Annotated[str | None, typer.Option("--format", help="Format output with a Go "
                                               "template, as docker's --format: table, json, "
                                               "{{.Field}}, {{range}}, {{printf}}...")]

InspectFormatOpt = Annotated[str | None, typer.Option("-f", "--format", help="Format output "
                                                      "with a Go template (or json), as "
                                                      "docker's.")]


def open_store(root: Path | None) -> Store:
    from dfc.cache.store import Store

    return Store(root)


def parse_key_values(items: Sequence[str], what: str) -> dict[str, str]:
    """`K=V` options (`--build-arg`, `--label`); a bare `K` takes its value from the
    environment, or is skipped when unset, as docker does."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise UsageError(f"invalid {what}: {item!r} (expected KEY=VALUE)")
        if sep:
            values[key] = value
        elif key in os.environ:
            values[key] = os.environ[key]
    return values
