"""link_stages: turn stage names into StageRefs and record every stage dependency.

A FROM naming an earlier stage (exactly, lowercase) builds on it and inherits its
platform; `COPY --from` and `RUN --mount=from=` add `copy-from`/`mount-from` deps.
Reference errors (bad index, copy from a later stage, expanded --from) fire here for
every stage, reachable or not, as in BuildKit.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> plan = compile_text("FROM alpine AS a\\nFROM a\\nCOPY --from=A /x /y\\n", passes=PASSES[:2])
>>> plan.stages[1].base, [(d.kind, d.stage, d.at) for d in plan.stages[1].deps]
(StageRef(index=0, name='a'), [('base', 0, None), ('copy-from', 0, 0)])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import Dep, ImageRef, Plan, Ref, Stage, StageRef
from dfc.compiler.located import located
from dfc.compiler.refs import base_ref, copy_from_ref, mount_from_ref
from dfc.grammar import ast


def instruction_deps(
    plan: Plan, stage: Stage, instructions: Sequence[ast.AnyInstruction], offset: int = 0
) -> list[Dep]:
    """The copy-from / mount-from deps of `instructions`, numbered from `offset`."""
    deps = []
    for at, instruction in enumerate(instructions, start=offset):
        with located(instruction.span):
            refs: list[tuple[Literal["copy-from", "mount-from"], Ref]] = []
            if isinstance(instruction, ast.Copy) and instruction.from_ is not None:
                ref = copy_from_ref(instruction.from_, plan, stage, plan.escape)
                refs.append(("copy-from", ref))
            if isinstance(instruction, ast.Run):
                for mount in instruction.mounts:
                    value = mount.get("from")
                    if value:
                        refs.append(("mount-from", mount_from_ref(value, plan, stage)))
        deps += [Dep(kind=kind, stage=ref.index, at=at)
                 for kind, ref in refs if isinstance(ref, StageRef)]
    return deps


def replaced(stage: Stage, ctx: CompileContext) -> Stage:
    """`stage` made into its `--build-context`: FROM the context, with no instructions
    (BuildKit dispatches none of them, nor resolves the stage's own base)."""
    assert stage.name is not None
    return msgspec.structs.replace(
        stage, base=ImageRef(name=stage.name, platform=stage.platform), instructions=(),
        replaced="folder" if stage.name in ctx.folder_contexts else "image")


def link_stages(plan: Plan, ctx: CompileContext) -> Plan:
    stages: list[Stage] = []
    for stage in plan.stages:
        if stage.name is not None and stage.name in ctx.contexts:
            stages.append(replaced(stage, ctx))
            continue
        deps: list[Dep] = []
        base = stage.base
        platform = stage.platform
        if isinstance(base, ImageRef):
            base = base_ref(base.name, plan, stage)
        if isinstance(base, StageRef):
            deps.append(Dep(kind="base", stage=base.index))
            if stage.platform_text is None:
                platform = stages[base.index].platform
        linked = msgspec.structs.replace(stage, base=base, platform=platform)
        deps += instruction_deps(plan, linked, stage.instructions)
        stages.append(msgspec.structs.replace(linked, deps=tuple(deps)))
    return msgspec.structs.replace(plan, stages=tuple(stages))
