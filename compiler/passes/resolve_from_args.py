"""resolve_from_args: evaluate the global ARGs and expand every FROM line with them.

FROM sees only the meta ARGs (global ARGs + automatic platform args), never stage
ARGs. The result is each stage's provisional base (`scratch` or an image; link_stages
turns earlier stage names into StageRefs) and its platform.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> from dfc.compiler.context import CompileContext
>>> ctx = CompileContext(platform="linux/arm64", build_platform="linux/amd64")
>>> text = "ARG TAG=3.20\\nFROM --platform=$BUILDPLATFORM alpine:$TAG\\n"
>>> plan = compile_text(text, ctx, passes=PASSES[:1])
>>> plan.stages[0].base, plan.stages[0].platform, plan.globals["TAG"]
(ImageRef(name='alpine:3.20', platform='linux/amd64'), 'linux/amd64', '3.20')
"""

from __future__ import annotations

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ImageRef, Plan, Scratch
from dfc.compiler.located import located
from dfc.compiler.platforms import platform_args
from dfc.compiler.scope import global_args
from dfc.errors import CompileError
from dfc.grammar.words import expand_word
from dfc.platform import parse_platform


def _target_stage(plan: Plan, ctx: CompileContext) -> str:
    """TARGETSTAGE: the --target value, else the last stage's name, else `default`."""
    if ctx.target is not None:
        return ctx.target
    return plan.stages[-1].name or "default"


def resolve_from_args(plan: Plan, ctx: CompileContext) -> Plan:
    automatic = platform_args(
        parse_platform(plan.build_platform),
        parse_platform(plan.platform),
        _target_stage(plan, ctx),
    )
    meta = global_args(plan.prelude, ctx.build_args, automatic, plan.escape)
    stages = []
    for stage in plan.stages:
        with located(stage.span):
            image = expand_word(stage.image, meta, plan.escape).value
            if not image:
                raise CompileError(f"base name ({stage.image}) should not be blank")
            platform = plan.platform
            if stage.platform_text is not None:
                text = expand_word(stage.platform_text, meta, plan.escape).value
                platform = str(parse_platform(text))
        base = Scratch() if image == "scratch" else ImageRef(name=image, platform=platform)
        stages.append(msgspec.structs.replace(stage, base=base, platform=platform))
    return msgspec.structs.replace(plan, stages=tuple(stages), prelude=(), globals=meta)
