"""Multi-platform builds (`--platform linux/amd64,linux/arm64`): one image per platform in an
OCI index, foreign RUN steps under QEMU user emulation, bases chosen by platform, and no
silent relabel of a base of another platform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.cache.oci import Index, Manifest
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.multiplatform import DOCKER_EXPORTER, platform_list
from dfc.platform import parse_platform
from dfc.runtime.emulation import binfmt
from dfc.runtime.images.config import ImageConfig
from tests.conftest import MultiPlatformBase

TWO = "linux/amd64,linux/arm64"
PROBE = """\
FROM --platform=$BUILDPLATFORM busybox:multi AS tools
RUN echo "tools run once on $(uname -m)" && echo "built on $(uname -m)" > /tool
FROM busybox:multi
ARG TARGETARCH
COPY --from=tools /tool /tool
RUN echo "$(uname -m) $TARGETARCH" > /arch
"""


@pytest.fixture
def store(multiplatform_base: MultiPlatformBase, tmp_path: Path) -> Store:
    shutil.copytree(multiplatform_base.store.root, tmp_path / "store", symlinks=True,
                    ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    return Store(tmp_path / "store")


def dfc(dfc_cmd: list[str], store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*dfc_cmd, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DFC_ROOT": str(store.root)})


def context(tmp_path: Path, dockerfile: str) -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile)
    return folder


def built(dfc_cmd: list[str], store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    done = dfc(dfc_cmd, store, "build", "--progress", "plain", *args)
    assert done.returncode == 0, done.stderr
    return done


def test_platform_list_is_normalised_once_each() -> None:
    assert platform_list("linux/x86_64,linux/aarch64,linux/amd64,linux/arm64/v8") == [
        "linux/amd64", "linux/arm64"]
    assert platform_list(None) == [None]
    with pytest.raises(DfcError, match="empty entry"):
        platform_list("linux/amd64,")


@pytest.mark.slow
def test_two_platform_build_runs_each_platform_and_shares_the_build_platform_stage(
        dfc_cmd: list[str], store: Store, tmp_path: Path) -> None:
    ctx = context(tmp_path, PROBE)
    done = built(dfc_cmd, store, "--platform", TWO, "--no-cache", "-t", "probe:1",
                 "-o", f"type=local,dest={tmp_path / 'local'}",
                 "-o", f"type=tar,dest={tmp_path / 'rootfs.tar'}",
                 "-o", f"type=oci,dest={tmp_path / 'oci.tar'}", str(ctx))
    local = tmp_path / "local"
    assert sorted(p.name for p in local.iterdir()) == ["linux_amd64", "linux_arm64"]
    assert (local / "linux_amd64/arch").read_text() == "x86_64 amd64\n"
    assert (local / "linux_arm64/arch").read_text() == "aarch64 arm64\n"
    # The $BUILDPLATFORM stage ran once (even under --no-cache), natively, for both.
    assert done.stderr.count("tools run once on x86_64") == 1
    assert "tools run once on aarch64" not in done.stderr
    assert (local / "linux_arm64/tool").read_text() == "built on x86_64\n"
    assert "[linux/arm64 stage-1 3/3] RUN" in done.stderr
    with tarfile.open(tmp_path / "rootfs.tar") as tar:
        for folder, line in (("linux_amd64", b"x86_64 amd64\n"),
                             ("linux_arm64", b"aarch64 arm64\n")):
            member = tar.extractfile(f"{folder}/arch")
            assert member is not None and member.read() == line
    # The store holds one name for an OCI index of two images of the right platforms.
    record = store.resolve("probe:1")
    assert record.manifest.media_type == "application/vnd.oci.image.index.v1+json"
    index = store.read_json(record.manifest.digest, Index)
    platforms = []
    for entry in index.manifests:
        config = store.read_json(store.read_json(entry.digest, Manifest).config.digest,
                                 ImageConfig)
        assert entry.platform == config.platform
        platforms.append(str(config.platform))
    assert platforms == ["linux/amd64", "linux/arm64"]
    # type=oci writes that index.
    with tarfile.open(tmp_path / "oci.tar") as tar:
        top = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
        assert top["manifests"][0]["digest"] == record.manifest.digest
        blob = tar.extractfile("blobs/sha256/" + record.manifest.digest[7:])
        assert blob is not None
        assert [m["platform"]["architecture"] for m in json.load(blob)["manifests"]] == [
            "amd64", "arm64"]


@pytest.mark.slow
def test_a_rebuild_of_both_platforms_is_all_cached(dfc_cmd: list[str], store: Store,
                                                   tmp_path: Path) -> None:
    ctx = context(tmp_path, PROBE)
    first = built(dfc_cmd, store, "--platform", TWO, "-q", str(ctx))
    again = built(dfc_cmd, store, "--platform", TWO, str(ctx))
    assert "DONE" not in again.stderr.replace("#0 DONE", "")
    assert again.stderr.count("CACHED") == 6  # 3 steps per platform
    assert first.stdout.strip() in again.stderr  # the same index digest


def test_type_docker_is_refused_for_several_platforms(dfc_cmd: list[str], store: Store,
                                                     tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:multi\n")
    done = dfc(dfc_cmd, store, "build", "--platform", TWO, "-o",
               f"type=docker,dest={tmp_path / 'img.tar'}", str(ctx))
    assert done.returncode == 1
    assert DOCKER_EXPORTER in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "img.tar").exists()


def test_an_index_without_the_platform_is_an_error(dfc_cmd: list[str], store: Store,
                                                   tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:multi\nRUN true\n")
    done = dfc(dfc_cmd, store, "build", "--platform", "linux/s390x", str(ctx))
    assert done.returncode == 1
    assert "no match for platform linux/s390x" in done.stderr
    assert "linux/amd64, linux/arm64" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_single_image_of_another_platform_warns_and_keeps_its_platform(
        dfc_cmd: list[str], store: Store, tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:arm64\nRUN uname -m > /machine\n")
    done = built(dfc_cmd, store, "--platform", "linux/amd64", "-t", "odd",
                 "-o", f"type=local,dest={tmp_path / 'out'}", str(ctx))
    assert ('InvalidBaseImagePlatform: Base image busybox:arm64 was pulled with platform '
            '"linux/arm64", expected "linux/amd64" for current build') in done.stderr
    assert (tmp_path / "out/machine").read_text() == "aarch64\n"  # what the base is
    inspected = json.loads(dfc(dfc_cmd, store, "image", "inspect", "odd").stdout)
    assert inspected[0]["Architecture"] == "arm64"  # never relabelled amd64


def test_import_platform_labels_the_image(dfc_cmd: list[str], store: Store,
                                          tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root/file").write_text("x")
    with tarfile.open(tmp_path / "root.tar", "w") as tar:
        tar.add(tmp_path / "root", arcname=".")
    done = dfc(dfc_cmd, store, "import", "--platform", "linux/aarch64",
               str(tmp_path / "root.tar"), "imported:arm")
    assert done.returncode == 0, done.stderr
    inspected = json.loads(dfc(dfc_cmd, store, "image", "inspect", "imported:arm").stdout)
    assert (inspected[0]["Os"], inspected[0]["Architecture"]) == ("linux", "arm64")
    bad = dfc(dfc_cmd, store, "import", "--platform", "linux/nope",
              str(tmp_path / "root.tar"), "x")
    assert bad.returncode == 1 and "unknown operating system or architecture" in bad.stderr


def test_qemu_registration_lines_carry_fix_binary() -> None:
    line = binfmt.registration("aarch64")
    assert line is not None, "qemu-user-static is not installed (run scripts/setup.sh)"
    fields = line.split(":")
    assert fields[1] == "qemu-aarch64" and "F" in fields[-1]
    assert Path(fields[6]).exists()


def test_without_qemu_the_error_names_the_package(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setattr(binfmt, "CONFIG_DIRS", (tmp_path / "none",))
    monkeypatch.setattr(binfmt, "BINFMT_MISC", tmp_path / "binfmt_misc")
    with pytest.raises(binfmt.EmulationUnavailable, match="qemu-user-static"):
        binfmt.ensure(parse_platform("linux/arm64"), print)
    binfmt.ensure(parse_platform("linux/386"), print)  # native: nothing needed


def test_a_missing_handler_needs_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(binfmt, "BINFMT_MISC", tmp_path / "binfmt_misc")  # no handlers
    monkeypatch.setattr(binfmt.os, "geteuid", lambda: 1000)
    with pytest.raises(binfmt.EmulationUnavailable, match="only root can register it"):
        binfmt.ensure(parse_platform("linux/arm64"), print)


def test_missing_handler_is_registered_with_fix_binary_and_said_once() -> None:
    said: list[str] = []
    candidates = [p for p in ("linux/riscv64", "linux/s390x", "linux/ppc64le")
                  if binfmt.handler_flags(binfmt.QEMU_NAMES[p.split("/")[1]]) is None]
    wanted = parse_platform((candidates or ["linux/riscv64"])[0])
    name = binfmt.qemu_name(wanted)
    assert name is not None
    binfmt.ensure(wanted, said.append)
    binfmt.ensure(wanted, said.append)
    assert len(said) == (1 if candidates else 0)
    if candidates:
        assert f"qemu-{name}" in said[0] and "fix-binary" in said[0]
    assert "F" in (binfmt.handler_flags(name) or "")
    assert (wanted, "emulated") in binfmt.runnable()


def test_an_index_is_saved_loaded_and_listed_as_one_image(dfc_cmd: list[str], store: Store,
                                                          tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:multi\nARG TARGETARCH\nLABEL arch=$TARGETARCH\n")
    built(dfc_cmd, store, "--platform", TWO, "-t", "labelled:1", str(ctx))
    saved = dfc(dfc_cmd, store, "save", "-o", str(tmp_path / "saved.tar"), "labelled:1")
    assert saved.returncode == 0, saved.stderr
    other = Store(tmp_path / "other")
    loaded = dfc(dfc_cmd, other, "load", "-i", str(tmp_path / "saved.tar"))
    assert loaded.returncode == 0, loaded.stderr
    record = other.resolve("labelled:1")
    assert record.manifest == store.resolve("labelled:1").manifest
    labels = []
    entries = other.read_json(record.manifest.digest, Index).manifests
    for entry in entries:
        manifest = other.read_json(entry.digest, Manifest)
        labels.append(other.read_json(manifest.config.digest, ImageConfig).config.labels)
    assert labels == [{"arch": "amd64"}, {"arch": "arm64"}]
    inspected = json.loads(dfc(dfc_cmd, other, "image", "inspect", "labelled:1").stdout)[0]
    assert inspected["Descriptor"]["digest"] == record.manifest.digest
    assert [(m["ImageData"]["Platform"]["architecture"], m["Available"])
            for m in inspected["Manifests"]] == [("amd64", True), ("arm64", True)]
    assert inspected["Architecture"] == "amd64"  # the image this machine runs
    tree = dfc(dfc_cmd, other, "images", "--tree").stdout.splitlines()
    assert tree[0].split() == ["IMAGE", "ID", "DISK", "USAGE", "CONTENT", "SIZE"]
    assert tree[1].split()[:2] == ["labelled:1", record.manifest.digest[7:19]]
    assert [line.split()[:3] for line in tree[2:4]] == [
        ["├─", "linux/amd64", entries[0].digest[7:19]],
        ["└─", "linux/arm64", entries[1].digest[7:19]]]


def test_system_check_lists_the_platforms_this_machine_runs(dfc_cmd: list[str],
                                                            store: Store) -> None:
    binfmt.ensure(parse_platform("linux/arm64"), print)
    done = dfc(dfc_cmd, store, "system", "check")
    assert done.returncode == 0, done.stderr
    platforms = next(line for line in done.stdout.splitlines()
                     if line.startswith("Platforms: "))
    assert platforms.removeprefix("Platforms: ").split(", ")[:2] == ["linux/amd64", "linux/386"]
    assert "linux/arm64" in platforms.split(", ")


@pytest.mark.slow
def test_run_platform_runs_an_index_entry_and_foreign_images_emulated(
        dfc_cmd: list[str], store: Store) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return dfc(dfc_cmd, store, "run", "--rm", *args)

    assert run("--platform", "linux/arm64", "busybox:multi", "uname", "-m").stdout == \
        "aarch64\n"
    assert run("busybox:multi", "uname", "-m").stdout == "x86_64\n"
    foreign = run("busybox:arm64", "uname", "-m")
    assert foreign.stdout == "aarch64\n"
    assert ("WARNING: The requested image's platform (linux/arm64) does not match the "
            "detected host platform (linux/amd64)") in foreign.stderr
    refused = run("--platform", "linux/amd64", "busybox:arm64", "true")
    assert refused.returncode == 125
    assert ("image with reference busybox:arm64 was found but does not match the specified "
            "platform: wanted linux/amd64, actual: linux/arm64") in refused.stderr


@pytest.mark.slow
def test_exported_cache_of_both_platforms_serves_another_store(
        dfc_cmd: list[str], store: Store, multiplatform_base: MultiPlatformBase,
        tmp_path: Path) -> None:
    ctx = context(tmp_path, PROBE)
    cache = tmp_path / "cache"
    built(dfc_cmd, store, "--platform", TWO, "--cache-to", f"type=local,dest={cache},mode=max",
          str(ctx))
    other = Store(tmp_path / "other")
    shutil.copytree(multiplatform_base.store.root, other.root, dirs_exist_ok=True,
                    symlinks=True, ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    again = built(dfc_cmd, other, "--platform", TWO, "--cache-from",
                  f"type=local,src={cache}", "-o", f"type=local,dest={tmp_path / 'out'}",
                  str(ctx))
    assert again.stderr.count("CACHED") == 6, again.stderr  # arm64's steps too
    assert (tmp_path / "out/linux_arm64/arch").read_text() == "aarch64 arm64\n"


def test_lint_reads_an_index_base_for_this_machine(dfc_cmd: list[str], store: Store,
                                                   tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:multi\nRUN true\n")
    clean = dfc(dfc_cmd, store, "lint", "--root", str(store.root), str(ctx / "Dockerfile"))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (ctx / "Dockerfile").write_text("FROM busybox:arm64\nRUN true\n")
    odd = dfc(dfc_cmd, store, "lint", "--root", str(store.root), str(ctx / "Dockerfile"))
    assert odd.returncode == 1
    assert "was pulled with platform linux/arm64, expected linux/amd64" in odd.stdout


def test_the_issue_case_an_amd64_base_asked_for_arm64_is_not_relabelled(
        dfc_cmd: list[str], store: Store, tmp_path: Path) -> None:
    ctx = context(tmp_path, "FROM busybox:amd64\nRUN uname -m > /machine\n")
    done = built(dfc_cmd, store, "--platform", "linux/arm64", "-t", "asked-arm",
                 "-o", f"type=local,dest={tmp_path / 'out'}", str(ctx))
    assert ('InvalidBaseImagePlatform: Base image busybox:amd64 was pulled with platform '
            '"linux/amd64", expected "linux/arm64" for current build') in done.stderr
    assert (tmp_path / "out/machine").read_text() == "x86_64\n"
    inspected = json.loads(dfc(dfc_cmd, store, "image", "inspect", "asked-arm").stdout)
    assert inspected[0]["Architecture"] == "amd64"
