"""expand_onbuild: insert the base's ONBUILD triggers at the start of each stage.

Triggers come from a base stage's own ONBUILD instructions or from a base image's
`Config.OnBuild` (through `ctx.resolver`, which this pass asks only about stages
reachable from the target: unreachable bases are never resolved; resolve_bases records
the configs expand_vars starts from). Each
trigger is re-parsed alone with the default `\\` escape, gets the span of its ONBUILD
line (stage base) or of the FROM line (image base), and may add stage dependencies,
which can make more stages reachable; the walk continues until nothing new is found.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> text = "FROM alpine AS base\\nONBUILD RUN make\\nFROM base\\nRUN test\\n"
>>> plan = compile_text(text, passes=PASSES[:3])
>>> child = plan.stages[1]
>>> child.triggers, [i.keyword for i in child.instructions], child.instructions[0].span
(1, ['RUN', 'RUN'], Span(line=2, column=1, end_line=2, end_column=17))
"""

from __future__ import annotations

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import Dep, ImageRef, Plan, Stage, StageRef
from dfc.compiler.passes.link_stages import instruction_deps
from dfc.errors import CompileError, DfcError
from dfc.grammar import ast
from dfc.source import Span


def parse_trigger(text: str, span: Span) -> ast.AnyInstruction:
    """One trigger as its own instruction (the parser rejects ONBUILD/FROM/MAINTAINER
    triggers); errors point at `span`."""
    from dfc.compiler.checks import parse_checked

    try:
        onbuild = parse_checked(f"FROM scratch\nONBUILD {text}\n", "ONBUILD").instructions[1]
        assert isinstance(onbuild, ast.Onbuild)
        # The parser keeps a trigger that does not parse as None; parsed alone, it raises.
        trigger = onbuild.trigger or parse_checked(f"FROM scratch\n{text}\n",
                                                   "ONBUILD").instructions[1]
    except DfcError as exc:
        raise CompileError(exc.message, span) from None
    return msgspec.structs.replace(trigger, span=span)


def _triggers(plan: Plan, stage: Stage, ctx: CompileContext) -> list[ast.AnyInstruction]:
    """The trigger instructions for `stage`: none for a stage a context replaced (it is
    not dispatched); a stage built on one runs the context image's OnBuild, which
    nothing has consumed."""
    if stage.replaced:
        return []
    if isinstance(stage.base, StageRef):
        base = plan.stages[stage.base.index]
        if base.replaced and isinstance(base.base, ImageRef):
            config = ctx.base_config(base.base)
            return [parse_trigger(text, stage.span) for text in config.on_build] \
                if config is not None else []
        return [
            parse_trigger(i.text, i.span)
            for i in base.instructions
            if isinstance(i, ast.Onbuild)
        ]
    if isinstance(stage.base, ImageRef):
        config = ctx.base_config(stage.base)
        if config is not None:
            return [parse_trigger(text, stage.span) for text in config.on_build]
    return []


def expand_onbuild(plan: Plan, ctx: CompileContext) -> Plan:
    stages = list(plan.stages)
    todo, seen = [plan.target], set()
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        stage = stages[index]
        triggers = _triggers(plan, stage, ctx)
        if triggers:
            current = msgspec.structs.replace(plan, stages=tuple(stages))
            shifted = [
                d if d.at is None else msgspec.structs.replace(d, at=d.at + len(triggers))
                for d in stage.deps
            ]
            new: list[Dep] = instruction_deps(current, stage, triggers)
            stage = msgspec.structs.replace(
                stage,
                instructions=(*triggers, *stage.instructions),
                triggers=len(triggers),
                deps=(*[d for d in shifted if d.kind == "base"], *new,
                      *[d for d in shifted if d.kind != "base"]),
            )
        stages[index] = stage
        todo += sorted({dep.stage for dep in stage.deps}, reverse=True)
    return msgspec.structs.replace(plan, stages=tuple(stages))
