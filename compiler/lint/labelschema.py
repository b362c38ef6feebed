"""The labels a shipped image gets, for the label-schema rules (DL3049-DL3058)."""

from __future__ import annotations

import re
from collections.abc import Callable

from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word
from dfc.source import Span


def labels(lint: Lint, stage: StageFacts) -> dict[str, tuple[str, Span]]:
    """Label key -> (value with quotes removed, span of the pair), over the stage chain."""
    found: dict[str, tuple[str, Span]] = {}
    for current in reversed(lint.chain(stage)):
        for node in current.instructions:
            if isinstance(node, ast.Label):
                for pair in node.pairs:
                    try:
                        key = expand_word(pair.key, {}, lint.tree.directives.escape).value
                        value = expand_word(pair.value, {}, lint.tree.directives.escape,
                                            skip_unset=True).value
                    except DfcError:
                        continue
                    found[key] = (value, pair.span)
    return found


def shipped(lint: Lint) -> StageFacts | None:
    return next((s for s in lint.stages if s.shipped), None)


def _rfc3339(value: str) -> bool:
    return re.fullmatch(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)",
                        value) is not None


# DFC217 stands for seven hadolint codes, one per label type (DL3051: empty value).
LABEL_VALUE_CODES = {"empty": "DL3051", "url": "DL3052", "rfc3339": "DL3053",
                     "spdx": "DL3054", "hash": "DL3055", "semver": "DL3056",
                     "email": "DL3058"}

CHECKS: dict[str, Callable[[str], bool]] = {
    "text": lambda v: True,
    "url": lambda v: re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.\-]*://\S+", v) is not None,
    "semver": lambda v: re.fullmatch(
        r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?",
        v) is not None,
    "hash": lambda v: re.fullmatch(r"[0-9a-f]{7,40}", v) is not None,
    "rfc3339": _rfc3339,
    "spdx": lambda v: re.fullmatch(r"[A-Za-z0-9.\-+]+(\s+(AND|OR|WITH)\s+[A-Za-z0-9.\-+()]+)*",
                                   v) is not None,
    "email": lambda v: re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", v) is not None,
}
