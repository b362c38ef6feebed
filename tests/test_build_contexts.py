"""`--build-context NAME=DIR|docker-image://REF|oci-layout://PATH[@sha256:…]`: what
`FROM NAME`, `COPY --from=NAME` and `RUN --mount=from=NAME` use, keyed by content."""

from __future__ import annotations

import json
import os
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
    folder.mkdir(parents=True, exist_ok=True)
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
    # A stage of the context's name is replaced: its RUN (which would fail) never runs.
    (made / "Dockerfile").write_text("FROM busybox AS laid\nRUN exit 1\n"
                                     "FROM laid\nRUN cat /from-layout > /copy\n")
    assert executed(fresh_store, made, [f"laid=oci-layout://{layout}"]) == [
        "RUN cat /from-layout > /copy"]
    with pytest.raises(DfcError, match="has no manifest sha256:0000"):
        executed(fresh_store, made, [f"laid=oci-layout://{layout}@sha256:{'0' * 64}"])


def context_image(store: Store, tmp_path: Path) -> str:
    """`ctximg`: busybox with a file, an ENV and an ONBUILD of its own."""
    made = dockerfile(tmp_path / "made", "FROM busybox\nRUN echo ctx > /ctx\n"
                      "ENV FROM_CONTEXT=1\nONBUILD RUN echo trig > /trig\n")
    build(BuildRequest(context=str(made), tags=("ctximg",)), store, lambda e: None)
    return "ctximg"


def test_a_context_named_like_a_stage_replaces_the_stage(fresh_store: Store,
                                                         tmp_path: Path) -> None:
    """BuildKit dispatches none of a replaced stage's instructions: `FROM base` and
    `COPY --from=base` see the context; the context image's ONBUILD runs in the child."""
    name = context_image(fresh_store, tmp_path)
    folder = dockerfile(tmp_path, "FROM busybox AS base\nRUN echo stage > /stage\n"
                        "ENV FROM_STAGE=1\nFROM base\nCOPY --from=base /ctx /copied\n"
                        "RUN test ! -e /stage && cat /ctx > /seen\n")
    contexts = [f"base=docker-image://{name}"]
    assert executed(fresh_store, folder, contexts) == [
        "RUN echo trig > /trig", "COPY --from=base /ctx /copied",
        "RUN test ! -e /stage && cat /ctx > /seen"]
    config = read_image(fresh_store, "out").config
    assert "FROM_CONTEXT=1" in config.env and not any("FROM_STAGE" in e for e in config.env)
    assert config.on_build is None
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "bundle")
    assert (rootfs / "seen").read_text() == (rootfs / "copied").read_text() == "ctx\n"
    assert (rootfs / "trig").read_text() == "trig\n" and not (rootfs / "stage").exists()
    assert executed(fresh_store, folder, contexts) == []
    # Without the context the stage is built as written (and has no /ctx).
    with pytest.raises(DfcError, match='"/ctx": not found'):
        executed(fresh_store, folder, [])


def test_a_folder_context_replaces_a_stage(fresh_store: Store, tmp_path: Path) -> None:
    prebuilt = tmp_path / "prebuilt"
    prebuilt.mkdir()
    (prebuilt / "artifact").write_text("prebuilt\n")
    folder = dockerfile(tmp_path, "FROM busybox AS build\nRUN echo slow > /artifact\n"
                        "FROM busybox\nCOPY --from=build /artifact /artifact\n")
    contexts = [f"build={prebuilt}"]
    assert executed(fresh_store, folder, contexts) == ["COPY --from=build /artifact /artifact"]
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "bundle")
    assert (rootfs / "artifact").read_text() == "prebuilt\n"
    assert executed(fresh_store, folder, contexts) == []
    (prebuilt / "artifact").write_text("changed\n")
    assert executed(fresh_store, folder, contexts) == ["COPY --from=build /artifact /artifact"]


def test_a_folder_context_is_a_from_base(fresh_store: Store, tmp_path: Path) -> None:
    """`FROM NAME` of a local context: the folder (its .dockerignore applied, owners
    0:0) is the root filesystem, with an empty image's config; keyed by content."""
    files = tmp_path / "files"
    (files / "sub").mkdir(parents=True)
    (files / "sub" / "a.txt").write_text("one\n")
    (files / "secret.key").write_text("no\n")
    (files / ".dockerignore").write_text("*.key\n")
    os.chown(files / "sub" / "a.txt", 1234, 1234)
    folder = dockerfile(tmp_path, "FROM files\nCOPY extra.txt /extra.txt\n")
    (folder / "extra.txt").write_text("extra\n")
    contexts = [f"files={files}"]
    assert executed(fresh_store, folder, contexts) == ["COPY extra.txt /extra.txt"]
    stored = read_image(fresh_store, "out")
    assert stored.config.env == ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                 "/sbin:/bin",)
    assert stored.config.working_dir == "/" and stored.config.cmd is None
    assert len(stored.rootfs.diff_ids) == 2
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "bundle")
    assert (rootfs / "sub" / "a.txt").read_text() == "one\n"
    assert (rootfs / "sub" / "a.txt").stat().st_uid == 0
    assert (rootfs / "extra.txt").read_text() == "extra\n"
    assert not (rootfs / "secret.key").exists() and not (rootfs / "bin").exists()
    assert executed(fresh_store, folder, contexts) == []
    (files / "secret.key").write_text("ignored, so no rebuild\n")
    assert executed(fresh_store, folder, contexts) == []
    (files / "sub" / "a.txt").write_text("two\n")
    assert executed(fresh_store, folder, contexts) == ["COPY extra.txt /extra.txt"]
    changed = read_image(fresh_store, "out")
    assert changed.rootfs.diff_ids[0] != stored.rootfs.diff_ids[0]
    assert changed.rootfs.diff_ids[1] == stored.rootfs.diff_ids[1]


def test_context_names_are_normalised_and_reserved_ones_ignored(
        fresh_store: Store, tmp_path: Path) -> None:
    name = context_image(fresh_store, tmp_path)
    folder = dockerfile(tmp_path, "FROM docker.io/library/alpine:latest\n"
                        "RUN cat /ctx > /seen\n")
    assert executed(fresh_store, folder, [f"alpine=docker-image://{name}"]) == [
        "RUN echo trig > /trig", "RUN cat /ctx > /seen"]
    folder = dockerfile(tmp_path, "FROM scratch AS context\nCOPY Dockerfile /d\n")
    assert executed(fresh_store, folder, [f"scratch=docker-image://{name}",
                                          f"context=docker-image://{name}"]) == [
        "COPY Dockerfile /d"]
    assert read_image(fresh_store, "out").config.env == (
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)


def test_bad_context_names_and_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DfcError, match="invalid context name Base: .*must be lowercase"):
        parse_build_context(f"Base={tmp_path}")
    # BuildKit's per-platform key (`NAME::PLATFORM`) is no name buildx accepts.
    with pytest.raises(DfcError, match="invalid context name a::linux/amd64"):
        parse_build_context(f"a::linux/amd64={tmp_path}")
    with pytest.raises(DfcError, match="expected key=value"):
        parse_build_context("novalue")
    with pytest.raises(DfcError, match="not URLs"):
        parse_build_context("x=https://example.com/ctx.tar")
    with pytest.raises(DfcError, match="is not a folder"):
        parse_build_context(f"x={tmp_path / 'missing'}")
