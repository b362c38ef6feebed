"""dfc: a Dockerfile compiler.

The package root stays import-light: the build path must not pay for lark or networkx
when the cache already knows the answer, so the public API imports lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dfc.grammar.ast import Dockerfile

__all__ = ["parse"]


def parse(text: str | bytes, filename: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile text into its typed AST (raises ParseError)."""
    from dfc.grammar.parser import parse_dockerfile

    return parse_dockerfile(text, filename)
