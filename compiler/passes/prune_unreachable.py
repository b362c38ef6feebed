"""prune_unreachable: mark the stages the target does not need.

Reachability follows FROM bases, `COPY --from` and `RUN --mount=from=` (including the
ones ONBUILD triggers added). Pruned stages stay in the plan (graphs show them greyed)
but are never lowered, so their errors never fire and their images are never pulled.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> text = "FROM alpine AS a\\nFROM alpine AS b\\nFROM alpine AS c\\nCOPY --from=a / /\\n"
>>> plan = compile_text(text, passes=PASSES[:5])
>>> [stage.reachable for stage in plan.stages]
[True, False, True]
"""

from __future__ import annotations

import msgspec

from dfc.compiler.context import CompileContext
from dfc.compiler.graph import plan_graph, stage_node
from dfc.compiler.ir import Plan


def prune_unreachable(plan: Plan, ctx: CompileContext) -> Plan:
    import networkx as nx

    target = stage_node(plan.target)
    needed = nx.ancestors(plan_graph(plan), target) | {target}
    return msgspec.structs.replace(
        plan,
        stages=tuple(
            msgspec.structs.replace(stage, reachable=stage_node(stage.index) in needed)
            for stage in plan.stages
        ),
    )
