"""The cache benchmarks' scenarios, as exactness tests: on small versions of the generated
contexts (bench/gen_contexts.py), every rebuild executes exactly the steps its change
reaches. The benchmarks time these same sequences; here nothing is timed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.gc import prune
from dfc.cache.store import Store
from dfc.runtime import events

from .conftest import BusyboxImage, busybox_store_copy

# slow: each scenario builds its project several times
pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCALE = 0.005
"""App: 10 files of 125 bytes; big file: 1 MB; ignored tree: ~0.8 MB."""


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_contexts", BENCH / "gen_contexts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_contexts", module)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def executed(store: Store, context: Path, build_args: dict[str, str], only_stage: str
             ) -> set[str]:
    """The labels (`stage position`) of the steps one build executed (as BuildKit, dfc
    leaves the stage name out of a one-stage Dockerfile's steps: that is `only_stage`)."""
    recorded: list[events.AnyEvent] = []
    build(BuildRequest(context=str(context), build_args=build_args), store, recorded.append)
    names = {e.step: e.name for e in recorded if isinstance(e, events.Started)}
    labels = set()
    for e in recorded:
        if isinstance(e, events.Done):
            inside = names[e.step].removeprefix("[").split("]", 1)[0].split()
            stage, position = inside if len(inside) == 2 else (only_stage, inside[0])
            labels.add(f"{stage} {position.split('/')[0]}")
    return labels


def run_scenarios(name: str, busybox_image: BusyboxImage, tmp_path: Path
                  ) -> dict[str, set[str]]:
    """Every scenario of one context in order, on one store: what each build executed."""
    store = busybox_store_copy(busybox_image, tmp_path / "store")
    spec = gen.CONTEXTS[name]
    for base in {gen.BASE, spec.base}:  # the Debian context's commands run on busybox too
        store.tag(base, store.resolve(busybox_image.ref).manifest)
    if spec.parent:
        parent = tmp_path / "parent"
        parent.mkdir()
        (parent / "Dockerfile").write_text(spec.parent)
        build(BuildRequest(context=str(parent), tags=(gen.ONBUILD_PARENT,)), store,
              lambda e: None)
    context = gen.generate(tmp_path / "contexts", SCALE, (name,))[name]
    order = [s for s in gen.ORDER if s in spec.expected]
    seen = {}
    for i, scenario in enumerate(order):
        if scenario in spec.edits:
            gen.edit(context, spec, scenario, str(i))
        if scenario == "pruned":
            prune(store, all_records=True)
        args = {spec.build_arg: str(i)} if scenario == "arg" else {}
        seen[scenario] = executed(store, context, args, spec.steps()[0].split()[0])
    return seen


@pytest.mark.parametrize("name", list(gen.CONTEXTS))
def test_every_scenario_executes_exactly_the_minimal_steps(
        name: str, busybox_image: BusyboxImage, tmp_path: Path) -> None:
    spec = gen.CONTEXTS[name]
    for scenario, labels in run_scenarios(name, busybox_image, tmp_path).items():
        assert spec.is_minimal(scenario, frozenset(labels)), (scenario, labels)


def test_identical_steps_of_concurrent_stages_execute_once(
        busybox_image: BusyboxImage, tmp_path: Path) -> None:
    cold = run_scenarios("multistage", busybox_image, tmp_path)["cold"]
    assert gen.CONTEXTS["multistage"].is_minimal("cold", frozenset(cold))


def test_the_expected_sets_are_what_the_issue_describes() -> None:
    """A spot check of the generated expectations against hand-written ones."""
    app = gen.CONTEXTS["app"].expected
    assert app["noop"] == set()
    assert app["last"] == {"app 8"}
    assert app["arg"] == {"app 7", "app 8"}
    assert app["source"] == {"app 5", "app 6", "app 7", "app 8"}
    assert app["early"] == {f"app {i}" for i in range(3, 9)}
    multi = gen.CONTEXTS["multistage"].expected
    assert gen.CONTEXTS["multistage"].minimal("cold") == 13
    assert multi["early"] == {"alpha 3", "alpha 4", *(f"final {i}" for i in range(3, 8))}
    assert len(gen.CONTEXTS["runs20"].expected["cold"]) == 2 + 20 + 1
    onbuild = gen.CONTEXTS["onbuild"].expected  # the parent's 4 triggers run first
    assert onbuild["cold"] == {f"child {i}" for i in range(2, 8)}
    assert onbuild["arg"] == {"child 6", "child 7"}
    assert gen.CONTEXTS["debian"].expected["pruned"] == {f"deb {i}" for i in range(2, 9)}
