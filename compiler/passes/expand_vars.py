"""expand_vars: lower every reachable stage's instructions to resolved steps.

Stages are walked in file order (a base is always an earlier stage), each starting
from its base's final config and ARG/ENV scope: an image's config (as resolve_bases
recorded it, default PATH added), scratch's, or the base stage's own result. Every instruction sees
one env snapshot; errors get its span.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> plan = compile_text("FROM scratch\\nENV a=1\\nENV a=2 b=$a\\nRUN echo $b\\n")
>>> plan.stages[0].steps[2].state.env
('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'a=2', 'b=1')
"""

from __future__ import annotations

import msgspec

from dfc.compiler.builder import SCRATCH_CONFIG, StageBuilder, env_scope, with_default_path
from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ConfigPatch, ImageConfig, Plan, Scratch, Stage, StageRef
from dfc.compiler.located import located
from dfc.compiler.lower import lower_instruction
from dfc.compiler.scope import Scope


def _start(stage: Stage, done: dict[int, StageBuilder]) -> tuple[ImageConfig, Scope]:
    """The config and scope a stage starts from; the base's OnBuild is not inherited. A
    stage a context replaced keeps the context's config as it is (a folder's: empty)."""
    if stage.replaced:
        config = ImageConfig() if stage.replaced == "folder" \
            else stage.base_config or ImageConfig()
        return config, env_scope(with_default_path(config))
    if isinstance(stage.base, StageRef):
        parent = done[stage.base.index]
        config, scope = with_default_path(parent.config), parent.scope.fork()
    else:
        base = SCRATCH_CONFIG if isinstance(stage.base, Scratch) else stage.base_config
        config = with_default_path(base or ImageConfig())
        scope = env_scope(config)
    return ConfigPatch(on_build=()).apply(config), scope


def expand_vars(plan: Plan, ctx: CompileContext) -> Plan:
    done: dict[int, StageBuilder] = {}
    stages = []
    for stage in plan.stages:
        if not stage.reachable:
            stages.append(stage)
            continue
        config, scope = _start(stage, done)
        builder = StageBuilder(plan, stage, ctx.build_args, scope, config)
        steps = []
        for instruction in stage.instructions:
            with located(instruction.span):
                steps.append(lower_instruction(instruction, builder))
        done[stage.index] = builder
        stages.append(
            msgspec.structs.replace(
                stage, instructions=(), steps=tuple(steps), config=builder.config
            )
        )
    return msgspec.structs.replace(plan, stages=tuple(stages))
