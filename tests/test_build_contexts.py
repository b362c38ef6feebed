"""`--build-context NAME=DIR|docker-image://REF|oci-layout://PATH[@sha256:…]`: what
`FROM NAME`, `COPY --from=NAME` and `RUN --mount=from=NAME` use, keyed by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build, read_image
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from dfc.runtime.contexts import parse_build_context
from dfc.runtime.images.export import OutputSpec
from tests.test_build import unpack


def executed(store: Store, folder: Path, contexts: list[str], tag: str = "out",
             **options: object) -> list[str]:
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(folder), tags=(tag,),
                       contexts=tuple(parse_build_context(c) for c in contexts), **options),
          store, seen.append)
    started = {e.step: e.name.split("] ", 1)[1] for e in seen if isinstance(e, events.Started)}
    return [started[e.step] for e in seen if isinstance(e, events.Done)]


def dockerfile(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(text)
    return folder


def test_docker_image_context_replaces_a_from_name(fresh_store: Store, tmp_path: Path) -> None:
    folder = dockerfile(tmp_path, "FROM base\nRUN echo hi > /hi\n")
    assert executed(fresh_store, folder, ["base=docker-image://busybox"]) == [
        "RUN echo hi > /hi"]
    base = read_image(fresh_store, "busybox")
    assert read_image(fresh_store, "out").rootfs.diff_ids[0] == base.rootfs.diff_ids[0]
    assert executed(fresh_store, folder, ["base=docker-image://busybox"]) == []
    with pytest.raises(DfcError, match="cannot pull image 'base'"):
        executed(fresh_store, folder, [])  # without the context, base is an image name


def test_folder_context_for_copy_from_and_mounts_keyed_by_content(
        fresh_store: Store, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "a.txt").write_text("one\n")
    folder = dockerfile(tmp_path, "FROM busybox\nCOPY --from=files a.txt /a.txt\n"
                        "RUN --mount=from=files,target=/m cat /m/a.txt > /b.txt\n")
    contexts = [f"files={files}"]
    assert executed(fresh_store, folder, contexts) == [
        "COPY --from=files a.txt /a.txt", "RUN --mount=from=files,target=/m cat /m/a.txt > /b.txt"]
    assert executed(fresh_store, folder, contexts) == []
    (files / "a.txt").write_text("two\n")
    assert executed(fresh_store, folder, contexts) == [
        "COPY --from=files a.txt /a.txt", "RUN --mount=from=files,target=/m cat /m/a.txt > /b.txt"]
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "bundle")
    assert (rootfs / "a.txt").read_text() == (rootfs / "b.txt").read_text() == "two\n"


def test_oci_layout_context(fresh_store: Store, tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    made = dockerfile(tmp_path, "FROM busybox\nRUN echo layer > /from-layout\n")
    build(BuildRequest(context=str(made), outputs=(OutputSpec("oci", str(layout)),)),
          fresh_store, lambda e: None)
    [entry] = json.loads((layout / "index.json").read_text())["manifests"]
    (made / "Dockerfile").write_text("FROM laid\nRUN cat /from-layout > /copy\n")
    for value in (f"oci-layout://{layout}", f"oci-layout://{layout}@{entry['digest']}"):
        other = Store(tmp_path / f"other-{len(value)}")  # a store without busybox
        executed(other, made, [f"laid={value}"])
        rootfs = unpack(other, "docker.io/library/out:latest", tmp_path / f"b-{len(value)}")
        assert (rootfs / "copy").read_text() == "layer\n"
    with pytest.raises(DfcError, match="has no manifest sha256:0000"):
        executed(fresh_store, made, [f"laid=oci-layout://{layout}@sha256:{'0' * 64}"])


def test_a_folder_cannot_be_a_from_base_and_urls_are_refused(fresh_store: Store,
                                                             tmp_path: Path) -> None:
    folder = dockerfile(tmp_path, "FROM files\n")
    with pytest.raises(DfcError, match="a folder cannot be a FROM base in dfc"):
        executed(fresh_store, folder, [f"files={tmp_path}"])
    with pytest.raises(DfcError, match="not URLs"):
        parse_build_context("x=https://example.com/ctx.tar")
    with pytest.raises(DfcError, match="is not a folder"):
        parse_build_context(f"x={tmp_path / 'missing'}")
