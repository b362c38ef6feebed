"""`dfc run --rm IMAGE true` against `docker run --rm IMAGE true`, in the same run.

Run: `.venv/bin/pytest bench/bench_run.py --benchmark-only`. The image is a busybox made
by examples/busybox/rootfs.sh, imported into a fresh dfc store and loaded into dockerd
from `dfc save`, so both run the same bytes. Rows: dfc as a process with DFC_NO_DAEMON=1,
dfc as installed (what a user types: the first command started the daemon, so this one is
forked from a process that has dfc imported),
dfc's engine in this process (create, start, wait for the exit: dfc's own cost without
interpreter start-up), and docker as a process. Nothing here asserts a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dfc.cache.store import Store
from dfc.runtime.containers import attach, engine, session
from dfc.runtime.images.importer import import_rootfs

ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
DOCKER = "/usr/bin/docker"
DFC = str(Path(sys.executable).parent / "dfc")


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    work = tmp_path_factory.mktemp("bench-run")
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(work / "rootfs")], check=True)
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = Store(work / "store")
    name = f"dfc-bench-run-{uuid.uuid4().hex[:8]}:1"
    import_rootfs(store, work / "rootfs.tar", name, epoch=1_700_000_000)
    archive = subprocess.run([DFC, "save", name], check=True, capture_output=True,
                             env={**os.environ, "DFC_ROOT": str(store.root)}).stdout
    subprocess.run([DOCKER, "load"], input=archive, check=True, capture_output=True)
    subprocess.run([DOCKER, "run", "--rm", name, "true"], check=True)  # warm both
    subprocess.run([DFC, "run", "--rm", name, "true"], check=True,
                   env={**os.environ, "DFC_ROOT": str(store.root), "DFC_NO_DAEMON": "1"})
    yield store, name
    subprocess.run([DOCKER, "rmi", "-f", name], capture_output=True)


def _process(argv: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)


@pytest.mark.benchmark(group="run --rm IMAGE true")
def bench_dfc_run_process(benchmark: Any, image: tuple[Store, str]) -> None:
    store, name = image
    env = {**os.environ, "DFC_ROOT": str(store.root), "DFC_NO_DAEMON": "1"}
    benchmark.pedantic(_process, args=([DFC, "run", "--rm", name, "true"], env),
                       rounds=20, warmup_rounds=1)


@pytest.fixture(scope="module")
def installed_env(image: tuple[Store, str], tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[dict[str, str]]:
    """dfc as the README installs it, on a socket of this module: nothing started by
    hand; the first command starts the daemon the others are forked from."""
    store, _ = image
    socket = tmp_path_factory.mktemp("daemon") / "d.sock"
    env = {**os.environ, "DFC_ROOT": str(store.root), "DFC_DAEMON_SOCKET": str(socket)}
    env.pop("DFC_NO_DAEMON", None)
    subprocess.run([DFC, "images"], check=True, env=env, capture_output=True)
    for _ in range(200):  # it loads in the background
        if subprocess.run([DFC, "daemon", "status"], env=env,
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    yield env
    subprocess.run([DFC, "daemon", "stop"], env=env, capture_output=True)


@pytest.mark.benchmark(group="run --rm IMAGE true")
def bench_dfc_run_installed(benchmark: Any, image: tuple[Store, str],
                            installed_env: dict[str, str]) -> None:
    _, name = image
    benchmark.pedantic(_process, args=([DFC, "run", "--rm", name, "true"], installed_env),
                       rounds=20, warmup_rounds=1)


@pytest.mark.benchmark(group="run --rm IMAGE true")
def bench_dfc_run_engine(benchmark: Any, image: tuple[Store, str]) -> None:
    store, name = image
    options = engine.RunOptions(image=name, args=("true",), auto_remove=True)

    def once() -> None:
        container = engine.create(store, options)
        with engine.start(store, container) as sock:
            reader = attach.FrameReader()
            frames = session.wait_started(sock, reader)
            while not any(kind == attach.EXITED for kind, _ in frames):
                frames = attach.recv_frames(sock, reader) or [(attach.EXITED, b"")]

    benchmark.pedantic(once, rounds=20, warmup_rounds=1)


@pytest.mark.benchmark(group="run --rm IMAGE true")
def bench_docker_run(benchmark: Any, image: tuple[Store, str]) -> None:
    _, name = image
    benchmark.pedantic(_process, args=([DOCKER, "run", "--rm", name, "true"],),
                       rounds=20, warmup_rounds=1)
