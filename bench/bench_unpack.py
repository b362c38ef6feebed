"""Unpacking a base layer: dfc's `extract_layer` against `tar -xzf` of the same blob.

Run: `.venv/bin/pytest bench/bench_unpack.py -s` (root; debootstrap is installed with
apt-get when missing). Two layers, made once and kept under /var/cache/dfc-bench/:

- debian: a `debootstrap --variant=minbase bookworm` root filesystem (~50 MB gzip);
- small-files: this machine's /usr/lib/python3* and /usr/share/perl trees (many small
  files, the per-member cost).

Each round unpacks the blob into a fresh directory with dfc (overlay mode into an empty
directory, as a snapshot is built) and with `tar -xzf BLOB -C DIR` as a subprocess, in
rotating order, after a `sync` so neither pays for the other's writeback; the blob is in
the page cache for both. The bar (issue #18): dfc / tar <= 1.5, by min and by median.
`DFC_BENCH_BEFORE=REV` times `extract_layer` as it was at git revision REV too;
`DFC_BENCH_ROUNDS` sets the rounds (5); `DFC_BENCH_DEST=DIR` unpacks under DIR instead
of pytest's tmp_path (a tmpfs such as /dev/shm leaves out the disk filesystem's cost of
creating files, which both tools pay alike, to show each one's own).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from dfc.runtime.fs.snapshots import extract_layer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bases import debian_layer, small_files_layer

ROUNDS = int(os.environ.get("DFC_BENCH_ROUNDS", "5"))
BEFORE = os.environ.get("DFC_BENCH_BEFORE", "")  # a git revision to time as well
DEST = os.environ.get("DFC_BENCH_DEST", "")  # where to unpack (default: pytest's tmp_path)
ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process's threads and of waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + kids.ru_utime, own.ru_stime + kids.ru_stime


def _timed(run: Callable[[Path], object], scratch: Path,
           name: str) -> tuple[float, float, float]:
    """Wall, user CPU and system CPU seconds of one unpack into a fresh directory."""
    dest = scratch / name
    dest.mkdir()
    os.chmod(dest, 0o755)
    os.sync()
    cpu, start = _cpu(), time.perf_counter()
    run(dest)
    took, (user, system) = time.perf_counter() - start, _cpu()
    shutil.rmtree(dest)
    return took, user - cpu[0], system - cpu[1]


def _extractor_at(rev: str) -> Callable[..., str]:
    """`extract_layer` as it was at git revision `rev` (runtime/fs/snapshots.py loaded from
    that commit next to today's other modules), for a before/after table in one run."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:runtime/fs/snapshots.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f"dfc_snapshots_{rev}")
    exec(compile(source, f"{rev}:runtime/fs/snapshots.py", "exec"), module.__dict__)
    extract: Callable[..., str] = module.extract_layer
    return extract


def compare(blob: Path, scratch: Path, rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Wall seconds per round for each tool (the order rotating from round to round), and
    user and system CPU seconds ("TOOL user", "TOOL sys": less at the mercy of other jobs
    on the machine; the system time is mostly the filesystem's cost of creating files)."""
    def dfc_with(extract: Callable[..., str]) -> Callable[[Path], None]:
        def run(dest: Path) -> None:
            with open(blob, "rb") as f:
                extract(f, dest, mode="overlay", empty=True)
        return run

    def tar(dest: Path) -> None:
        subprocess.run(["tar", "-xzf", str(blob), "-C", str(dest)], check=True)

    tools = {"dfc": dfc_with(extract_layer), "tar": tar}
    if BEFORE:
        tools[f"dfc@{BEFORE}"] = dfc_with(_extractor_at(BEFORE))
    blob.read_bytes()  # into the page cache for all
    times: dict[str, list[float]] = {}
    names = list(tools)
    for n in range(rounds):
        for tool in names[n % len(names):] + names[:n % len(names)]:
            wall, user, system = _timed(tools[tool], scratch, f"{tool}-{n}")
            times.setdefault(tool, []).append(wall)
            times.setdefault(f"{tool} user", []).append(user)
            times.setdefault(f"{tool} sys", []).append(system)
    return times


def report(label: str, blob: Path, times: dict[str, list[float]]) -> None:
    print(f"\n{label}: {blob.stat().st_size / 1e6:.1f} MB gzip, {len(times['tar'])} rounds")
    tools = [k for k in times if " " not in k]
    med = {k: statistics.median(v) for k, v in times.items()}
    for tool in tools:
        print(f"  {tool:<14} min {min(times[tool]):.2f} s  median {med[tool]:.2f} s  "
              f"user {med[tool + ' user']:.2f} s  sys {med[tool + ' sys']:.2f} s (medians)  "
              f"raw {[round(x, 2) for x in times[tool]]}")
    for tool in tools:
        if tool != "tar":
            cpu = med[tool + " user"] + med[tool + " sys"]
            print(f"  {tool}/tar  min {min(times[tool]) / min(times['tar']):.2f}  "
                  f"median {med[tool] / med['tar']:.2f}  "
                  f"cpu {cpu / (med['tar user'] + med['tar sys']):.2f}  (bar 1.5)")


def _scratch(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="dfc-bench-unpack-", dir=DEST)) if DEST else tmp_path


LAYERS: dict[str, Callable[[], Path]] = {
    "debian bookworm minbase": debian_layer,
    "python3 + perl libraries": small_files_layer,
}


@pytest.mark.parametrize("name", list(LAYERS))
def bench_unpack(name: str, tmp_path: Path) -> None:
    blob, scratch = LAYERS[name](), _scratch(tmp_path)
    try:
        report(name, blob, compare(blob, scratch))
    finally:
        if DEST:
            shutil.rmtree(scratch)
