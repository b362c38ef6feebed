"""The pass pipeline: the one place the order of the compiler passes is written down."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dfc.compiler.checks import check_instructions
from dfc.compiler.context import CompileContext
from dfc.compiler.ir import Plan
from dfc.compiler.lower import lower
from dfc.compiler.passes.check_cycles import check_cycles
from dfc.compiler.passes.expand_onbuild import expand_onbuild
from dfc.compiler.passes.expand_vars import expand_vars
from dfc.compiler.passes.link_stages import link_stages
from dfc.compiler.passes.prune_unreachable import prune_unreachable
from dfc.compiler.passes.resolve_bases import resolve_bases
from dfc.compiler.passes.resolve_from_args import resolve_from_args
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.source import Source

Pass = Callable[[Plan, CompileContext], Plan]

PASSES: tuple[Pass, ...] = (
    resolve_from_args,
    link_stages,
    expand_onbuild,
    check_cycles,
    prune_unreachable,
    resolve_bases,
    expand_vars,
)


def compile_ast(
    dockerfile: ast.Dockerfile, ctx: CompileContext, passes: Sequence[Pass] = PASSES
) -> Plan:
    """Make the instruction layer's checks on a parsed Dockerfile, lower it and run
    `passes` over it (each base image resolved once)."""
    check_instructions(dockerfile)
    ctx = ctx.resolving_once()
    plan = lower(dockerfile, ctx)
    for step in passes:
        plan = step(plan, ctx)
    return plan


def compile_text(
    text: str | bytes,
    ctx: CompileContext | None = None,
    filename: str = "Dockerfile",
    passes: Sequence[Pass] = PASSES,
) -> Plan:
    """Parse and compile; errors carry the source so they render with an excerpt.

    >>> plan = compile_text("FROM alpine\\nRUN make\\n")
    >>> plan.stages[0].steps[0].argv
    ('/bin/sh', '-c', 'make')
    """
    from dfc.grammar.parser import parse_dockerfile

    dockerfile = parse_dockerfile(text, filename)
    source = Source(filename, text if isinstance(text, str) else text.decode("utf-8", "replace"))
    try:
        return compile_ast(dockerfile, ctx or CompileContext(), passes)
    except DfcError as exc:
        raise exc.located(None, source) from None
