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
                                             dfc_cmd: list[str]) -> None:
    """The same RUN under docker build (the classic builder has both flags)."""
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM busybox\n{LIMITS_RUN}\n")
    executed(fresh_store, folder, limits=run_limits(["nofile=300:600"], "128m"))
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "b")
    ours = (rootfs / "limits").read_text() + (rootfs / "shm").read_text()
    base, tag = f"dfc-test-base-{uuid.uuid4().hex[:8]}:1", f"dfc-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DFC_ROOT": str(fresh_store.root)}
    subprocess.run([*dfc_cmd, "tag", "busybox", base], check=True, env=env)
    archive = tmp_path / "base.tar"
    subprocess.run([*dfc_cmd, "save", "-o", str(archive), base], check=True, env=env)
    subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, check=True)
    (folder / "Dockerfile").write_text(f"FROM {base}\n{LIMITS_RUN}\nRUN cat /limits /shm\n")
    try:
        out = subprocess.run(["docker", "build", "--no-cache", "--ulimit", "nofile=300:600",
                              "--shm-size", "128m", "-t", tag, str(folder)],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "DOCKER_BUILDKIT": "0"}).stdout
    finally:
        subprocess.run(["docker", "rmi", "-f", tag, base], capture_output=True, check=False)
    assert ours == "300\n600\n131072\n"
    assert ours in out
