"""What `dfc lint` lints: files and folders on disk or stdin, each with its options."""

from __future__ import annotations

import sys
from pathlib import Path

from dfc.compiler.lint.config import LintConfig, Overrides, options
from dfc.compiler.lint.engine import FileInput
from dfc.compiler.lint.images import ImageLookup
from dfc.errors import UsageError
from dfc.lint.config import find_config, read_config
from dfc.lint.context import surroundings
from dfc.lint.discover import discover


def inputs(paths: list[str], config: Path | None, overrides: Overrides, context: Path | None,
           images: ImageLookup | None, given: LintConfig | None = None) -> list[FileInput]:
    """Every file to lint: named ones, Dockerfiles found under named folders, `-` for
    stdin; each with the options of its config (`given`, else the file `config`, else
    found walking up from its folder) and its surroundings."""
    if given is None and config is not None:
        given = read_config(config)
    find_config.cache_clear()  # configs may have changed since an earlier call in-process
    items = []
    for raw in paths:
        if raw == "-":
            text = sys.stdin.read()
            conf = given or find_config(Path.cwd().resolve())
            items.append(FileInput("-", text, options(conf, overrides),
                                   surroundings(None, context, images)))
            continue
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        files = list(discover(path)) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                raise UsageError(f"cannot read {file}: {exc.strerror}") from None
            conf = given or find_config(file.parent.resolve())
            items.append(FileInput(str(file), text, options(conf, overrides),
                                   surroundings(file, context, images)))
    return items
