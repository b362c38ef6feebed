"""Properties of the Plan: deterministic bytes, round trips, what cache keys see."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest

from dfc.cache.keys import keyed
from dfc.compiler.context import CompileContext
from dfc.compiler.graph import plan_graph, stage_generations
from dfc.compiler.ir import Copy, Mkdir, Plan, Run
from dfc.compiler.pipeline import PASSES, compile_text
from dfc.errors import CompileError


def plan_of(text: str, **options: object) -> Plan:
    ctx = CompileContext(build_platform="linux/amd64", **options)  # type: ignore[arg-type]
    return compile_text(text, ctx)


def step(plan: Plan, stage: int, at: int):  # any step type
    return plan.stages[stage].steps[at]


MULTI = """\
ARG V=1
FROM alpine AS a
ARG V
RUN --mount=type=cache,target=/c echo $V
FROM alpine AS unused
FROM a
COPY --from=a /x /y
LABEL k=v
"""


def test_encoding_is_deterministic() -> None:
    first = msgspec.json.encode(plan_of(MULTI, build_args={"V": "2", "W": "3"}))
    second = msgspec.json.encode(plan_of(MULTI, build_args={"W": "3", "V": "2"}))
    assert first == second


def test_plan_round_trips_through_json() -> None:
    plan = plan_of(MULTI)
    assert msgspec.json.decode(msgspec.json.encode(plan), type=Plan) == plan


def test_proxy_args_are_not_keyed() -> None:
    """Item 13: changing only a proxy value keeps the RUN's keyed view."""
    text = "FROM alpine\nRUN echo $HTTP_PROXY\n"
    one = step(plan_of(text, build_args={"HTTP_PROXY": "http://a"}), 0, 0)
    two = step(plan_of(text, build_args={"HTTP_PROXY": "http://b"}), 0, 0)
    assert one.proxy_env != two.proxy_env
    assert keyed(one) == keyed(two)
    assert "http://a" not in one.history.created_by


@pytest.mark.parametrize("meta", ["LABEL v=2", "EXPOSE 80", "CMD x", "STOPSIGNAL 9"])
def test_metadata_does_not_change_run_keys(meta: str) -> None:
    """Item 14: metadata before RUN leaves it cached."""
    base = step(plan_of("FROM alpine\nRUN make\n"), 0, 0)
    with_meta = step(plan_of(f"FROM alpine\n{meta}\nRUN make\n"), 0, 1)
    assert keyed(base) == keyed(with_meta)


@pytest.mark.parametrize("change", ["ENV A=1", "ARG A=1", "USER app", "WORKDIR /"])
def test_env_user_workdir_change_run_keys(change: str) -> None:
    base = step(plan_of("FROM alpine\nRUN make\n"), 0, 0)
    changed = step(plan_of(f"FROM alpine\n{change}\nRUN make\n"), 0, 1)
    assert isinstance(changed, Run)
    if change == "WORKDIR /":  # same directory as the default: same key
        assert keyed(base) == keyed(changed)
    else:
        assert keyed(base) != keyed(changed)


def test_env_does_not_change_copy_keys() -> None:
    """Item 14: env is not part of a COPY's key; an ARG used in its dest is."""
    base = step(plan_of("FROM alpine\nCOPY . /src\n"), 0, 0)
    env = step(plan_of("FROM alpine\nENV A=1\nCOPY . /src\n"), 0, 1)
    used = step(plan_of("FROM alpine\nARG D=/src\nCOPY . $D/x\n"), 0, 1)
    assert isinstance(env, Copy)
    assert keyed(base) == keyed(env)
    assert keyed(used)["dest"] == "/src/x"


def test_every_step_is_self_contained() -> None:
    """Each step carries the state it runs under, whatever came before."""
    plan = plan_of("FROM alpine\nUSER app\nWORKDIR /w\nENV X=1\nRUN id\n")
    run = step(plan, 0, 3)
    assert (run.state.user, run.state.workdir) == ("app", "/w")
    assert "X=1" in run.state.env
    mkdir = step(plan, 0, 1)
    assert isinstance(mkdir, Mkdir)
    assert mkdir.user == "app"


def test_graph_edges_and_generations_are_parallel() -> None:
    plan = plan_of(
        "FROM alpine AS one\nFROM alpine AS two\nFROM scratch\n"
        "COPY --from=one / /\nCOPY --from=two / /\n"
    )
    assert stage_generations(plan) == [[0, 1], [2]]
    kinds = {data["kind"] for _, _, data in plan_graph(plan).edges(data=True)}
    assert kinds == {"step", "copy-from"}


def test_unreachable_stage_errors_do_not_fire() -> None:
    """Item 28."""
    text = "FROM alpine AS a\nFROM alpine AS b\nWORKDIR ${X:?nope}\n"
    plan = plan_of(text, target="a")
    assert [s.reachable for s in plan.stages] == [True, False]
    with pytest.raises(CompileError, match="X: nope"):
        plan_of(text)


def test_resolver_is_called_only_for_reachable_stages() -> None:
    asked: list[str] = []

    def resolver(ref):
        asked.append(ref.name)

    plan_of("FROM one AS a\nFROM two AS b\nFROM three\nCOPY --from=a / /\n", resolver=resolver)
    assert sorted(asked) == ["one", "three"]


def test_building_imports_no_networkx_until_compiling() -> None:
    code = (
        "import sys, dfc.compiler.ir, dfc.compiler.context;"
        "assert 'networkx' not in sys.modules, 'ir imported networkx';"
        "import dfc.compiler.pipeline;"
        "assert 'networkx' not in sys.modules, 'pipeline imported networkx'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_secret_mounts_take_their_id_from_source_and_bare_required() -> None:
    from dfc.compiler.pipeline import compile_text

    plan = compile_text("FROM busybox\nRUN --mount=type=secret,source=tok,required "
                        "cat /run/secrets/tok\nRUN --mount=type=secret,id=a,required=false x\n")
    first, second = (step.mounts[0] for step in plan.stages[0].steps)
    assert (first.id, first.target, first.required) == ("tok", "/run/secrets/tok", True)
    assert (second.id, second.required) == ("a", False)


def test_resolved_stages_are_the_ones_the_target_needs() -> None:
    """The runtime builds `resolved_stages()`: each with its final config, none pruned."""
    plan = plan_of(MULTI)
    resolved = plan.resolved_stages()
    assert list(resolved) == [0, 2]
    assert resolved[2].config == plan.stages[2].config
    assert resolved[2].config.labels == {"k": "v"}
    partial = compile_text(MULTI, CompileContext(build_platform="linux/amd64"),
                           passes=PASSES[:-1])
    assert partial.resolved_stages() == {}
