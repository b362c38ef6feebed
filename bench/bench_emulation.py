"""A RUN step of a foreign architecture (QEMU user emulation) against the same step run
natively, in one run.

Run: `.venv/bin/pytest bench/bench_emulation.py --benchmark-only`. Two bases made like the
tests' (examples/busybox/rootfs.sh): amd64 from Debian's busybox-static, arm64 from
busybox-static:arm64 (scripts/setup.sh with DFC_SETUP_FULL=1 downloads it). Each round is a
whole `--no-cache` build of `FROM base` + one RUN through the build API (no interpreter
start-up): `true` (the cost of starting an emulated process) and a shell loop of 100,000
iterations (the cost of emulated work). Nothing here asserts a time.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.platform import parse_platform
from dfc.runtime.images.importer import import_rootfs

ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
ARM64_DEBS = Path("/var/cache/dfc-test")
LOOP = 'i=0; while [ "$i" -lt 100000 ]; do i=$((i+1)); done'


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    work = tmp_path_factory.mktemp("bench-emulation")
    debs = sorted(ARM64_DEBS.glob("busybox-static_*_arm64.deb"))
    assert debs, "run DFC_SETUP_FULL=1 scripts/setup.sh (busybox-static:arm64)"
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(work / "deb")], check=True)
    store = Store(work / "store")
    for arch, busybox in (("amd64", "/bin/busybox"), ("arm64", str(work / "deb/bin/busybox"))):
        subprocess.run(["bash", str(ROOTFS_SCRIPT), str(work / arch)], check=True,
                       env={**os.environ, "BUSYBOX": busybox, "BUSYBOX_LIST": "/bin/busybox"})
        with tarfile.open(work / f"{arch}.tar", "w") as tar:
            tar.add(work / arch, arcname=".")
        import_rootfs(store, work / f"{arch}.tar", f"base:{arch}", epoch=1_700_000_000,
                      platform=parse_platform(f"linux/{arch}"))
    for arch in ("amd64", "arm64"):  # warm: snapshots unpacked, the handler registered
        _build(store, work, arch, "true")
    return store


def _build(store: Store, work: Path, arch: str, command: str) -> None:
    ctx = work / f"ctx-{arch}"
    ctx.mkdir(exist_ok=True)
    (ctx / "Dockerfile").write_text(f"FROM base:{arch}\nRUN {command}\n")
    build(BuildRequest(context=str(ctx), platform=f"linux/{arch}", no_cache=True), store,
          lambda event: None)


def _bench(benchmark: Any, store: Store, arch: str, command: str) -> None:
    work = store.root.parent
    benchmark.pedantic(_build, args=(store, work, arch, command), rounds=10,
                       warmup_rounds=1)


@pytest.mark.benchmark(group="RUN true")
def bench_native_true(benchmark: Any, store: Store) -> None:
    _bench(benchmark, store, "amd64", "true")


@pytest.mark.benchmark(group="RUN true")
def bench_emulated_true(benchmark: Any, store: Store) -> None:
    _bench(benchmark, store, "arm64", "true")


@pytest.mark.benchmark(group="RUN shell loop")
def bench_native_loop(benchmark: Any, store: Store) -> None:
    _bench(benchmark, store, "amd64", LOOP)


@pytest.mark.benchmark(group="RUN shell loop")
def bench_emulated_loop(benchmark: Any, store: Store) -> None:
    _bench(benchmark, store, "arm64", LOOP)
