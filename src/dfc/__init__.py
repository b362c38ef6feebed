"""dfc: a Dockerfile compiler.

The package root stays import-light: the build path must not pay for lark or networkx
when the cache already knows the answer, so the public API imports lazily.
"""

from __future__ import annotations

from dfc.version import VERSION as __version__

# Not `from typing import TYPE_CHECKING`: every command (and the daemon client) imports
# this package first, and typing alone costs ~10 ms; type checkers know this idiom.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from dfc.compiler.context import Resolver
    from dfc.compiler.ir import Plan
    from dfc.grammar.ast import Dockerfile

__all__ = ["__version__", "compile_dockerfile", "parse"]


def parse(text: str | bytes, filename: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile text into its typed AST at BuildKit's parser layer (raises
    ParseError); instructions only its instruction layer refuses are `rejected` nodes,
    and compiling fails on them."""
    from dfc.grammar.parser import parse_dockerfile

    return parse_dockerfile(text, filename)


def compile_dockerfile(
    text: str | bytes,
    filename: str = "Dockerfile",
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    platform: str | None = None,
    resolver: Resolver | None = None,
) -> Plan:
    """Parse and compile Dockerfile text into its resolved Plan (raises ParseError or
    CompileError). `resolver` maps a base image to its config (None: unknown)."""
    from dfc.compiler.context import CompileContext
    from dfc.compiler.pipeline import compile_text

    ctx = CompileContext(
        build_args=dict(build_args or {}), target=target, platform=platform, resolver=resolver
    )
    return compile_text(text, ctx, filename)
