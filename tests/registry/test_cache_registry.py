"""A build cache shared through a registry: two stores stand for two machines."""

from __future__ import annotations

from pathlib import Path

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.cache.transfer import CacheSpec
from dfc.runtime import events

DOCKERFILE = """\
FROM busybox AS deps
COPY manifest.txt /app/
RUN cat /app/manifest.txt > /app/installed
FROM busybox
COPY --from=deps /app/installed /installed
COPY last.txt /last.txt
RUN cat /installed /last.txt > /both
"""


def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "manifest.txt").write_text("dep==1\n")
    (ctx / "last.txt").write_text("last\n")
    return ctx


def executed(store: Store, ctx: Path, **options: object) -> list[str]:
    recorded: list[events.AnyEvent] = []
    build(BuildRequest(context=str(ctx), **options), store, recorded.append)
    names = {e.step: e.name.split("] ", 1)[1] for e in recorded
             if isinstance(e, events.Started)}
    return [names[e.step] for e in recorded if isinstance(e, events.Done)]


def test_second_machine_builds_everything_from_the_registry_cache(
        registry, fresh_store: Store, second_store: Store, docker_config, tmp_path: Path
        ) -> None:
    ctx = context(tmp_path)
    ref = f"{registry.host}/cache/app:buildcache"
    first = executed(fresh_store, ctx, cache_to=CacheSpec("registry", ref, "max"))
    assert len(first) == 5
    source = (CacheSpec("registry", ref),)
    assert executed(second_store, ctx, cache_from=source) == []
    (ctx / "last.txt").write_text("changed\n")
    assert executed(second_store, ctx, cache_from=source) == [
        "COPY last.txt /last.txt", "RUN cat /installed /last.txt > /both"]
    assert second_store.check().ok


def test_min_mode_exports_only_the_final_stages_results(
        registry, fresh_store: Store, second_store: Store, docker_config, tmp_path: Path
        ) -> None:
    ctx = context(tmp_path)
    ref = f"{registry.host}/cache/app:min"
    executed(fresh_store, ctx, cache_to=CacheSpec("registry", ref, "min"))
    again = executed(second_store, ctx, cache_from=(CacheSpec("registry", ref),))
    # The deps stage is not in a min cache: it runs, gives the same file, and the final
    # stage's COPY --from (keyed by content) and the rest hit.
    assert again == ["COPY manifest.txt /app/", "RUN cat /app/manifest.txt > "
                     "/app/installed"]


def test_an_image_pushed_with_an_inline_cache_is_its_own_cache(
        registry, fresh_store: Store, second_store: Store, docker_config, run_dfc,
        tmp_path: Path) -> None:
    ctx = context(tmp_path)
    image = f"{registry.host}/cache/inline:1"
    executed(fresh_store, ctx, tags=(image,), cache_to=CacheSpec("inline"))
    assert run_dfc("push", image, "--root", str(fresh_store.root)).returncode == 0
    again = executed(second_store, ctx, cache_from=(CacheSpec("registry", image),))
    assert "RUN cat /installed /last.txt > /both" not in again
    assert "COPY last.txt /last.txt" not in again
