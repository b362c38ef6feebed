"""Cache-hit benchmarks: every scenario of every generated context (bench/gen_contexts.py),
for dfc in-process (`dfc.build.build`: dfc's own cost, no interpreter start-up), dfc as a
process (`dfc build`), and docker's BuildKit as a process when docker is usable.

Run: `.venv/bin/pytest bench/bench_cache.py --benchmark-only` (full size: ~400 MB of
contexts; `DFCBENCH_SCALE=0.01` for a quick pass). One group per context and scenario, so
the builders sit side by side. Each round's setup makes the change the scenario is about
(a fresh store or base image, a new edit, a new build-arg value), so no round is answered
by an earlier one (except BuildKit's context transfer in the cold rounds after the first:
it keeps the folder's previous upload; cache_timings.py uses a new folder per repetition,
and is the source of the reported ratios). Executed and minimal step counts go to
`extra_info`; nothing here asserts a time (tests/test_cache_scenarios.py asserts the step
sets).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cache_timings as timings
import gen_contexts as gen

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.runtime import events
from dfc.runtime.images.importer import import_rootfs

SCALE = float(os.environ.get("DFCBENCH_SCALE", "1"))
ROUNDS = 3
NONCE = itertools.count()


class DfcApi:
    """`dfc.build.build` in this process, into its own store."""

    name = "dfc-api"

    def __init__(self, work: Path):
        self.store_root = work / "dfc-api-store"

    def prepare(self, rootfs: Path, label: str) -> None:
        shutil.rmtree(self.store_root, ignore_errors=True)
        import_rootfs(Store(self.store_root), rootfs, gen.BASE)

    def build(self, context: Path, args: dict[str, str]) -> timings.Outcome:
        recorded: list[events.AnyEvent] = []
        build(BuildRequest(context=str(context), build_args=args), Store(self.store_root),
              recorded.append)
        names = {e.step: e.name for e in recorded if isinstance(e, events.Started)}
        done = [names[e.step] for e in recorded if isinstance(e, events.Done)]
        lines = "\n".join(f"#{i} {name}\n#{i} DONE" for i, name in enumerate(done))
        executed = timings.plain_executed(lines, timings.first_stage(context))
        return timings.Outcome(0.0, executed, len(executed))

    def cleanup(self, label: str) -> None:
        shutil.rmtree(self.store_root, ignore_errors=True)


Builder = DfcApi | timings.Dfc | timings.Docker


def docker_usable() -> bool:
    try:
        return subprocess.run([timings.DOCKER, "info"], capture_output=True).returncode == 0
    except OSError:
        return False


BUILDERS = ["dfc-api", "dfc-cli", "buildkit"]


class Session:
    """The contexts, the rootfs, and each builder's place in each context."""

    def __init__(self, work: Path):
        self.work = work
        self.rootfs = timings.make_rootfs(work)
        self.contexts = gen.generate(work / "contexts", SCALE)
        self.label = timings.run_label(work)
        self.builders: dict[str, Builder] = {}
        self.warm: set[tuple[str, str]] = set()

    def builder(self, name: str, context: str) -> Builder:
        """The builder for one context, with that context's own store (or base image)."""
        key = f"{name}/{context}"
        if key not in self.builders:
            work = self.work / key
            work.mkdir(parents=True)
            made: dict[str, Callable[[], Builder]] = {
                "dfc-api": lambda: DfcApi(work), "dfc-cli": lambda: timings.Dfc(work),
                "buildkit": lambda: timings.Docker(True)}
            self.builders[key] = made[name]()
        return self.builders[key]

    def fresh_base(self, builder: Builder) -> None:
        builder.prepare(timings.salted_tar(self.rootfs, f"{self.work.name} {next(NONCE)}"),
                        self.label)


@pytest.fixture(scope="session")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    if not timings.BUSYBOX.exists():
        pytest.skip("needs Debian's busybox-static at /bin/busybox")
    state = Session(tmp_path_factory.mktemp("dfcbench"))
    yield state
    for builder in state.builders.values():
        builder.cleanup(state.label)
    shutil.rmtree(state.work, ignore_errors=True)


CASES = [(c, s) for c, spec in gen.CONTEXTS.items() for s in timings.scenarios(spec)]


@pytest.mark.parametrize("builder_name", BUILDERS)
@pytest.mark.parametrize(("context_name", "scenario"), CASES)
def bench_cache_scenario(benchmark: Any, session: Session, context_name: str, scenario: str,
                         builder_name: str) -> None:
    if builder_name == "buildkit" and not docker_usable():
        pytest.skip("docker is not usable here")
    benchmark.group = f"{context_name} {scenario}"
    spec, context = gen.CONTEXTS[context_name], session.contexts[context_name]
    builder = session.builder(builder_name, context_name)
    if scenario != "cold":
        if (builder_name, context_name) not in session.warm:
            session.fresh_base(builder)
            session.warm.add((builder_name, context_name))
        builder.build(context, {})  # catch up with the context as it is now, untimed

    def setup() -> tuple[tuple[Path, dict[str, str]], dict[str, Any]]:
        nonce = f"bench-{next(NONCE)}"
        if scenario == "cold":
            session.fresh_base(builder)
        elif scenario in spec.edits:
            gen.edit(context, spec, scenario, nonce)
        args = {spec.build_arg: nonce} if scenario == "arg" else {}
        return (context, args), {}

    outcome = benchmark.pedantic(builder.build, setup=setup, rounds=ROUNDS, iterations=1)
    benchmark.extra_info["executed"] = outcome.count
    benchmark.extra_info["minimal"] = spec.minimal(scenario)
    benchmark.extra_info["exact"] = spec.is_minimal(scenario, outcome.executed)
