"""Options every store command shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from dfc.cache.store import Store

RootOpt = Annotated[Path | None, typer.Option("--root", envvar="DFC_ROOT", help="Store folder.")]
FormatOpt = Annotated[str | None, typer.Option("--format", help="Go-template output format "
                                               "({{.Field}}, {{json .}}, table ...).")]


def open_store(root: Path | None) -> Store:
    from dfc.cache.store import Store

    return Store(root)
