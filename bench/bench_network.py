"""The per-RUN cost of the network modes: one trivial sandbox run (`true` on a busybox
rootfs, native backend) with the host's network, loopback only, a private network with its
own slirp4netns, and a private network shared by every run (one per build), in one run.

Run (root, busybox-static and slirp4netns installed):
`.venv/bin/pytest bench/bench_network.py -s --benchmark-columns=min,median,max`
pytest-benchmark measures each mode in turn; `test_interleaved` alternates the modes round
by round (so the load of a shared machine hits them alike) and prints min and median.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.runtime.network.private import PrivateNetwork
from dfc.runtime.sandbox.run import RunSpec, run

BUSYBOX = shutil.which("busybox")
ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
    pytest.mark.skipif(BUSYBOX is None or shutil.which("slirp4netns") is None,
                       reason="needs busybox-static and slirp4netns"),
]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The busybox tree of examples/busybox/rootfs.sh (the recipe of the tests and demo)."""
    root = tmp_path_factory.mktemp("image") / "rootfs"
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(root)], check=True)
    return root


@pytest.fixture(scope="module")
def shared() -> Iterator[PrivateNetwork]:
    with PrivateNetwork() as network:
        yield network


MODES = ["host", "none", "private", "private-shared"]
ROUNDS = 40


def runner(mode: str, image: Path, tmp_path: Path, shared: PrivateNetwork):  # type: ignore[no-untyped-def]
    """A no-argument function doing one `true` step in `mode`; its exit code."""
    spec = RunSpec(argv=("/bin/true",), env=("PATH=/bin",),
                   network="private" if mode.startswith("private") else mode)  # type: ignore[arg-type]
    joined = shared if mode == "private-shared" else None
    counter = iter(range(1_000_000))

    def once() -> int:
        upper = tmp_path / f"{mode}-{next(counter)}"
        upper.mkdir()
        return run(spec, [image], upper, stdout=lambda _: None, network=joined)

    return once


@pytest.mark.parametrize("mode", MODES)
def test_run_true(benchmark, mode: str, image: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                  shared: PrivateNetwork) -> None:
    once = runner(mode, image, tmp_path, shared)
    assert benchmark.pedantic(once, rounds=ROUNDS, warmup_rounds=3) == 0


def test_interleaved(image: Path, tmp_path: Path, shared: PrivateNetwork) -> None:
    runs = {mode: runner(mode, image, tmp_path, shared) for mode in MODES}
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(ROUNDS):
        for mode, once in runs.items():
            started = time.perf_counter()
            assert once() == 0
            times[mode].append((time.perf_counter() - started) * 1000)
    print(f"\n{'mode':16} {'min ms':>8} {'median ms':>10}")
    for mode, values in times.items():
        print(f"{mode:16} {min(values):8.1f} {statistics.median(values):10.1f}")
