"""pip install without --no-cache-dir (hadolint DL3042).

pip keeps every downloaded wheel in ~/.cache/pip, which then ships in the layer.
`PIP_NO_CACHE_DIR` (set by ENV or in the RUN) or a cache mount on the pip cache
exempts the RUN.

Catches:

    RUN pip install flask==3.0.3

Fix (safe): `pip install --no-cache-dir flask==3.0.3`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.fixes import insert_after
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import PIP, cache_mounted, installs, subcommand_word
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.variables import names_before

MESSAGE = "Avoid use of cache directory with pip: use `pip install --no-cache-dir <package>`"


def pip_no_cache_dir(lint: Lint) -> Iterator[Hit]:
    for stage, run, command in installs(lint, PIP):
        if has_option(command, "", ("no-cache-dir",)) or \
                cache_mounted(run, "/root/.cache/pip", "/root/.cache"):
            continue
        script = lint.script(run)
        if "PIP_NO_CACHE_DIR" in names_before(lint, stage, run) or \
                (script is not None and "PIP_NO_CACHE_DIR" in script.assigned) or \
                any(w.value.startswith("PIP_NO_CACHE_DIR=") for w in command.assigns):
            continue
        fix = insert_after(lint, run, subcommand_word(command, PIP), " --no-cache-dir",
                           "add --no-cache-dir")
        yield Hit(lint.span_in(run, command.start, command.end), MESSAGE, fix)
