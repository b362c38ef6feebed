"""`dfc build` as an API: context -> plan -> executed stages -> an image in the store.

Base images come from the store; one that is missing is an error that says how to get
it. The final image is written (config, manifest), tagged, and exported on request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import msgspec

from dfc.cache.index import Result
from dfc.cache.oci import INDEX_TYPES
from dfc.cache.store import ImageNotFound, ImageRecord, Store
from dfc.cache.transfer import (
    CacheSource,
    CacheSpec,
    FolderCache,
    ImportedCache,
    export_cache,
)
from dfc.compiler import ir
from dfc.compiler.builder import SCRATCH_CONFIG
from dfc.errors import DfcError, UsageError
from dfc.platform import host_platform, parse_platform
from dfc.reference import tag_name
from dfc.runtime import events
from dfc.runtime.contexts import NamedContext, lookup_key, open_context
from dfc.runtime.executor import BuildOptions, Executor, StageResult
from dfc.runtime.images import config as image
from dfc.runtime.images import convert as configs
from dfc.runtime.images.compression import compressed_image
from dfc.runtime.images.describe import read
from dfc.runtime.images.export import OutputSpec, export
from dfc.runtime.secrets import Secret, SshAgent
from dfc.runtime.steps.execute import RunLimits
from dfc.source import Source

if TYPE_CHECKING:  # imported where used: a build without a registry never loads them
    from dfc.runtime.registry import events as registry_events
    from dfc.runtime.registry.config import RegistrySettings


class BuildRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything `docker build` takes that changes what is built."""

    context: str
    dockerfile: str | None = None
    tags: tuple[str, ...] = ()
    build_args: Mapping[str, str] = {}
    target: str | None = None
    platform: str | None = None
    labels: Mapping[str, str] = {}
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    explain_cache: bool = False
    cache_from: tuple[CacheSpec, ...] = ()
    cache_to: CacheSpec | None = None
    backend: str = "native"
    outputs: tuple[OutputSpec, ...] = ()
    secrets: tuple[Secret, ...] = ()
    """`--secret` sources: they change what RUNs see, never what is cached."""
    pull: bool = False
    """Look for a newer version of every base image (`--pull`)."""
    network: str = "default"
    """`--network=default|none|host` for RUN steps that do not choose."""
    add_hosts: tuple[tuple[str, str], ...] = ()
    """`--add-host name:ip` entries for the /etc/hosts of RUN steps."""
    limits: RunLimits = RunLimits()
    """`--ulimit` and `--shm-size` of RUN steps."""

    annotations: Mapping[str, str] = {}
    """`--annotation`s of the image manifest."""
    contexts: tuple[NamedContext, ...] = ()
    """`--build-context`s: names FROM, COPY --from and mounts resolve to first."""
    ssh: tuple[SshAgent, ...] = ()
    """`--ssh` agent sockets for RUN --mount=type=ssh."""



class BuildResult(msgspec.Struct, frozen=True):
    """The built image; `pushes`: the names `-o type=registry` (or `push=true`) asks the
    caller to push."""

    image_id: str
    manifest: str
    tags: tuple[str, ...]
    pushes: tuple[str, ...] = ()


def source_date_epoch(build_args: Mapping[str, str] | None = None) -> int | None:
    """`--build-arg SOURCE_DATE_EPOCH=N`, else the environment's (which buildx passes on
    as that build arg): the time every date of the image is clamped to."""
    value = (build_args or {}).get("SOURCE_DATE_EPOCH") or os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    try:
        epoch = int(value)
    except ValueError:
        raise DfcError(f"invalid SOURCE_DATE_EPOCH: {value!r}") from None
    if epoch < 0:
        raise DfcError(f"invalid SOURCE_DATE_EPOCH: {value!r}")
    return epoch


Fetch = Callable[[str, str | None], None]
"""Makes sure an image (name, platform) is in the store: `registry_pull.BaseFetcher`."""


class Named(msgspec.Struct, frozen=True):
    """`--build-context`s made ready: image names by context name (a docker-image://
    reference, or the manifest digest of an oci-layout:// image now in the store), and
    local folders by context name."""

    images: Mapping[str, str] = {}
    folders: Mapping[str, str] = {}

    def image(self, name: str) -> str:
        """The image `name` means: a context's image, else the image `name`."""
        return self.images.get(lookup_key(name), name)

    def folder(self, name: str) -> str | None:
        """The `--build-context NAME=DIR` folder `name` means, if any."""
        return self.folders.get(lookup_key(name))

    def names(self) -> frozenset[str]:
        """The context names a stage of the same name is replaced by (BuildKit never
        looks `scratch` and `context` up)."""
        return frozenset(n for n in (*self.images, *self.folders) if lookup_key(n))


def named_contexts(contexts: tuple[NamedContext, ...], store: Store) -> Named:
    from dfc.runtime.images.load import load_layout_image

    images: dict[str, str] = {}
    folders: dict[str, str] = {}
    for context in contexts:
        if context.image:
            images[context.name] = context.image
        elif context.layout:
            images[context.name] = load_layout_image(store, Path(context.layout),
                                                     context.digest)
        else:
            folders[context.name] = context.folder
    return Named(images, folders)


class StoreResolver:
    """The compiler's base-image resolver: the config of an image in the store, pulled
    first through `fetch` when given (a `--build-context` name resolves to its image).
    It notes each base's manifest digest, which keys the plan cache."""

    def __init__(self, store: Store, fetch: Fetch | None = None, named: Named | None = None):
        self.store = store
        self.fetch = fetch
        self.named = named or Named()
        self.used: dict[str, str] = {}

    def __call__(self, ref: ir.ImageRef) -> ir.ImageConfig:
        if self.named.folder(ref.name) is not None:
            # BuildKit starts FROM a local context with an empty image's config.
            return SCRATCH_CONFIG
        name = self.named.image(ref.name)
        manifest, stored = read_manifest(self.store, name, self.fetch, ref.platform)
        self.used[ref.name] = self.store.manifest_digest(name) or manifest
        return configs.to_compiler(stored.config, stored.author)

    def current(self, name: str) -> str | None:
        return self.store.manifest_digest(self.named.image(name))


def read_manifest(store: Store, name: str, fetch: Fetch | None = None,
                  platform: str | None = None) -> tuple[str, image.ImageConfig]:
    """The manifest digest and config of an image of the store, pulled first through
    `fetch` when given (a clear error if it cannot be had)."""
    if fetch is not None:
        try:
            fetch(name, platform)
        except DfcError as exc:
            raise DfcError(f"cannot pull image {name!r}: {exc.message} (get it with "
                           f"`dfc pull {name}`, `dfc load -i FILE` or `dfc import FILE {name}`)"
                           ) from None
    try:
        record = store.resolve(name)
    except ImageNotFound:
        raise DfcError(
            f"image {name!r} is not in the store: get it with `dfc pull {name}`, "
            f"`dfc load -i FILE` or `dfc import FILE {name}`") from None
    if platform is not None or record.manifest.media_type in INDEX_TYPES:
        # An index's entry for the platform being built (else for this machine).
        from dfc.runtime.images.platforms import select

        wanted = parse_platform(platform) if platform else host_platform()
        chosen = select(store, record.manifest, wanted, name)
        return chosen.manifest.digest, chosen.config
    manifest = store.read_json(record.manifest.digest, image.Manifest)
    return record.manifest.digest, store.read_json(manifest.config.digest, image.ImageConfig)


def read_image(store: Store, name: str) -> image.ImageConfig:
    return read_manifest(store, name)[1]


def pull_notes(report: events.Reporter) -> registry_events.Reporter:
    """Pull progress as build notes: messages and each layer's state changes."""
    from dfc.runtime.registry.events import Message, Transfer

    def note(event: Message | Transfer) -> None:
        if isinstance(event, Message):
            report(events.Note(step=0, message=event.text))
        elif event.status not in ("Downloading", "Pulling fs layer"):
            report(events.Note(step=0, message=f"{event.id}: {event.status}"))

    return note


def base_fetcher(store: Store, report: events.Reporter, always: bool) -> Fetch:
    """Pulls a missing base (or, with `always`, a newer one); the registry client (httpx:
    ~0.1 s of imports) is only loaded when a pull may be needed, never for a base the
    store already has."""
    fetcher: list[Fetch] = []

    def fetch(name: str, platform: str | None) -> None:
        from dfc.runtime.images.platforms import available

        if not always and available(store, name, platform):
            return
        if not fetcher:
            from dfc.runtime.registry.config import load_settings
            from dfc.runtime.registry.pull import BaseFetcher

            fetcher.append(BaseFetcher(store, load_settings(), pull_notes(report),
                                       always=always))
        fetcher[0](name, platform)

    return fetch


def missing_image_fetcher(store: Store, report: events.Reporter) -> Fetch:
    """Pull an image only when the store lacks it (for COPY --from and mounts)."""
    pull = base_fetcher(store, report, always=False)

    def fetch(name: str, platform: str | None) -> None:
        from dfc.runtime.images.platforms import available

        if not available(store, name, platform):
            read_manifest(store, name, pull, platform)

    return fetch


def compile_plan(request: BuildRequest, store: Store, dockerfile: bytes, name: str,
                 report: events.Reporter, named: Named | None = None) -> ir.Plan:
    """The plan for this Dockerfile and these options: from the plan cache when nothing it
    depends on changed (and no `--pull` asks for newer bases), else compiled (and cached)."""
    from dfc.cache import plans

    named = named or Named()
    resolver = StoreResolver(store, base_fetcher(store, report, request.pull), named)
    key = plans.plan_key(dockerfile, name, request.build_args, request.target,
                         request.platform, msgspec.json.encode(named))
    cached = None if request.pull else plans.load(store, key, resolver.current)
    if cached is not None:
        return cached
    from dfc.compiler.context import CompileContext
    from dfc.compiler.pipeline import compile_text

    ctx = CompileContext(build_args=dict(request.build_args), target=request.target,
                         platform=request.platform, resolver=resolver,
                         contexts=named.names(),
                         folder_contexts=frozenset(named.folders) & named.names())
    plan = compile_text(dockerfile, ctx, name)
    plans.save(store, key, plan, resolver.used)
    return plan


def build(request: BuildRequest, store: Store, report: events.Reporter,
          stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> BuildResult:
    """Build the request's target into `store`, tag it and export it as asked
    (`stdout` takes the outputs whose dest is `-`). Several `--platform`s make one image
    per platform (their shared steps run once) gathered in an OCI index."""
    from dfc.multiplatform import check_outputs, platform_list, write_index

    epoch = source_date_epoch(request.build_args)
    platforms = platform_list(request.platform)
    several = len(platforms) > 1
    if several:
        check_outputs(request.outputs)
    with store.gc_lock(shared=True), \
            open_context(request.context, request.dockerfile, stdin) as context:
        named = named_contexts(request.contexts, store)
        transfer = CacheTransfer(request, store, report)
        images: list[image.StoredImage] = []
        plans: list[ir.Plan] = []
        previous: Executor | None = None
        for platform in platforms:
            one = msgspec.structs.replace(request, platform=platform)
            plan = compile_plan(one, store, context.dockerfile, context.dockerfile_name,
                                report, named)
            plans.append(plan)
            if previous is None:
                warn_unconsumed(plan, request.build_args, report)
            options = BuildOptions(dockerfile=context.dockerfile_name,
                                   dockerfile_text=context.dockerfile.decode("utf-8", "replace"),
                                   explain_cache=request.explain_cache,
                                   no_cache=request.no_cache,
                                   cache_mode=request.cache_to.mode if request.cache_to
                                   else "min",
                                   no_cache_filter=request.no_cache_filter, epoch=epoch,
                                   backend=request.backend, secrets=request.secrets,
                                   network=request.network, add_hosts=request.add_hosts,
                                   limits=request.limits,
                                   image_names=tuple(named.images.items()),
                                   folders=tuple(named.folders.items()), ssh=request.ssh,
                                   label=f"{plan.platform} " if several else "")
            executor = Executor(plan, store, context.origin(), options, report,
                                transfer.imported(),
                                transfer.collect if several else transfer.export,
                                missing_image_fetcher(store, report))
            if previous is not None:
                executor.share_steps(previous)
            try:
                result = executor.build()
            except DfcError as exc:
                source = Source(context.dockerfile_name,
                                context.dockerfile.decode("utf-8", "replace"))
                raise exc.located(exc.span, source) from None
            images.append(write_final_image(store, plan, result, request.labels, epoch,
                                            transfer.inline, request.annotations))
            previous = executor
        if several:
            transfer.flush()
        top = write_index(store, [i.manifest for i in images]) if several else images[0].manifest
        tags = tuple(store.tag(tag, top) for tag in request.tags)
        if not tags:
            store.add(top)
    image_id = top.digest if several else images[0].config.digest
    report(events.Note(step=0, message=f"writing image {image_id}"))
    for tag in tags:
        report(events.Note(step=0, message=f"naming to {tag}"))
    record = store.resolve(top.digest)
    base = base_layers(store, plans[-1])
    pushes: list[str] = []
    output_names: list[str] = []
    for spec in request.outputs:
        if spec.type in ("image", "registry"):
            names, to_push = name_image(store, spec, record, tags, base, report)
            output_names += names
            pushes += to_push
            continue
        if spec.dest:
            report(events.Note(step=0, message=f"exporting to {spec.type}: {spec.dest}"))
        export(store, spec, record, tags, stdout, base)
    return BuildResult(image_id, top.digest, tuple(dict.fromkeys((*tags, *output_names))),
                       tuple(pushes))


def base_layers(store: Store, plan: ir.Plan) -> tuple[str, ...]:
    """The layer digests of the image the target stage starts from (through the stages
    it is built FROM): what an export keeps in its compression unless forced."""
    stage = plan.stages[plan.target]
    while isinstance(stage.base, ir.StageRef):
        stage = plan.stages[stage.base.index]
    if not isinstance(stage.base, ir.ImageRef):
        return ()
    try:
        manifest, _ = read(store, store.resolve(stage.base.name))
    except DfcError:
        return ()
    return tuple(layer.digest for layer in manifest.layers)


def name_image(store: Store, spec: OutputSpec, record: ImageRecord, tags: tuple[str, ...],
               base: tuple[str, ...], report: events.Reporter
               ) -> tuple[list[str], list[str]]:
    """`-o type=image|registry`: the image (in the asked compression) under the output's
    names, else the build's tags; returns the names given and those to push."""
    names = tuple(tag_name(n) for n in spec.names) or tags
    if spec.push and not names:
        raise UsageError(f"type={spec.type} needs a name to push: add name=NAME or -t NAME")
    image = compressed_image(store, record, spec.compression, base)
    for name in names:
        if name not in tags or image.manifest.digest != record.manifest.digest:
            store.tag(name, image.manifest)
            report(events.Note(step=0, message=f"naming to {name}"))
    if not names:
        store.add(image.manifest)
    return list(names), (list(names) if spec.push else [])


def warn_unconsumed(plan: ir.Plan, build_args: Mapping[str, str],
                    report: events.Reporter) -> None:
    from dfc.compiler.scope import unconsumed_build_args

    unused = unconsumed_build_args(plan.declared, build_args)
    if unused:
        report(events.Note(step=0, message="[Warning] One or more build-args "
                           f"[{' '.join(unused)}] were not consumed"))


class CacheTransfer:
    """`--cache-from` sources and the `--cache-to` destination of one build."""

    def __init__(self, request: BuildRequest, store: Store, report: events.Reporter):
        self.request = request
        self.store = store
        self.report = report
        self.inline: dict[str, Result] | None = None
        self.collected: dict[str, Result] = {}

    def _settings(self) -> RegistrySettings:
        from dfc.runtime.registry.config import load_settings

        return load_settings()

    def imported(self) -> ImportedCache | None:
        if not self.request.cache_from:
            return None
        sources: list[CacheSource] = []
        for spec in self.request.cache_from:
            if spec.type == "registry":
                from dfc.runtime.registry.cache import RegistryCache

                sources.append(RegistryCache(spec.where, self.store, self._settings(),
                                             pull_notes(self.report)))
            else:
                sources.append(FolderCache(Path(spec.where)))
        return ImportedCache(sources)

    def collect(self, records: dict[str, Result]) -> None:
        """One platform's records of a multi-platform build: inline ones go in that
        platform's image; the others are gathered and exported once (`flush`)."""
        if self.request.cache_to is not None and self.request.cache_to.type == "inline":
            self.inline = records
        else:
            self.collected.update(records)

    def flush(self) -> None:
        if self.collected:
            self.export(self.collected)

    def export(self, records: dict[str, Result]) -> None:
        spec = self.request.cache_to
        if spec is None:
            return
        if spec.type == "inline":
            self.inline = records
        elif spec.type == "registry":
            from dfc.runtime.registry.cache import push_cache

            push_cache(self.store, records, spec.where, self._settings(),
                       pull_notes(self.report))
        else:
            export_cache(self.store, records, Path(spec.where))


def write_final_image(store: Store, plan: ir.Plan, result: StageResult,
                      labels: Mapping[str, str], epoch: int | None,
                      cache: dict[str, Result] | None = None,
                      annotations: Mapping[str, str] | None = None) -> image.StoredImage:
    """The target stage as an image: its config (with `--label`s), history and layers,
    with `cache` its inline build cache, with `annotations` on its manifest."""
    config = configs.to_image(result.config)
    if labels:
        merged = {**(config.labels or {}), **labels}
        config = msgspec.structs.replace(config, labels=merged)
    platform = parse_platform(result.platform or plan.platform)  # what it is, never relabelled
    state = result.state
    history, created = dated(state.history, epoch, result.base_history)
    blob = image.ImageConfig(
        architecture=platform.architecture, os=platform.os, variant=platform.variant,
        rootfs=image.RootFS(diff_ids=state.diff_ids), config=config, history=history,
        created=created, author=result.config.author or None, cache=cache,
    )
    return image.write_image(store, blob, state.layers, annotations)


def dated(history: tuple[image.History, ...], epoch: int | None,
          base: tuple[image.History, ...] = ()) -> tuple[tuple[image.History, ...], str]:
    """Fill the dates metadata entries still lack (no layer came after them) with the
    last known one; the image's `created` is the newest entry's (so an all-cached rebuild
    writes the same config, hence the same image ID, as BuildKit does).

    With SOURCE_DATE_EPOCH, as BuildKit's image exporter: the entries the image shares
    with its base image keep their dates; every later one, and `created`, newer than the
    epoch (or undated) becomes the epoch."""
    known = [h.created for h in history if h.created is not None]
    fallback = image.rfc3339(epoch if epoch is not None else time.time())
    last = max(known) if known else fallback
    filled = tuple(h if h.created is not None else msgspec.structs.replace(h, created=last)
                   for h in history)
    if epoch is None:
        return filled, last
    stamp = image.rfc3339(epoch)
    shared = 0
    while shared < min(len(base), len(history)) and history[shared] == base[shared]:
        shared += 1
    clamped = tuple(h if i < shared or not _after(h.created, epoch)
                    else msgspec.structs.replace(h, created=stamp)
                    for i, h in enumerate(filled))
    return clamped, stamp if _after(last, epoch) else last


def _after(created: str | None, epoch: int) -> bool:
    """Is an RFC 3339 date later than `epoch` (undated counts as later)?"""
    if created is None:
        return True
    from datetime import datetime

    return datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() > epoch
