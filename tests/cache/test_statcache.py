"""The persistent stat cache: one map per context, nothing rewritten when nothing changed,
and a changed file never answered from the map."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfc.cache.statcache import StatCache, context_stats


def files(root: Path) -> list[tuple[str, os.stat_result]]:
    return [(p.name, p.lstat()) for p in sorted(root.iterdir())]


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "a.txt").write_text("one")
    (root / "b.txt").write_text("two")
    return root


def test_unchanged_files_are_neither_read_nor_rewritten(context: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "store").mkdir()
    cache = context_stats(tmp_path / "store", str(context))
    first = cache.digests(f"{context}/", files(context))
    cache.save()
    saved = cache.path
    assert saved is not None and saved.parent == tmp_path / "store" / "statcache"
    before = saved.stat().st_mtime_ns

    def no_reading(path: str) -> str:
        raise AssertionError(f"{path} was read although it did not change")

    monkeypatch.setattr("dfc.cache.statcache.hash_file", no_reading)
    again = context_stats(tmp_path / "store", str(context))
    assert again.digests(f"{context}/", files(context)) == first
    again.save()
    assert saved.stat().st_mtime_ns == before


def test_a_change_that_keeps_size_and_mtime_is_seen(context: Path) -> None:
    cache = StatCache()
    first = cache.digests(f"{context}/", files(context))
    st = (context / "a.txt").stat()
    (context / "a.txt").write_text("uno")
    os.utime(context / "a.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.digests(f"{context}/", files(context))[0] != first[0]


def test_touch_rehashes_to_the_same_digest(context: Path) -> None:
    cache = StatCache()
    first = cache.digests(f"{context}/", files(context))
    os.utime(context / "b.txt", (1, 1))
    cache.dirty = False
    assert cache.digests(f"{context}/", files(context)) == first
    assert cache.dirty


def test_contexts_have_their_own_maps_and_replace_the_old_single_file(
        context: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "statcache").write_bytes(b"the map of every context, as dfc kept it before")
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("other")
    for root in (context, other):
        cache = context_stats(store, str(root))
        cache.digests(f"{root}/", files(root))
        cache.save()
    assert len(list((store / "statcache").iterdir())) == 2
    assert list(context_stats(store, str(other)).entries) == ["a.txt"]


def test_a_time_the_record_cannot_hold_is_hashed_every_time(context: Path) -> None:
    os.utime(context / "a.txt", ns=(10**19, 10**19))  # the year 2286
    cache = StatCache()
    first = cache.digests(f"{context}/", files(context))
    assert list(cache.entries) == ["b.txt"]
    (context / "a.txt").write_text("uno")
    os.utime(context / "a.txt", ns=(10**19, 10**19))
    assert cache.digests(f"{context}/", files(context))[0] != first[0]
