"""Walk the keyed plan and do only what the cache cannot answer.

Each reachable stage starts from its base (scratch, an image of the store, or an earlier
stage's result) and applies its steps: metadata steps only add history; RUN, COPY/ADD and
WORKDIR get a Merkle key from their parent key, their own definition and the digests of
the inputs they read, and either reuse the recorded layer or execute and record it.
Stages with no dependency between them build concurrently.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import msgspec

from dfc.cache import index, keys
from dfc.cache.inputs import Origin, StatCache, selection_digest
from dfc.cache.oci import Descriptor, Manifest
from dfc.cache.store import Store
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime import events, image
from dfc.runtime.layer import write_layer
from dfc.runtime.mounts import readonly_view
from dfc.runtime.snapshots import snapshot_dirs
from dfc.runtime.steps.execute import StepRunner


class BuildOptions(msgspec.Struct, frozen=True, kw_only=True):
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    epoch: int | None = None
    backend: str = "native"


class State(msgspec.Struct, frozen=True):
    """An image under construction: layers, their diff_ids, history, and the cache key."""

    layers: tuple[Descriptor, ...]
    diff_ids: tuple[str, ...]
    history: tuple[image.History, ...]
    key: str

    def with_result(self, key: str, result: index.Result, entry: image.History) -> State:
        if result.layer is None or result.diff_id is None:
            entry = msgspec.structs.replace(entry, empty_layer=True)
            return State(self.layers, self.diff_ids, (*self.history, entry), key)
        return State((*self.layers, result.layer), (*self.diff_ids, result.diff_id),
                     (*self.history, entry), key)


class StageResult(msgspec.Struct, frozen=True):
    state: State
    config: ir.ImageConfig


class Executor:
    """Builds the stages of one plan into the store."""

    def __init__(self, plan: ir.Plan, store: Store, context: Origin, options: BuildOptions,
                 report: events.Reporter):
        self.plan = plan
        self.store = store
        self.context = context
        self.options = options
        self.report = report
        self.stat_cache = StatCache(store.root / "statcache")
        self.counter = 0
        self.lock = threading.Lock()
        self.runner = StepRunner(store, options.backend, options.epoch)

    def next_step(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def build(self) -> StageResult:
        """Build the target stage and everything it needs; return its result."""
        needed = [s.index for s in self.plan.stages if s.reachable]
        futures: dict[int, Future[StageResult]] = {}
        with ThreadPoolExecutor(max_workers=max(1, len(needed))) as pool:
            for generation in self.plan.topological_generations():
                for index_ in generation:
                    if index_ in needed:
                        futures[index_] = pool.submit(self._stage, index_, futures)
            try:
                return futures[self.plan.target].result()
            finally:
                for future in futures.values():
                    future.cancel()
                self.stat_cache.save()

    def _stage(self, index_: int, futures: dict[int, Future[StageResult]]) -> StageResult:
        stage = self.plan.stages[index_]
        for dep in stage.deps:
            futures[dep.stage].result()
        state = self._base(stage, futures)
        assert stage.config is not None, "the compiler resolves every reachable stage"
        ignore_cache = self.options.no_cache or (stage.name or "").lower() in {
            name.lower() for name in self.options.no_cache_filter}
        total = len(stage.steps)
        for position, step in enumerate(stage.steps, 1):
            entry = image.History(created=self._created(), created_by=step.history.created_by
                                  if step.history else None,
                                  comment=step.history.comment if step.history else None,
                                  empty_layer=bool(step.history and step.history.empty_layer))
            if isinstance(step, ir.SetConfig):
                if step.history is not None:
                    state = msgspec.structs.replace(state, history=(*state.history, entry))
                continue
            name = f"[{stage.id} {position}/{total}] {_describe(step)}"
            state = self._step(step, state, entry, name, ignore_cache, futures)
        return StageResult(state, stage.config)

    def _created(self) -> str:
        return image.rfc3339(self.options.epoch if self.options.epoch is not None
                             else time.time())

    def _base(self, stage: ir.Stage, futures: dict[int, Future[StageResult]]) -> State:
        base = stage.base
        if isinstance(base, ir.StageRef):
            return futures[base.index].result().state
        if isinstance(base, ir.ImageRef):
            record = self.store.resolve(base.name)
            manifest = self.store.read_json(record.manifest.digest, Manifest)
            config = self.store.read_json(manifest.config.digest, image.ImageConfig)
            return State(manifest.layers, config.rootfs.diff_ids, config.history,
                         keys.base_key(base, record.manifest.digest))
        return State((), (), (), keys.base_key(ir.Scratch(), ""))

    def _step(self, step: ir.AnyStep, state: State, entry: image.History, name: str,
              ignore_cache: bool, futures: dict[int, Future[StageResult]]) -> State:
        number = self.next_step()
        self.report(events.Started(step=number, name=name))
        started = time.monotonic()
        try:
            inputs = self._inputs(step, futures)
            key = keys.step_key(state.key, step, inputs)
            cached = None if ignore_cache else index.lookup(self.store, key)
            if cached is not None:
                self.report(events.Cached(step=number))
                return state.with_result(key, cached, entry)
            result = self._execute(step, state, number, started, futures)
            index.record(self.store, key, result)
        except DfcError as exc:
            self.report(events.Failed(step=number, elapsed=time.monotonic() - started,
                                      message=exc.message))
            raise exc.located(step.span, None) from None
        self.report(events.Done(step=number, elapsed=time.monotonic() - started))
        return state.with_result(key, result, entry)

    def _inputs(self, step: ir.AnyStep,
                futures: dict[int, Future[StageResult]]) -> tuple[str, ...]:
        """Digests of what the step reads besides its parent: COPY sources, by content."""
        if not isinstance(step, ir.Copy):
            return ()
        paths = [s.path for s in step.sources if isinstance(s, ir.PathSource)]
        if not paths:
            return ()
        if isinstance(step.origin, ir.ContextRef):
            return (selection_digest(self.context, paths, self.stat_cache),)
        with self._origin_view(step.origin, futures) as origin:
            return (selection_digest(origin, paths, StatCache()),)

    def _origin_view(self, ref: ir.Ref, futures: dict[int, Future[StageResult]]):
        """A read-only mounted view of a stage's or image's filesystem."""
        if isinstance(ref, ir.StageRef):
            state = futures[ref.index].result().state
        elif isinstance(ref, ir.ImageRef):
            state = self._image_state(ref)
        else:
            state = State((), (), (), "")
        return readonly_view(self._lowerdirs(state))

    def _image_state(self, ref: ir.ImageRef) -> State:
        record = self.store.resolve(ref.name)
        manifest = self.store.read_json(record.manifest.digest, Manifest)
        config = self.store.read_json(manifest.config.digest, image.ImageConfig)
        return State(manifest.layers, config.rootfs.diff_ids, config.history, "")

    def _lowerdirs(self, state: State) -> list[Path]:
        """The unpacked layers of `state`, topmost first."""
        return list(reversed(snapshot_dirs(self.store, state.layers, state.diff_ids)))

    def _execute(self, step: ir.AnyStep, state: State, number: int, started: float,
                 futures: dict[int, Future[StageResult]]) -> index.Result:
        lowerdirs = self._lowerdirs(state)
        scratch = Path(tempfile.mkdtemp(prefix="step-", dir=self._tmp()))
        try:
            def output(data: bytes) -> None:
                self.report(events.Output(step=number, elapsed=time.monotonic() - started,
                                          data=data))

            if isinstance(step, ir.Copy) and not isinstance(step.origin, ir.ContextRef):
                with self._origin_view(step.origin, futures) as origin:
                    entries = self.runner.entries(step, lowerdirs, origin, scratch, output)
                    return self._layer(entries)
            entries = self.runner.entries(step, lowerdirs, self.context, scratch, output)
            return self._layer(entries)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _layer(self, entries) -> index.Result:  # type: ignore[no-untyped-def]
        written = write_layer(self.store, entries, epoch=self.options.epoch)
        if written is None:
            return index.Result()
        return index.Result(layer=written.descriptor, diff_id=written.diff_id)

    def _tmp(self) -> Path:
        tmp = self.store.root / "tmp"
        tmp.mkdir(exist_ok=True)
        return tmp


def _describe(step: ir.AnyStep) -> str:
    """The progress name of a step: its history text without BuildKit's suffix."""
    text = step.history.created_by if step.history else type(step).__name__.upper()
    return text.removesuffix(" # buildkit")
