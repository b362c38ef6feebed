"""resolve_bases: record the config of every reachable stage's base image.

expand_vars starts each stage FROM an image with this config; unreachable stages keep
none (their bases are never resolved, so never pulled). The resolver is asked once per
image in a compilation (the pipeline remembers its answers), so this pass and
expand_onbuild, which reads the same configs for their ONBUILD triggers, share one
lookup.

>>> from dfc.compiler.context import CompileContext
>>> from dfc.compiler.ir import ImageConfig
>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> ctx = CompileContext(resolver=lambda ref: ImageConfig(user=ref.name))
>>> plan = compile_text("FROM a AS unused\\nFROM b\\n", ctx, passes=PASSES[:6])
>>> [stage.base_config and stage.base_config.user for stage in plan.stages]
[None, 'b']
"""

from __future__ import annotations

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ImageRef, Plan


def resolve_bases(plan: Plan, ctx: CompileContext) -> Plan:
    return msgspec.structs.replace(plan, stages=tuple(
        msgspec.structs.replace(stage, base_config=ctx.base_config(stage.base))
        if stage.reachable and isinstance(stage.base, ImageRef) else stage
        for stage in plan.stages))
