"""Name resolution for FROM, `COPY --from` and `RUN --mount=from=` (reference section 4).

Each rule differs slightly: FROM matches earlier stage names exactly, `--from` accepts
stage indexes and matches names case-insensitively, mounts match names only. Whatever
is not a stage is an image reference. `link_stages` and the step lowering share these.
"""

from __future__ import annotations

from dfc.compiler.ir import ImageRef, Plan, Ref, Scratch, Stage, StageRef
from dfc.errors import CompileError
from dfc.grammar.words import expand_word

FROM_EXPANSION = (
    "variable expansion is not supported for --from, define a new stage with FROM "
    "using ARG from global scope as a workaround"
)


def stage_ref(stage: Stage) -> StageRef:
    return StageRef(index=stage.index, name=stage.id)


def base_ref(image: str, plan: Plan, current: Stage) -> Ref:
    """What `FROM image` (already expanded) builds on: scratch, an earlier stage whose
    (lowercase) name equals `image` exactly, else an image."""
    if image == "scratch":
        return Scratch()
    for stage in plan.stages[: current.index]:
        if stage.name is not None and stage.name == image:
            return stage_ref(stage)
    return ImageRef(name=image, platform=current.platform)


def _named(plan: Plan, name: str) -> Stage | None:
    wanted = name.lower()
    return next((s for s in plan.stages if s.name is not None and s.name == wanted), None)


def copy_from_ref(value: str, plan: Plan, current: Stage, escape: str) -> Ref:
    """`COPY --from=value`: a stage index, a stage name (defined before `current`), or an
    image. The value is never expanded: anything the lexer would change is an error."""
    if expand_word(value, {}, escape).value != value:
        raise CompileError(FROM_EXPANSION)
    if value.isdigit():
        index = int(value)
        if index >= len(plan.stages):
            raise CompileError(f"invalid stage index {index}")
        stage: Stage | None = plan.stages[index]
    else:
        stage = _named(plan, value)
    if stage is None:
        return ImageRef(name=value, platform=current.platform)
    if stage.index > current.index:
        raise CompileError(
            f'cannot copy from stage "{value}", it needs to be defined before current '
            f'stage "{current.id}"'
        )
    return stage_ref(stage)


def mount_from_ref(value: str, plan: Plan, current: Stage) -> Ref:
    """`RUN --mount=from=value`: a stage name (any position; cycles are checked
    later), else an image. No index form."""
    stage = _named(plan, value)
    if stage is None:
        return ImageRef(name=value, platform=current.platform)
    return stage_ref(stage)
