"""COPY source selection and the content digest that keys it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfc.cache.inputs import (
    Match,
    Origin,
    SourceNotFound,
    select,
    selection_digest,
    walk,
)
from dfc.cache.patterns import IgnoreMatcher
from dfc.cache.statcache import StatCache


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "main.go").write_text("package main\n")
    (tmp_path / "src" / "lib" / "a.go").write_text("package lib\n")
    (tmp_path / "file1.txt").write_text("one")
    (tmp_path / "file2.txt").write_text("two")
    (tmp_path / "secret.env").write_text("TOKEN=x")
    (tmp_path / "up").symlink_to("../../../../etc")
    (tmp_path / "abs").symlink_to("/src/main.go")
    return tmp_path


def origin(root: Path, *ignore: str) -> Origin:
    return Origin(str(root), IgnoreMatcher.from_lines(ignore), reset_owner=True)


def digest(root: Path, sources: list[str], *ignore: str) -> str:
    return selection_digest(origin(root, *ignore), sources, StatCache())


def test_wildcards_literals_and_missing(context: Path) -> None:
    ctx = origin(context)
    assert [m.real for m in select(ctx, "file*")] == ["file1.txt", "file2.txt"]
    assert select(ctx, "nomatch*") == []
    assert [m.real for m in select(ctx, "../src/")] == ["src"]
    with pytest.raises(SourceNotFound, match='"/nope": not found'):
        select(ctx, "nope")
    with pytest.raises(SourceNotFound, match='"/missing": not found'):
        select(ctx, "missing/*.go")


def test_symlinks_resolve_inside_the_root(context: Path) -> None:
    ctx = origin(context)
    assert select(ctx, "abs") == [Match(name="abs", real="src/main.go")]
    with pytest.raises(SourceNotFound):
        select(ctx, "up/passwd")  # ../../etc stays at the context root: no /etc there


def test_dockerignored_files_do_not_exist(context: Path) -> None:
    ctx = origin(context, "*.env", "src/lib")
    with pytest.raises(SourceNotFound):
        select(ctx, "secret.env")
    assert [rel for rel, _ in walk(ctx, "src")] == ["src", "src/main.go"]


def test_digest_ignores_times_but_not_modes_names_or_content(context: Path) -> None:
    before = digest(context, ["src", "file*"])
    os.utime(context / "src" / "main.go", (1, 1))
    assert digest(context, ["src", "file*"]) == before
    (context / "src" / "main.go").chmod(0o755)
    after_chmod = digest(context, ["src", "file*"])
    assert after_chmod != before
    (context / "file2.txt").rename(context / "file3.txt")
    assert digest(context, ["src", "file*"]) != after_chmod


def test_digest_ignores_unselected_and_ignored_files(context: Path) -> None:
    before = digest(context, ["src"], "src/lib")
    (context / "file1.txt").write_text("changed")
    (context / "src" / "lib" / "a.go").write_text("changed")
    assert digest(context, ["src"], "src/lib") == before


def test_stat_cache_reads_no_unchanged_file(context: Path, tmp_path_factory,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cache_file = tmp_path_factory.mktemp("cache") / "stat"
    cache = StatCache(cache_file)
    first = selection_digest(origin(context), ["src"], cache)
    cache.save()

    def no_reading(path: str) -> str:
        raise AssertionError(f"{path} was read although it did not change")

    monkeypatch.setattr("dfc.cache.statcache.hash_file", no_reading)
    assert selection_digest(origin(context), ["src"], StatCache(cache_file)) == first
