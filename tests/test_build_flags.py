"""`dfc build` flags of docker buildx (issue 16): `--ulimit`, `--shm-size`, `--cache-from
REF`, `-o type=image|registry`, `--annotation`, `--load`."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.commands.build import run_limits
from dfc.errors import DfcError
from dfc.runtime import events
from tests.test_build import unpack


@pytest.fixture
def unique_base(fresh_store: Store, tmp_path: Path) -> str:
    """A busybox image of this test alone in the store, its one layer unique (docker
    shares equal layers between images, and other tests load and remove busybox's
    concurrently: an image of its own keeps this test out of their races)."""
    import tarfile

    from dfc.runtime.images.importer import import_rootfs
    from tests.conftest import make_busybox_rootfs

    root = tmp_path / "unique-rootfs"
    make_busybox_rootfs(root)
    name = f"dfc-test-base-{uuid.uuid4().hex[:10]}:1"
    (root / "etc" / "unique").write_text(name)
    with tarfile.open(tmp_path / "unique.tar", "w") as tar:
        tar.add(root, arcname=".")
    imported = import_rootfs(fresh_store, tmp_path / "unique.tar", name)
    assert imported.name is not None
    return name


def executed(store: Store, folder: Path, **options: object) -> list[str]:
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(folder), tags=("out",), **options), store, seen.append)
    started = {e.step: e.name for e in seen if isinstance(e, events.Started)}
    return [started[e.step] for e in seen if isinstance(e, events.Done)]


LIMITS_RUN = ("RUN ulimit -Sn > /limits; ulimit -Hn >> /limits; "
              "df -k /dev/shm | tail -1 | awk '{print $2}' > /shm")


def test_ulimit_and_shm_size_apply_to_run_and_key_it(fresh_store: Store,
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM busybox\n{LIMITS_RUN}\n")
    limits = run_limits(["nofile=512:1024", "nofile=300:600"], "128m")
    assert len(executed(fresh_store, folder, limits=limits)) == 1
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "b1")
    assert (rootfs / "limits").read_text() == "300\n600\n"
    assert (rootfs / "shm").read_text() == f"{128 * 1024}\n"
    assert executed(fresh_store, folder, limits=limits) == []
    assert len(executed(fresh_store, folder)) == 1  # the defaults are another step
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "b2")
    assert (rootfs / "shm").read_text() == f"{64 * 1024}\n"
    assert executed(fresh_store, folder, limits=run_limits([], "64m")) == []


@pytest.mark.parametrize(("flag", "message"), [
    ("nofile", 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: '
               "nofile"),
    ("bogus=1", 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus'),
    ("nofile=2:1", 'invalid argument "nofile=2:1" for "--ulimit" flag: ulimit soft limit '
                   "must be less than or equal to hard limit: 2 > 1"),
])
def test_bad_ulimits_are_refused_as_docker_does(flag: str, message: str) -> None:
    with pytest.raises(DfcError) as caught:
        run_limits([flag], None)
    assert caught.value.message == message


@pytest.mark.interop
def test_ulimit_and_shm_size_as_docker_build(fresh_store: Store, tmp_path: Path,
                                             dfc_cmd: list[str], unique_base: str) -> None:
    """The same RUN under docker build (the classic builder has both flags)."""
    folder = tmp_path / "ctx"
    folder.mkdir()
    base, tag = unique_base, f"dfc-test-{uuid.uuid4().hex[:8]}"
    (folder / "Dockerfile").write_text(f"FROM {base}\n{LIMITS_RUN}\n")
    executed(fresh_store, folder, limits=run_limits(["nofile=300:600"], "128m"))
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "b")
    ours = (rootfs / "limits").read_text() + (rootfs / "shm").read_text()
    env = {**os.environ, "DFC_ROOT": str(fresh_store.root)}
    archive = tmp_path / "base.tar"
    subprocess.run([*dfc_cmd, "save", "-o", str(archive), base], check=True, env=env)
    subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, check=True)
    (folder / "Dockerfile").write_text(f"FROM {base}\n{LIMITS_RUN}\nRUN cat /limits /shm\n")
    try:
        theirs = subprocess.run(["docker", "build", "--no-cache", "--ulimit",
                                 "nofile=300:600", "--shm-size", "128m", "-t", tag,
                                 str(folder)], capture_output=True, text=True,
                                env={**os.environ, "DOCKER_BUILDKIT": "0"})
    finally:
        subprocess.run(["docker", "rmi", "-f", tag, base], capture_output=True, check=False)
    assert theirs.returncode == 0, theirs.stderr
    assert ours == "300\n600\n131072\n"
    assert ours in theirs.stdout


def dfc_build(dfc_cmd: list[str], store: Store, *args: str,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*dfc_cmd, "build", "--progress", "plain", *args], text=True,
                          capture_output=True,
                          env={**os.environ, "DFC_ROOT": str(store.root), **(env or {})})


def simple_context(tmp_path: Path) -> Path:
    folder = tmp_path / "simple"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text("FROM busybox\nRUN echo hi > /hi\n")
    return folder


def test_annotations_go_on_the_manifest(fresh_store: Store, dfc_cmd: list[str],
                                        tmp_path: Path) -> None:
    from dfc.cache.oci import Manifest

    built = dfc_build(dfc_cmd, fresh_store, "-t", "ann", "--annotation", "org.x.a=1",
                      "--annotation", "manifest:org.x.b=two=2", str(simple_context(tmp_path)))
    assert built.returncode == 0, built.stderr
    manifest = fresh_store.read_json(fresh_store.resolve("ann").manifest.digest, Manifest)
    assert manifest.annotations == {"org.x.a": "1", "org.x.b": "two=2"}
    refused = dfc_build(dfc_cmd, fresh_store, "--annotation", "index:org.x.a=1",
                        str(simple_context(tmp_path)))
    assert refused.returncode != 0
    assert refused.stderr == (
        "error: invalid annotation 'index:org.x.a=1': type 'index' is not supported (dfc "
        "writes single-platform images: annotations go on the manifest)\n")


def test_output_type_image_names_the_image(fresh_store: Store, dfc_cmd: list[str],
                                           tmp_path: Path) -> None:
    built = dfc_build(dfc_cmd, fresh_store, "-t", "first", "-o", "type=image,name=second:1",
                      "-o", "type=image,name=third:2", str(simple_context(tmp_path)))
    assert built.returncode == 0, built.stderr
    ids = {fresh_store.resolve(name).config for name in ("first", "second:1", "third:2")}
    assert len(ids) == 1
    bad = dfc_build(dfc_cmd, fresh_store, "-o", "type=image,bogus=1",
                    str(simple_context(tmp_path)))
    assert bad.returncode != 0 and "unknown key 'bogus'" in bad.stderr
    unnamed = dfc_build(dfc_cmd, fresh_store, "-o", "type=registry",
                        str(simple_context(tmp_path)))
    assert unnamed.returncode != 0
    assert unnamed.stderr == ("error: type=registry needs a name to push: add name=NAME or "
                              "-t NAME\n")


def test_load_without_an_engine_is_one_clear_error(fresh_store: Store, dfc_cmd: list[str],
                                                   tmp_path: Path) -> None:
    socket_path = tmp_path / "no-engine.sock"
    built = dfc_build(dfc_cmd, fresh_store, "-t", "x", "--load", str(simple_context(tmp_path)),
                      env={"DOCKER_HOST": f"unix://{socket_path}"})
    assert built.returncode == 1
    assert built.stderr.splitlines()[-1] == (
        f"error: --load: Cannot connect to the Docker daemon at unix://{socket_path}. Is the "
        "docker daemon running?")
    assert fresh_store.manifest_digest("x") is not None  # the build itself succeeded


@pytest.mark.interop
def test_load_puts_the_image_into_docker(fresh_store: Store, dfc_cmd: list[str],
                                         tmp_path: Path, unique_base: str) -> None:
    name = f"dfc-test-load-{uuid.uuid4().hex[:8]}:1"
    context = simple_context(tmp_path)
    (context / "Dockerfile").write_text(f"FROM {unique_base}\nRUN echo hi > /hi\n")
    try:
        for how in (["--load"], ["-o", "type=docker"]):
            built = dfc_build(dfc_cmd, fresh_store, "-t", name, *how, str(context))
            assert built.returncode == 0, built.stderr
            assert f"Loaded image: {name}" in built.stderr
            image_id = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", name],
                                      capture_output=True, text=True, check=True).stdout
            assert image_id.strip() == fresh_store.resolve(name).config
            out = subprocess.run(["docker", "run", "--rm", name, "cat", "/hi"],
                                 capture_output=True, text=True, check=True).stdout
            assert out == "hi\n"
            subprocess.run(["docker", "rmi", name], capture_output=True, check=True)
    finally:
        subprocess.run(["docker", "rmi", "-f", name], capture_output=True, check=False)
