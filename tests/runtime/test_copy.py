"""COPY/ADD destination and ownership rules (reference section 7), as layer entries."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from dfc.cache.inputs import Origin, SourceNotFound
from dfc.compiler import ir
from dfc.runtime.fs.layer import Entry
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.steps.copy import copy_entries
from dfc.source import Span

STATE = ir.State(env=(), user="", workdir="/", shell=ir.DEFAULT_SHELL, platform="linux/amd64")


def step(*sources: str, dest: str, instruction: str = "COPY", **flags: object) -> ir.Copy:
    return ir.Copy(span=Span(1, 1, 1, 2), state=STATE, instruction=instruction,
                   origin=ir.ContextRef(), dest=dest,
                   sources=tuple(ir.PathSource(path=s) for s in sources), **flags)


@pytest.fixture
def image(tmp_path: Path) -> RootView:
    root = tmp_path / "layer"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(
        "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\nstaff:x:50:\n")
    (root / "app").mkdir()
    (root / "link").symlink_to("/")
    return RootView([root])


@pytest.fixture
def context(tmp_path: Path) -> Origin:
    ctx = tmp_path / "ctx"
    (ctx / "src" / "sub").mkdir(parents=True)
    (ctx / "src" / "a.txt").write_text("a")
    (ctx / "src" / "sub" / "b.txt").write_text("b")
    (ctx / "one").write_text("1")
    (ctx / "two").write_text("2")
    os.chmod(ctx / "one", 0o750)
    os.chown(ctx / "one", 1234, 1234)
    return Origin(str(ctx), reset_owner=True)


def entries(copy: ir.Copy, context: Origin, image: RootView, tmp_path: Path) -> dict[str, Entry]:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return {e.path: e for e in copy_entries(copy, context, image, str(scratch), epoch=0)}


def test_directory_source_copies_contents(context, image, tmp_path) -> None:
    got = entries(step("src", dest="/dst"), context, image, tmp_path)
    assert sorted(got) == ["dst", "dst/a.txt", "dst/sub", "dst/sub/b.txt"]


def test_file_to_existing_directory_and_to_new_path(context, image, tmp_path) -> None:
    assert sorted(entries(step("one", dest="/app"), context, image, tmp_path)) == [
        "app", "app/one"]
    assert sorted(entries(step("one", dest="/new/name"), context, image, tmp_path)) == [
        "new", "new/name"]
    assert sorted(entries(step("one", dest="/new/"), context, image, tmp_path)) == [
        "new", "new/one"]


def test_several_sources_to_a_missing_path_overwrite(context, image, tmp_path) -> None:
    got = entries(step("one", "two", dest="/x"), context, image, tmp_path)
    assert list(got) == ["x"] and Path(got["x"].source).read_text() == "2"


def test_context_files_are_root_owned_and_keep_their_mode(context, image, tmp_path) -> None:
    got = entries(step("one", dest="/o"), context, image, tmp_path)["o"]
    assert (got.uid, got.gid, got.mode) == (0, 0, 0o750)


def test_chown_by_name_number_and_unknown(context, image, tmp_path) -> None:
    def owner(spec: str) -> tuple[int, int]:
        got = entries(step("one", dest="/o", chown=spec), context, image, tmp_path)["o"]
        return got.uid, got.gid

    assert owner("app") == (1000, 1001)
    assert owner("1000") == (1000, 1000)
    assert owner("app:staff") == (1000, 50)
    assert owner("nobody-here") == (0, 0)
    assert owner("app:") == (1000, 0)


def test_chmod_applies_to_copied_files_and_dirs_not_the_destination(context, image,
                                                                     tmp_path) -> None:
    got = entries(step("src", dest="/d/", chmod="0700"), context, image, tmp_path)
    assert {p: oct(e.mode) for p, e in got.items()} == {
        "d": "0o755", "d/a.txt": "0o700", "d/sub": "0o700", "d/sub/b.txt": "0o700"}


def test_destination_through_a_symlink_stays_in_the_image(context, image, tmp_path) -> None:
    assert sorted(entries(step("one", dest="/link/etc/"), context, image, tmp_path)) == [
        "etc", "etc/one"]


def test_existing_parents_are_in_the_layer_as_they_are(context, image, tmp_path) -> None:
    os.chmod(image.layers[0] / "app", 0o1777)
    os.chown(image.layers[0] / "app", 65534, 65534)
    got = entries(step("one", dest="/app/", chown="1000"), context, image, tmp_path)["app"]
    assert (got.mode, got.uid, got.gid) == (0o1777, 65534, 65534)


def test_missing_source_and_empty_wildcard(context, image, tmp_path) -> None:
    with pytest.raises(SourceNotFound, match='"/nope": not found'):
        entries(step("nope", dest="/"), context, image, tmp_path)
    assert sorted(entries(step("one", "none*", dest="/d/"), context, image, tmp_path)) == [
        "d", "d/one"]


def test_parents_keeps_the_source_structure(context, image, tmp_path) -> None:
    got = entries(step("src/./sub/b.txt", "one", dest="/p/", parents=True), context, image,
                  tmp_path)
    assert sorted(got) == ["p", "p/one", "p/sub", "p/sub/b.txt"]


def test_exclude_filters_inside_sources(context, image, tmp_path) -> None:
    got = entries(step("src", dest="/e", exclude=("*.txt",)), context, image, tmp_path)
    assert sorted(got) == ["e", "e/sub", "e/sub/b.txt"]


def test_heredoc_sources_are_0644_files(context, image, tmp_path) -> None:
    copy = ir.Copy(span=Span(1, 1, 1, 2), state=STATE, instruction="COPY",
                   origin=ir.ContextRef(), dest="/h/",
                   sources=(ir.InlineSource(name="EOF", data="hello\n"),))
    got = entries(copy, context, image, tmp_path)["h/EOF"]
    assert (got.mode, got.data) == (0o644, b"hello\n")


def test_add_extracts_tar_by_content_and_copy_does_not(context, image, tmp_path) -> None:
    archive = Path(context.root) / "bundle.renamed"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("pkg/file")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    added = entries(step("bundle.renamed", dest="/opt/", instruction="ADD"), context, image,
                    tmp_path)
    assert "opt/pkg/file" in added
    copied = entries(step("bundle.renamed", dest="/opt/"), context, image, tmp_path)
    assert sorted(copied) == ["opt", "opt/bundle.renamed"]


def test_add_refuses_archive_escapes(context, image, tmp_path) -> None:
    archive = Path(context.root) / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(Exception, match="unsafe|outside|\\.\\."):
        entries(step("evil.tar", dest="/opt/", instruction="ADD"), context, image, tmp_path)
    assert not (tmp_path / "escape").exists()


def test_link_copies_onto_nothing_and_follows_no_symlink(context, image, tmp_path) -> None:
    plain = entries(step("one", dest="/link/etc/"), context, image, tmp_path)
    assert sorted(plain) == ["etc", "etc/one"]  # through the image's /link -> /
    linked = entries(step("one", dest="/link/etc/", link=True), context, image, tmp_path)
    assert sorted(linked) == ["link", "link/etc", "link/etc/one"]
    assert sorted(entries(step("one", dest="/app", link=True), context, image, tmp_path)) == [
        "app"]  # /app is not seen as an existing directory: the file becomes /app
