"""`dfc build` as an API: context -> plan -> executed stages -> an image in the store.

Base images come from the store; one that is missing is pulled from its registry, as
`docker build` does (`pull=True` checks every base for a newer one, as `--pull` does).
The final image is written (config, manifest), tagged, and exported on request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO

import msgspec

from dfc.cache.store import ImageNotFound, Store
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime import configs, events, image
from dfc.runtime.contexts import open_context
from dfc.runtime.executor import BuildOptions, Executor, StageResult


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
    backend: str = "native"
    pull: bool = False


class BuildResult(msgspec.Struct, frozen=True):
    image_id: str
    manifest: str
    tags: tuple[str, ...]


def source_date_epoch() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise DfcError(f"invalid SOURCE_DATE_EPOCH: {value!r}") from None


Fetch = Callable[[str, str | None], None]
"""Makes sure an image (name, platform) is in the store: `registry_pull.BaseFetcher`."""


def store_resolver(store: Store, fetch: Fetch | None = None):  # type: ignore[no-untyped-def]
    """The compiler's base-image resolver: the config of an image in the store, pulled
    first through `fetch` when given."""

    def resolve(ref: ir.ImageRef) -> ir.ImageConfig:
        stored = read_image(store, ref.name, fetch, ref.platform)
        return configs.to_compiler(stored.config, stored.author)

    return resolve


def read_image(store: Store, name: str, fetch: Fetch | None = None,
               platform: str | None = None) -> image.ImageConfig:
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
    manifest = store.read_json(record.manifest.digest, image.Manifest)
    return store.read_json(manifest.config.digest, image.ImageConfig)


def pull_notes(report: events.Reporter):  # type: ignore[no-untyped-def]
    """Pull progress as build notes: messages and each layer's state changes."""
    from dfc.runtime.registry_events import Message, Transfer

    def note(event: Message | Transfer) -> None:
        if isinstance(event, Message):
            report(events.Note(step=0, message=event.text))
        elif event.status not in ("Downloading", "Pulling fs layer"):
            report(events.Note(step=0, message=f"{event.id}: {event.status}"))

    return note


def build(request: BuildRequest, store: Store, report: events.Reporter,
          stdin: BinaryIO | None = None) -> BuildResult:
    """Build the request's target into `store` and tag it."""
    from dfc.compiler.context import CompileContext
    from dfc.compiler.pipeline import compile_text
    from dfc.runtime.registry_config import load_settings
    from dfc.runtime.registry_pull import BaseFetcher

    epoch = source_date_epoch()
    fetch = BaseFetcher(store, load_settings(), pull_notes(report), always=request.pull)
    with open_context(request.context, request.dockerfile, stdin) as context:
        ctx = CompileContext(build_args=dict(request.build_args), target=request.target,
                             platform=request.platform, resolver=store_resolver(store, fetch))
        plan = compile_text(context.dockerfile, ctx, context.dockerfile_name)
        options = BuildOptions(no_cache=request.no_cache,
                               no_cache_filter=request.no_cache_filter, epoch=epoch,
                               backend=request.backend)
        result = Executor(plan, store, context.origin(), options, report).build()
    stored = write_final_image(store, plan, result, request.labels, epoch)
    tags = tuple(store.tag(tag, stored.manifest) for tag in request.tags)
    if not tags:
        store.add(stored.manifest)
    report(events.Note(step=0, message=f"writing image {stored.config.digest}"))
    for tag in tags:
        report(events.Note(step=0, message=f"naming to {tag}"))
    return BuildResult(stored.config.digest, stored.manifest.digest, tags)


def write_final_image(store: Store, plan: ir.Plan, result: StageResult,
                      labels: Mapping[str, str], epoch: int | None) -> image.StoredImage:
    """The target stage as an image: its config (with `--label`s), history and layers."""
    config = configs.to_image(result.config)
    if labels:
        merged = {**(config.labels or {}), **labels}
        config = msgspec.structs.replace(config, labels=merged)
    os_name, arch, variant = _platform(plan.platform)
    state = result.state
    history, created = dated(state.history, epoch)
    blob = image.ImageConfig(
        architecture=arch, os=os_name, variant=variant or None,
        rootfs=image.RootFS(diff_ids=state.diff_ids), config=config, history=history,
        created=created, author=result.config.author or None,
    )
    return image.write_image(store, blob, state.layers)


def dated(history: tuple[image.History, ...], epoch: int | None
          ) -> tuple[tuple[image.History, ...], str]:
    """Fill the dates metadata entries still lack (no layer came after them) with the
    last known one; the image's `created` is the newest entry's (so an all-cached rebuild
    writes the same config, hence the same image ID, as BuildKit does)."""
    known = [h.created for h in history if h.created is not None]
    fallback = image.rfc3339(epoch if epoch is not None else time.time())
    last = max(known) if known else fallback
    filled = tuple(h if h.created is not None else msgspec.structs.replace(h, created=last)
                   for h in history)
    return filled, last


def _platform(text: str) -> tuple[str, str, str]:
    parts = text.split("/")
    return parts[0], parts[1], parts[2] if len(parts) > 2 else ""


def parse_key_values(items: Sequence[str], what: str) -> dict[str, str]:
    """`K=V` options; a bare `K` takes its value from the environment (or is skipped)."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise DfcError(f"invalid {what}: {item!r} (expected KEY=VALUE)")
        if sep:
            values[key] = value
        elif key in os.environ:
            values[key] = os.environ[key]
    return values
