"""Build the `Lint` facts of one file: parse what parses, compile what compiles.

Compiling for lint lowers every stage, not only the reachable ones (rules must see
dead stages too), but keeps the reachability the target implies. A compile error is a
finding, and the AST rules run anyway.
"""

from __future__ import annotations

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ImageConfig, ImageRef, Plan
from dfc.compiler.lint.rule import Lint, Settings, StageFacts, Surroundings
from dfc.compiler.passes.expand_vars import expand_vars
from dfc.compiler.pipeline import PASSES, compile_ast
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.source import Source


def _context(settings: Settings, surroundings: Surroundings) -> CompileContext:
    lookup = surroundings.images

    def resolver(ref: ImageRef) -> ImageConfig | None:
        image = lookup(ref.name) if lookup is not None else None
        return image.config if image is not None else None

    return CompileContext(build_args=settings.build_args, target=settings.target,
                          resolver=resolver if lookup is not None else None)


def compile_for_lint(tree: ast.Dockerfile, ctx: CompileContext
                     ) -> tuple[Plan | None, tuple[bool, ...], DfcError | None]:
    """The plan with every stage lowered when possible (else only the reachable ones;
    else none, stages linked only), each stage's reachability, and the compile error."""
    try:
        linked = compile_ast(tree, ctx, [p for p in PASSES if p is not expand_vars])
    except DfcError as exc:
        return None, (), exc
    reachable = tuple(stage.reachable for stage in linked.stages)
    everything = msgspec.structs.replace(linked, stages=tuple(
        msgspec.structs.replace(stage, reachable=True) for stage in linked.stages))
    try:
        return expand_vars(everything, ctx), reachable, None
    except DfcError:
        pass  # an unreachable stage that cannot lower: lint the reachable ones alone
    try:
        return expand_vars(linked, ctx), reachable, None
    except DfcError as exc:
        return linked, reachable, exc


def build_lint(source: Source, parsed: str, tree: ast.Dockerfile, settings: Settings,
               surroundings: Surroundings) -> tuple[Lint, DfcError | None]:
    """The facts of a file; `parsed` is the text `tree` came from (the source with the
    instructions that failed to parse blanked)."""
    plan, reachable, error = compile_for_lint(tree, _context(settings, surroundings))
    groups: list[tuple[ast.From, list[ast.AnyInstruction]]] = []
    for node in tree.instructions:
        if isinstance(node, ast.From):
            groups.append((node, []))
        elif groups:
            groups[-1][1].append(node)
    target = plan.target if plan is not None else len(groups) - 1
    stages = []
    for index, (node, instructions) in enumerate(groups):
        compiled = plan.stages[index] if plan is not None else None
        stages.append(StageFacts(
            index=index, node=node, instructions=tuple(instructions),
            reachable=reachable[index] if reachable else True,
            shipped=index == target,
            base=compiled.base if compiled is not None else None,
            steps=compiled.steps or None if compiled is not None else None,
            triggers=compiled.triggers if compiled is not None else 0,
        ))
    lint = Lint(source, tree, plan, tuple(stages), settings, surroundings, parsed)
    return lint, error
