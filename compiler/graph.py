"""The networkx view of a Plan and its renderings (Graphviz DOT, JSON, Mermaid).

Node `s<i>` is stage i's result; `s<i>_<j>` its j-th step (or instruction, for stages
not lowered). Steps chain into their stage node; a dependency points from the stage
it needs to the first step (`base`) or to the step using it (`copy-from`,
`mount-from`). This module is the only one that imports networkx, and only when a
graph is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from dfc.compiler.labels import base_label, node_labels

if TYPE_CHECKING:
    import networkx as nx

    from dfc.compiler.ir import Plan
    from dfc.source import Source

EDGE_STYLE = {
    "base": 'style=bold, label="base"',
    "copy-from": 'style=dashed, label="copy"',
    "mount-from": 'style=dotted, label="mount"',
}
MERMAID_ARROW = {"base": "==>", "copy-from": "-.->", "mount-from": "-.->"}


def stage_node(index: int) -> str:
    return f"s{index}"


def step_node(index: int, at: int) -> str:
    return f"s{index}_{at}"


def _size(plan: Plan, index: int) -> int:
    stage = plan.stages[index]
    return len(stage.steps) or len(stage.instructions)


def _entry(plan: Plan, index: int, at: int | None) -> str:
    """The node a dependency edge enters: the step using it, or the stage's first."""
    if at is None:
        return step_node(index, 0) if _size(plan, index) else stage_node(index)
    return step_node(index, at)


def plan_graph(plan: Plan) -> nx.DiGraph[str]:
    """Build the DiGraph; edges carry `kind` (`step`, `base`, `copy-from`, `mount-from`)."""
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    for stage in plan.stages:
        node = stage_node(stage.index)
        graph.add_node(node, kind="stage", stage=stage.index)
        chain = [step_node(stage.index, at) for at in range(_size(plan, stage.index))]
        for at, step in enumerate(chain):
            graph.add_node(step, kind="step", stage=stage.index, at=at)
        for a, b in zip(chain, [*chain[1:], node], strict=False):
            graph.add_edge(a, b, kind="step")
    for stage in plan.stages:
        for dep in stage.deps:
            graph.add_edge(stage_node(dep.stage), _entry(plan, stage.index, dep.at),
                           kind=dep.kind)
    return graph


def stage_generations(plan: Plan) -> list[list[int]]:
    """Reachable stages in groups that can build in parallel, in dependency order."""
    import networkx as nx

    graph: nx.DiGraph[int] = nx.DiGraph()
    for stage in plan.stages:
        if stage.reachable:
            graph.add_node(stage.index)
            graph.add_edges_from((dep.stage, stage.index) for dep in stage.deps)
    return [sorted(group) for group in nx.topological_generations(graph)]


def _visible(plan: Plan, prune: bool) -> list[int]:
    return [s.index for s in plan.stages if s.reachable or not prune]


def _edges(plan: Plan, shown: list[int]) -> list[tuple[str, str, str, bool]]:
    """(from, to, kind, whether the dependent stage is reachable) for shown stages."""
    return [
        (stage_node(dep.stage), _entry(plan, stage.index, dep.at), dep.kind, stage.reachable)
        for stage in plan.stages
        if stage.index in shown
        for dep in stage.deps
        if dep.stage in shown
    ]


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(plan: Plan, source: Source | None = None, prune: bool = False) -> str:
    """Graphviz DOT: one cluster per stage (name and base), one node per step; pruned
    stages greyed (or left out with `prune`)."""
    shown = _visible(plan, prune)
    lines = [
        "digraph dfc {",
        "  compound=true;",
        '  node [shape=box, style=rounded, fontname="monospace", fontsize=10];',
        '  edge [fontname="monospace", fontsize=9];',
    ]
    for index in shown:
        stage = plan.stages[index]
        grey = "" if stage.reachable else ", color=grey, fontcolor=grey"
        title = f"{stage.id}\\n{_dot_text(base_label(stage))}"
        lines.append(f"  subgraph cluster_{stage_node(index)} {{")
        lines.append(f'    label="{title}";')
        lines.append("    style=dashed; color=grey; fontcolor=grey;" if not stage.reachable
                     else '    style=rounded; color="#4a6fa5";')
        target = ", peripheries=2" if index == plan.target else ""
        lines.append(f'    {stage_node(index)} [label="{_dot_text(stage.id)}", shape=oval'
                     f"{target}{grey}];")
        for at, label in enumerate(node_labels(stage, source)):
            lines.append(f'    {step_node(index, at)} [label="{_dot_text(label)}"{grey}];')
        lines.append("  }")
    for index in shown:
        chain = [step_node(index, at) for at in range(_size(plan, index))]
        for a, b in zip(chain, [*chain[1:], stage_node(index)], strict=False):
            lines.append(f"  {a} -> {b};")
    for a, b, kind, reachable in _edges(plan, shown):
        grey = "" if reachable else ", color=grey, fontcolor=grey"
        lines.append(f"  {a} -> {b} [{EDGE_STYLE[kind]}{grey}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(plan: Plan, source: Source | None = None, prune: bool = False) -> str:
    """A Mermaid flowchart with the same nodes and edges as `to_dot`."""
    shown = _visible(plan, prune)
    lines = ["flowchart TD", "  classDef pruned fill:#eee,color:#999,stroke:#bbb"]
    pruned: list[str] = []
    for index in shown:
        stage = plan.stages[index]
        title = _mermaid_text(f"{stage.id}: {base_label(stage)}")
        lines.append(f'  subgraph {stage_node(index)}_cluster["{title}"]')
        lines.append(f'    {stage_node(index)}(["{_mermaid_text(stage.id)}"])')
        nodes = [stage_node(index)]
        for at, label in enumerate(node_labels(stage, source)):
            lines.append(f'    {step_node(index, at)}["{_mermaid_text(label)}"]')
            nodes.append(step_node(index, at))
        lines.append("  end")
        if not stage.reachable:
            pruned += nodes
    for index in shown:
        chain = [step_node(index, at) for at in range(_size(plan, index))]
        for a, b in zip(chain, [*chain[1:], stage_node(index)], strict=False):
            lines.append(f"  {a} --> {b}")
    for a, b, kind, _ in _edges(plan, shown):
        lines.append(f"  {a} {MERMAID_ARROW[kind]}|{kind}| {b}")
    if pruned:
        lines.append(f"  class {','.join(pruned)} pruned")
    return "\n".join(lines) + "\n"


class _Node(msgspec.Struct, frozen=True):
    id: str
    label: str


class _Stage(msgspec.Struct, frozen=True):
    index: int
    name: str
    base: str
    reachable: bool
    nodes: tuple[_Node, ...]


class _Edge(msgspec.Struct, frozen=True, rename={"source": "from", "dest": "to"}):
    source: str
    dest: str
    kind: str


class _Graph(msgspec.Struct, frozen=True):
    target: int
    generations: list[list[int]]
    stages: tuple[_Stage, ...]
    edges: tuple[_Edge, ...]


def to_json(plan: Plan, source: Source | None = None, prune: bool = False) -> str:
    """The graph as JSON: stages with their step nodes, dependency edges, and the
    parallel build generations."""
    shown = _visible(plan, prune)
    graph = _Graph(
        target=plan.target,
        generations=stage_generations(plan),
        stages=tuple(
            _Stage(
                index=index,
                name=plan.stages[index].id,
                base=base_label(plan.stages[index]),
                reachable=plan.stages[index].reachable,
                nodes=tuple(
                    _Node(step_node(index, at), label)
                    for at, label in enumerate(node_labels(plan.stages[index], source))
                ),
            )
            for index in shown
        ),
        edges=tuple(_Edge(a, b, kind) for a, b, kind, _ in _edges(plan, shown)),
    )
    return msgspec.json.format(msgspec.json.encode(graph).decode(), indent=2) + "\n"
