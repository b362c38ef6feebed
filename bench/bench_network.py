"""The per-RUN cost of the network modes: one trivial sandbox run (`true` on a busybox
rootfs, native backend) with the host's network, loopback only, a private network with its
own slirp4netns, and a private network shared by every run (one per build), in one run.

Run (root, busybox-static and slirp4netns installed):
`.venv/bin/pytest bench/bench_network.py --benchmark-only --benchmark-columns=min,median,max`
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.runtime.network.private import PrivateNetwork
from dfc.runtime.sandbox.run import RunSpec, run

BUSYBOX = shutil.which("busybox")
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
    pytest.mark.skipif(BUSYBOX is None or shutil.which("slirp4netns") is None,
                       reason="needs busybox-static and slirp4netns"),
]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("image")
    (root / "bin").mkdir()
    assert BUSYBOX is not None
    shutil.copy2(BUSYBOX, root / "bin/busybox")
    (root / "bin/true").symlink_to("busybox")
    (root / "etc").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    return root


@pytest.fixture(scope="module")
def shared() -> Iterator[PrivateNetwork]:
    with PrivateNetwork() as network:
        yield network


@pytest.mark.parametrize("mode", ["host", "none", "private", "private-shared"])
def test_run_true(benchmark, mode: str, image: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                  shared: PrivateNetwork) -> None:
    spec = RunSpec(argv=("/bin/true",), env=("PATH=/bin",),
                   network="private" if mode.startswith("private") else mode)  # type: ignore[arg-type]
    joined = shared if mode == "private-shared" else None
    counter = iter(range(1_000_000))

    def once() -> int:
        upper = tmp_path / f"upper{next(counter)}"
        upper.mkdir()
        return run(spec, [image], upper, stdout=lambda _: None, network=joined)

    assert benchmark.pedantic(once, rounds=40, warmup_rounds=3) == 0
