"""Walk the keyed plan and do only what the cache cannot answer.

Each reachable stage starts from its base (scratch, an image of the store, or an earlier
stage's result) and applies its steps: metadata steps only add history; RUN, COPY/ADD and
WORKDIR get a Merkle key from their parent key, their own definition and the digests of
the inputs they read, and either reuse the recorded layer or execute and record it.
Stages with no dependency between them build concurrently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dfc.cache import index, keys
from dfc.cache.inputs import Origin, selection_digest
from dfc.cache.oci import Descriptor, Manifest
from dfc.cache.statcache import StatCache, context_stats
from dfc.cache.store import Store
from dfc.cache.transfer import ImportedCache
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime import events, explain
from dfc.runtime.contexts import folder_origin, lookup_key
from dfc.runtime.images import config as image
from dfc.runtime.secrets import Secret, SshAgent
from dfc.runtime.steps.execute import RunLimits, StepRunner
from dfc.runtime.titles import StepTitles
from dfc.runtime.waiting import result_of
from dfc.source import Span

if TYPE_CHECKING:
    from dfc.runtime.fs.layer import Entry


class BuildOptions(msgspec.Struct, frozen=True, kw_only=True):
    dockerfile: str = "Dockerfile"
    """Names the build in explain records (with the context folder)."""
    dockerfile_text: str = ""
    """The Dockerfile itself: steps are named by their lines, as BuildKit names them."""
    explain_cache: bool = False
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    cache_mode: str = "min"
    """What `export` receives: min, the results the target image is made of; max, those of
    every stage."""
    epoch: int | None = None
    backend: str = "native"
    network: str = "default"
    """`--network`: the mode of every RUN that does not set its own (default: a private
    network namespace with outbound access)."""
    add_hosts: tuple[tuple[str, str], ...] = ()
    """`--add-host` (name, ip) pairs for every RUN's /etc/hosts."""
    secrets: tuple[Secret, ...] = ()
    """Sources of `--secret`s; values are read only when a RUN mounts them."""
    limits: RunLimits = RunLimits()
    """`--ulimit` and `--shm-size` of every RUN."""
    image_names: tuple[tuple[str, str], ...] = ()
    """`--build-context NAME=docker-image://REF` (or an oci-layout's manifest digest):
    the image an ImageRef named NAME means."""
    folders: tuple[tuple[str, str], ...] = ()
    """`--build-context NAME=DIR`: the folder `COPY --from=NAME` and mounts read."""
    ssh: tuple[SshAgent, ...] = ()
    """`--ssh` agents for RUN --mount=type=ssh (they key nothing, as secrets)."""
    label: str = ""
    """Prefix of every step's progress name: the platform (`linux/arm64 `) when one build
    makes several, as buildx shows them."""


class State(msgspec.Struct, frozen=True):
    """An image under construction: layers, their diff_ids, history, and the cache key."""

    layers: tuple[Descriptor, ...]
    diff_ids: tuple[str, ...]
    history: tuple[image.History, ...]
    key: str

    def with_result(self, key: str, result: index.Result, entry: image.History) -> State:
        """The state after a layer step; metadata entries just before it take its time, as
        BuildKit's exporter dates them."""
        entry = msgspec.structs.replace(entry, created=result.created,
                                        empty_layer=result.layer is None)
        history = list(self.history)
        for i in range(len(history) - 1, -1, -1):
            if history[i].created is not None:
                break
            history[i] = msgspec.structs.replace(history[i], created=result.created)
        history.append(entry)
        if result.layer is None or result.diff_id is None:
            return State(self.layers, self.diff_ids, tuple(history), key)
        return State((*self.layers, result.layer), (*self.diff_ids, result.diff_id),
                     tuple(history), key)

    def with_metadata(self, entry: image.History) -> State:
        """A metadata step: a history entry, dated by the next layer (see with_result)."""
        return msgspec.structs.replace(self, history=(*self.history, entry))


class Where(msgspec.Struct, frozen=True):
    """A step's place: its progress name, its explain identity, its stage's base."""

    name: str
    ident: str
    base: str
    stage: int
    platform: str
    """The platform of the stage's binaries (RUN steps of another one are emulated)."""


class StageResult(msgspec.Struct, frozen=True):
    state: State
    config: ir.ImageConfig
    base_history: tuple[image.History, ...] = ()
    """The history of the image the stage chain starts from (SOURCE_DATE_EPOCH leaves
    those entries' dates alone, as BuildKit does)."""
    platform: str = ""
    """What the stage's binaries are: its base image's platform, else the stage's."""


class Executor:
    """Builds the stages of one plan into the store."""

    def __init__(self, plan: ir.Plan, store: Store, context: Origin, options: BuildOptions,
                 report: events.Reporter, imported: ImportedCache | None = None,
                 export: Callable[[dict[str, index.Result]], None] | None = None,
                 fetch: Callable[[str, str | None], None] | None = None):
        """`imported` answers keys the store cannot (`--cache-from`); `export` receives the
        records to pass on (`--cache-to`) when the build succeeds; `fetch` brings a missing
        image (a `COPY --from` or `--mount from=` image) into the store."""
        self.plan = plan
        self.store = store
        self.context = context
        self.options = options
        self.titles = StepTitles(options.dockerfile_text, len(plan.stages))
        self.report = report
        self.stat_cache = StatCache() if context.temporary else context_stats(
            store.root, context.root)
        self.counter = 0
        self.lock = threading.Lock()
        from dfc.runtime.fetch import UrlCache

        self.urls = UrlCache(store.root / "downloads")
        """ADD's URLs, asked once per build whether they changed (see fetch.py)."""
        self.runner = StepRunner(store, options.backend, options.epoch, options.secrets,
                                 options.add_hosts, fetch=self.urls.fetch,
                                 limits=options.limits, ssh=options.ssh)
        self.imported = imported
        self.export = export
        self.fetch = fetch
        self.results: dict[int, dict[str, index.Result]] = {}
        self.built: dict[str, index.Result] = {}
        """Results executed by this build, by key."""
        self.claims: dict[str, threading.Lock] = {}
        self.warned: set[tuple[str, str]] = set()

    def share_steps(self, other: Executor) -> None:
        """Run after `other` as one build (the platforms of a multi-platform build): a key
        either executed stays executed (a `FROM --platform=$BUILDPLATFORM` stage is built
        once, even under --no-cache, as BuildKit's solver merges equal vertices), and step
        numbers go on."""
        self.built, self.claims, self.counter = other.built, other.claims, other.counter
        self.warned = other.warned

    def next_step(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def build(self) -> StageResult:
        """Build the target stage and everything it needs; return its result."""
        needed = self.plan.resolved_stages()
        try:
            result = self._build_stages(needed)
        finally:
            self.runner.close()  # the pool has joined its workers: no step runs any more
        if self.export is not None:
            self.export(self._exported())
        return result

    def _build_stages(self, needed: dict[int, ir.ResolvedStage]) -> StageResult:
        """Run the needed stages concurrently; the target's result."""
        futures: dict[int, Future[StageResult]] = {}
        with ThreadPoolExecutor(max_workers=max(1, len(needed))) as pool:
            # A stage only ever needs earlier stages, so submitting in file order means
            # every future a stage waits on already exists.
            for index_, resolved in needed.items():
                futures[index_] = pool.submit(self._stage, resolved, futures)
            try:
                result = result_of(futures[self.plan.target])
            except KeyboardInterrupt:
                # Ctrl-C reaches this (main) thread only: stop the steps running in the
                # workers too, so no container outlives the build.
                from dfc.runtime.sandbox.proc import interrupt

                for future in futures.values():
                    future.cancel()
                interrupt(self.runner.cancel)
                raise
            finally:
                for future in futures.values():
                    future.cancel()
                self.stat_cache.save()
        return result

    def _exported(self) -> dict[str, index.Result]:
        """The cache records `--cache-to` writes, by mode."""
        if self.options.cache_mode == "max":
            stages = list(self.results)
        else:
            stages, current = [], self.plan.stages[self.plan.target]
            while True:
                stages.append(current.index)
                if not isinstance(current.base, ir.StageRef):
                    break
                current = self.plan.stages[current.base.index]
        return {key: result for i in stages for key, result in self.results.get(i, {}).items()}

    def _claim(self, key: str) -> threading.Lock:
        """The lock of one cache key: held while that key is looked up and executed."""
        with self.lock:
            return self.claims.setdefault(key, threading.Lock())

    def _lookup(self, key: str) -> index.Result | None:
        found = index.lookup(self.store, key)
        if found is None and self.imported is not None:
            found = self.imported.lookup(self.store, key)
        return found

    def _stage(self, resolved: ir.ResolvedStage,
               futures: dict[int, Future[StageResult]]) -> StageResult:
        stage = resolved.stage
        for dep in stage.deps:
            futures[dep.stage].result()
        state, base, platform = self._base(stage, futures)
        base_history = futures[stage.base.index].result().base_history \
            if isinstance(stage.base, ir.StageRef) else state.history
        ignore_cache = self.options.no_cache or (stage.name or "").lower() in {
            name.lower() for name in self.options.no_cache_filter}
        total = 1 + sum(not isinstance(step, ir.SetConfig) for step in stage.steps)
        position = 1
        for number, step in enumerate(stage.steps):
            entry = image.History(created_by=step.history.created_by if step.history else None,
                                  comment=step.history.comment if step.history else None,
                                  empty_layer=bool(step.history and step.history.empty_layer))
            if isinstance(step, ir.SetConfig):
                if step.history is not None:
                    state = state.with_metadata(entry)
                continue
            position += 1
            name = self.titles.prefix(self.options.label, stage.id, position, total) + \
                self.titles.title(step, trigger=number < stage.triggers)
            if isinstance(step, ir.Run) and step.network == "default" \
                    and self.options.network != "default":
                # `--network` sets the default of every RUN: part of its key, as in BuildKit.
                step = msgspec.structs.replace(step, network=self.options.network)
            # Each platform of a multi-platform build keeps its own explain records.
            ident = explain.identity(os.path.realpath(self.context.root),
                                     self.options.dockerfile + self.options.label.rstrip(),
                                     stage.index, position)
            state = self._step(step, state, entry,
                               Where(name, ident, base, stage.index, platform),
                               ignore_cache, futures)
        return StageResult(state, resolved.config, base_history, platform)

    def _created(self) -> str:
        return image.rfc3339(self.options.epoch if self.options.epoch is not None
                             else time.time())

    def _base(self, stage: ir.Stage,
              futures: dict[int, Future[StageResult]]) -> tuple[State, str, str]:
        """The state a stage starts from, a description of it for explanations, and the
        platform its binaries are."""
        base = stage.base
        if isinstance(base, ir.StageRef):
            result = futures[base.index].result()
            return result.state, f"stage {base.name} ({result.state.key[7:19]})", \
                result.platform or stage.platform
        if isinstance(base, ir.ImageRef):
            if (folder := self._folder(base)) is not None:
                state = self._folder_state(base, folder, stage.span)
                return state, f"context {base.name} ({state.key[7:19]})", stage.platform
            state, digest, platform = self._image_state(base)
            return state, f"image {base.name} ({digest[7:19]})", platform
        return State((), (), (), keys.base_key(ir.Scratch(), "")), "scratch", stage.platform

    def _step(self, step: ir.AnyStep, state: State, entry: image.History, where: Where,
              ignore_cache: bool, futures: dict[int, Future[StageResult]]) -> State:
        if self.runner.cancel.is_set():
            raise DfcError("interrupted")
        number = self.next_step()
        self.report(events.Started(step=number, name=where.name))
        started = time.monotonic()
        try:
            listing: list[tuple[str, str]] = []
            inputs = self._inputs(step, futures, listing)
            key = keys.step_key(state.key, step, inputs + self._epoch_input())
            record = explain.StepRecord(key=key, parent=state.key, base=where.base,
                                        step=keys.encode(keys.keyed(step)).decode(),
                                        files=tuple(listing))
            previous = explain.load(self.store, where.ident)
            with self._claim(key):
                # One key runs once per build: a twin step of a concurrent stage waits here
                # and then finds the result (even under --no-cache, as BuildKit's solver).
                cached = self.built.get(key) or (None if ignore_cache else self._lookup(key))
                if cached is not None:
                    self.results.setdefault(where.stage, {})[key] = cached
                    self.report(events.Cached(step=number))
                    if previous is None or previous.key != key:
                        explain.save(self.store, where.ident, record)
                    return state.with_result(key, cached, entry)
                if self.options.explain_cache:
                    why = "--no-cache" if ignore_cache else explain.reason(previous, record)
                    self.report(events.Note(step=number, message=f"cache miss: {why}"))
                result = self._execute(step, state, number, started, futures, inputs,
                                       where.platform)
                index.record(self.store, key, result)
                self.built[key] = result
            self.results.setdefault(where.stage, {})[key] = result
            explain.save(self.store, where.ident, record)
        except DfcError as exc:
            self.report(events.Failed(step=number, elapsed=time.monotonic() - started,
                                      message=exc.message))
            raise exc.located(step.span, None) from None
        self.report(events.Done(step=number, elapsed=time.monotonic() - started))
        return state.with_result(key, result, entry)

    def _epoch_input(self) -> tuple[str, ...]:
        """SOURCE_DATE_EPOCH clamps the file times of every layer written (and dates what
        a step creates), so it keys each step when set; unset, keys are those of a build
        without it."""
        epoch = self.options.epoch
        return () if epoch is None else (f"source-date-epoch:{epoch}",)

    def _inputs(self, step: ir.AnyStep, futures: dict[int, Future[StageResult]],
                listing: list[tuple[str, str]]) -> tuple[str, ...]:
        """Digests of what the step reads besides its parent, by content: COPY sources, and
        the sources of a RUN's bind mounts and `from=` caches (`listing` receives the
        per-file digests, for explanations). Cache, tmpfs and secret contents never count."""
        if isinstance(step, ir.Run):
            mounts = tuple(self._source_digest(m.origin, [m.source], futures, listing)
                           for m in step.mounts
                           if keys.keyed_by_content(m) and m.origin is not None)
            # `--add-host` names (not their addresses) key a RUN, as in BuildKit.
            names = tuple(f"add-host:{name}" for name, _ in self.options.add_hosts)
            return mounts + names + self.options.limits.key_inputs()
        if not isinstance(step, ir.Copy):
            return ()
        # A URL keys by what the server serves now; `--checksum` pins it (in the step).
        urls = () if step.checksum else tuple(
            self.urls.key(s.url) for s in step.sources if isinstance(s, ir.UrlSource))
        paths = [s.path for s in step.sources if isinstance(s, ir.PathSource)]
        if not paths:
            return urls
        return (self._source_digest(step.origin, paths, futures, listing), *urls)

    def _folder(self, ref: ir.Ref) -> Origin | None:
        """The `--build-context NAME=DIR` folder an ImageRef named NAME means, if any."""
        if isinstance(ref, ir.ImageRef):
            folder = dict(self.options.folders).get(lookup_key(ref.name))
            if folder is not None:
                return folder_origin(folder)
        return None

    def _image_name(self, ref: ir.ImageRef) -> str:
        return dict(self.options.image_names).get(lookup_key(ref.name), ref.name)

    def _source_digest(self, ref: ir.Ref, paths: list[str],
                       futures: dict[int, Future[StageResult]],
                       listing: list[tuple[str, str]]) -> str:
        if isinstance(ref, ir.ContextRef):
            return selection_digest(self.context, paths, self.stat_cache, listing)
        if (folder := self._folder(ref)) is not None:
            return selection_digest(folder, paths, StatCache(), listing)
        with self._origin_view(ref, futures) as origin:
            return selection_digest(origin, paths, StatCache(), listing)

    def _origin(self, ref: ir.Ref, futures: dict[int, Future[StageResult]]
                ) -> contextlib.AbstractContextManager[Origin]:
        """The tree `ref` names: the context as it is, or a mounted view of a stage/image."""
        if isinstance(ref, ir.ContextRef):
            return contextlib.nullcontext(self.context)
        if (folder := self._folder(ref)) is not None:
            return contextlib.nullcontext(folder)
        return self._origin_view(ref, futures)

    def _origin_view(self, ref: ir.Ref, futures: dict[int, Future[StageResult]]
                     ) -> contextlib.AbstractContextManager[Origin]:
        """A read-only mounted view of a stage's or image's filesystem."""
        if isinstance(ref, ir.StageRef):
            state = futures[ref.index].result().state
        elif isinstance(ref, ir.ImageRef):
            state = self._image_state(ref)[0]
        else:
            state = State((), (), (), "")
        from dfc.runtime.fs.views import readonly_view

        return readonly_view(self._lowerdirs(state))

    def _image_state(self, ref: ir.ImageRef) -> tuple[State, str, str]:
        """An image of the store (pulled first when missing, as `docker build` does) for
        the ref's platform (an index's entry) as a starting state, its manifest digest and
        the platform it is (another one than asked: BuildKit's warning, once)."""
        from dfc.platform import parse_platform
        from dfc.runtime.images.platforms import mismatch_warning, select

        name = self._image_name(ref)
        if self.fetch is not None:
            self.fetch(name, ref.platform)
        record = self.store.resolve(name)
        wanted = parse_platform(ref.platform) if ref.platform else None
        chosen = select(self.store, record.manifest, wanted, name) if wanted else None
        digest = chosen.manifest.digest if chosen else record.manifest.digest
        manifest = self.store.read_json(digest, Manifest)
        config = self.store.read_json(manifest.config.digest, image.ImageConfig)
        if chosen is not None and wanted is not None and not chosen.fits(wanted):
            with self.lock:
                first = (ref.name, ref.platform) not in self.warned
                self.warned.add((ref.name, ref.platform))
            if first:
                self.report(events.Note(step=0, message="WARNING: " + mismatch_warning(
                    ref.name, wanted, chosen.platform)))
        state = State(manifest.layers, config.rootfs.diff_ids, config.history,
                      keys.base_key(ref, digest))
        return state, digest, str(chosen.platform) if chosen else ref.platform

    def _folder_state(self, ref: ir.ImageRef, folder: Origin, span: Span) -> State:
        """A local `--build-context` as a root filesystem (`FROM NAME`, or the stage it
        replaces), as BuildKit uses the local source: one layer of the folder's files
        (its .dockerignore applied, owners 0:0), keyed by their content."""
        key = keys.base_key(ref, "folder:" + selection_digest(folder, ["."], StatCache()))
        with self._claim(key):
            result = self.built.get(key) or self._lookup(key)
            if result is None:
                copy = ir.Copy(span=span, state=ir.State(env=(), user="", workdir="/",
                                                         shell=(), platform=ref.platform),
                               instruction="COPY", origin=ref,
                               sources=(ir.PathSource(path="."),), dest="/")
                scratch = Path(tempfile.mkdtemp(prefix="step-", dir=self._tmp()))
                try:
                    made = list(self.runner.entries(copy, [], folder, scratch,
                                                    lambda data: None))
                    result = self._layer_and_snapshot(made, State((), (), (), ""))
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
                index.record(self.store, key, result)
                self.built[key] = result
        # The layer has no history entry of its own in BuildKit either; the exporter
        # adds one, as here.
        entry = image.History(created=result.created, created_by=f"[context {ref.name}]",
                              comment="buildkit.exporter.image.v0",
                              empty_layer=result.layer is None)
        if result.layer is None or result.diff_id is None:
            return State((), (), (entry,), key)
        return State((result.layer,), (result.diff_id,), (entry,), key)

    def _lowerdirs(self, state: State) -> list[Path]:
        """The unpacked layers of `state`, topmost first."""
        from dfc.runtime.fs.snapshots import snapshot_dirs

        return list(reversed(snapshot_dirs(self.store, state.layers, state.diff_ids)))

    def _execute(self, step: ir.AnyStep, state: State, number: int, started: float,
                 futures: dict[int, Future[StageResult]], inputs: tuple[str, ...],
                 platform: str = "") -> index.Result:
        from dfc.runtime.fs.views import check_depth

        check_depth(len(state.layers))
        lowerdirs = self._lowerdirs(state)
        scratch = Path(tempfile.mkdtemp(prefix="step-", dir=self._tmp()))
        try:
            def output(data: bytes) -> None:
                self.report(events.Output(step=number, elapsed=time.monotonic() - started,
                                          data=data))

            if isinstance(step, ir.Copy) and not isinstance(step.origin, ir.ContextRef):
                with self._origin(step.origin, futures) as origin:
                    made = list(self.runner.entries(step, lowerdirs, origin, scratch, output))
                    return self._layer_and_snapshot(made, state)
            if isinstance(step, ir.Run):
                self._emulate(platform)
                entries = self.runner.run(step, lowerdirs, scratch, output,
                                          lambda ref: self._origin(ref, futures), inputs)
                result = self._layer(entries)
                if result.diff_id is not None:
                    from dfc.runtime.fs.snapshots import adopt_snapshot

                    adopt_snapshot(self.store, (*state.diff_ids, result.diff_id),
                                   scratch / "upper")
                return result
            made = list(self.runner.entries(step, lowerdirs, self.context, scratch, output))
            return self._layer_and_snapshot(made, state)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _emulate(self, platform: str) -> None:
        """A RUN of a foreign platform runs under QEMU: make sure the kernel can start it."""
        if not platform:
            return
        from dfc.platform import parse_platform
        from dfc.runtime.emulation.binfmt import ensure

        ensure(parse_platform(platform),
               lambda text: self.report(events.Note(step=0, message=text)))

    def _layer_and_snapshot(self, entries: list[Entry], state: State) -> index.Result:
        """A COPY/ADD/WORKDIR layer, and its snapshot unpacked from the same entries (the
        next RUN needs it; unpacking the blob just written would cost as much again)."""
        from dfc.runtime.fs.snapshots import snapshot_from_entries

        result = self._layer(entries)
        if result.diff_id is not None:
            snapshot_from_entries(self.store, (*state.diff_ids, result.diff_id), entries,
                                  self.options.epoch)
        return result

    def _layer(self, entries: Iterable[Entry]) -> index.Result:
        from dfc.runtime.fs.layer import write_layer

        written = write_layer(self.store, entries, epoch=self.options.epoch)
        if written is None:
            return index.Result(created=self._created())
        return index.Result(layer=written.descriptor, diff_id=written.diff_id,
                            created=self._created())

    def _tmp(self) -> Path:
        tmp = self.store.root / "tmp"
        tmp.mkdir(exist_ok=True)
        return tmp
