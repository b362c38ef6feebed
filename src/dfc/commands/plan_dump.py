"""`dfc compile` output: the Plan as JSON, or as text a person can review.

The text form lists, per stage, each step's history text, the fields its cache key
covers (`keyed`), and its state only where it changed, then the final image config.
It lives above the cache layer because it shows the cache key's view of each step.
"""

from __future__ import annotations

import msgspec

from dfc.cache.keys import keyed
from dfc.compiler.graph import stage_generations
from dfc.compiler.ir import AnyStep, Plan, Run, SetConfig, Stage, State
from dfc.compiler.labels import base_label, node_labels, step_label
from dfc.compiler.platforms import AUTOMATIC_ARGS
from dfc.source import Source

_ENCODER = msgspec.json.Encoder(order="deterministic")


def dump_json(plan: Plan) -> str:
    """The whole plan, deterministic, indented."""
    return msgspec.json.format(msgspec.json.encode(plan).decode(), indent=2) + "\n"


def _compact(value: object) -> str:
    return _ENCODER.encode(value).decode()


def _state_lines(state: State, before: State | None) -> list[str]:
    lines = []
    for name in state.__struct_fields__:
        value = getattr(state, name)
        if before is None or getattr(before, name) != value:
            lines.append(f"      {name}: {_compact(value)}")
    return lines


def _step_lines(step: AnyStep, before: State | None) -> list[str]:
    where = f"{step.span.line}:{step.span.column}"
    title = step.history.created_by if step.history else step_label(step)
    title = title.replace("\n", "\\n")
    lines = [f"  {where:<6} {title}"]
    lines += _state_lines(step.state, before)
    view = keyed(step)
    kind = view.pop("kind")
    view.pop("state", None)
    if isinstance(step, SetConfig):
        view = msgspec.to_builtins(step.patch)
    lines.append(f"      {kind}: {_compact(view)}")
    if isinstance(step, Run) and step.proxy_env:
        lines.append(f"      proxy_env (not keyed): {_compact(step.proxy_env)}")
    return lines


def _stage_lines(plan: Plan, stage: Stage, source: Source | None) -> list[str]:
    flags = [stage.platform] if stage.platform else []
    if stage.index == plan.target:
        flags.append("target")
    if not stage.reachable:
        flags.append("pruned")
    lines = [f"stage {stage.index} {stage.id}: {base_label(stage)} ({', '.join(flags)})"]
    if stage.deps:
        deps = ", ".join(
            f"{d.kind} {plan.stages[d.stage].id}" + ("" if d.at is None else f" @{d.at}")
            for d in stage.deps
        )
        lines.append(f"  needs: {deps}")
    if stage.triggers:
        lines.append(f"  onbuild triggers: {stage.triggers}")
    if stage.config is None:
        lines += [f"  {i.span.line}:{i.span.column:<4} {label}" for i, label in
                  zip(stage.instructions, node_labels(stage, source), strict=True)]
        return lines
    before: State | None = None
    for step in stage.steps:
        lines += _step_lines(step, before)
        before = step.state
    lines.append(f"  config: {_compact(stage.config)}")
    return lines


def dump_text(plan: Plan, source: Source | None = None) -> str:
    """A readable listing of the plan (see the module docstring); `source` gives the
    text of instructions not lowered yet."""
    lines = [
        f"target: {plan.stages[plan.target].id}",
        f"platform: {plan.platform} (build: {plan.build_platform})",
        f"parallel: {stage_generations(plan)}",
    ]
    declared = {k: v for k, v in plan.globals.items() if k not in AUTOMATIC_ARGS}
    if declared:
        lines.append(f"global args: {_compact(declared)}")
    for stage in plan.stages:
        lines.append("")
        lines += _stage_lines(plan, stage, source)
    return "\n".join(lines) + "\n"
