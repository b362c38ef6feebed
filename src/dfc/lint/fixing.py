"""`--fix` and `--diff`: the safe fixes of a file applied to its text, and the diff
that shows them."""

from __future__ import annotations

import difflib

import msgspec

from dfc.compiler.lint.engine import FileInput
from dfc.compiler.lint.fixes import apply_edits
from dfc.lint.engine import lint_files


def fixed(item: FileInput) -> tuple[str, int]:
    """The text with every safe fix applied (a few rounds: fixes that overlapped one
    already applied get their turn once it is in), and how many were applied."""
    text, total = item.text, 0
    for _ in range(4):
        report = lint_files([msgspec.structs.replace(item, text=text)])[0]
        edits = [e for f in report.findings if f.fix is not None for e in f.fix.edits]
        if not edits:
            break
        text, applied = apply_edits(text, edits)
        total += applied
    return text, total


def unified_diff(name: str, before: str, after: str) -> str:
    """What `--diff` prints for one file (`a/NAME`, `b/NAME` headers, as git does)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))
