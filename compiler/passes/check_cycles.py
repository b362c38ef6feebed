"""check_cycles: reject stages that depend on themselves, directly or not.

Copies must come from earlier stages, but `RUN --mount=from=` may name any stage, and a
stage may name itself. Like BuildKit, the error names the first stage in file order
from which a cycle can be reached.

>>> from dfc.compiler.pipeline import PASSES, compile_text
>>> compile_text("FROM alpine AS a\\nRUN --mount=from=b,target=/b true\\nFROM alpine AS b\\n"
...              "RUN --mount=from=a,target=/a true\\n")
Traceback (most recent call last):
dfc.errors.CompileError: Dockerfile:1:1: error: circular dependency detected on stage: a
...
"""

from __future__ import annotations

from dfc.compiler.context import CompileContext
from dfc.compiler.graph import plan_graph, stage_node
from dfc.compiler.ir import Plan
from dfc.errors import CompileError


def check_cycles(plan: Plan, ctx: CompileContext) -> Plan:
    import networkx as nx

    graph = plan_graph(plan)
    cyclic = set()
    for component in nx.strongly_connected_components(graph):
        node = next(iter(component))
        if len(component) > 1 or graph.has_edge(node, node):
            cyclic |= component
    for stage in plan.stages:
        node = stage_node(stage.index)
        # types-networkx: `_dispatchable` declares its graph as Graph[object], which is
        # invariant, so no typed DiGraph fits.
        if node in cyclic or cyclic & nx.ancestors(graph, node):  # type: ignore[arg-type]
            raise CompileError(f"circular dependency detected on stage: {stage.id}", stage.span)
    return plan
