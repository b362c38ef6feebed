"""The in-process work of a no-op `dfc build`, without Python's start-up and imports (which
a resident process removes): the median of fresh processes that import every module a
no-op build loads, then time `dfc.cli.main()`.

Run (root), after a first build of the same command so the next one is all cached:

    .venv/bin/python bench/noop_work.py [--runs 21] [--profile] -- \
        build --root STORE -t app:1 CONTEXT

`--profile` prints a cProfile of one run instead (the build's stages run in a worker thread,
so their time shows as a lock wait there).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import time


def run_main(argv: list[str]) -> None:
    from dfc.cli import main

    sys.argv = ["dfc", *argv]
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise


def child(mode: str, argv: list[str]) -> None:
    """One fresh process: `list` prints the modules a run loads; `time` imports them, then
    prints the milliseconds `main()` takes; `profile` prints a cProfile of it."""
    if mode == "list":
        run_main(argv)
        print(json.dumps(sorted(sys.modules)), file=sys.__stdout__)
        return
    for name in json.loads(os.environ["DFC_NOOP_MODULES"]):
        try:
            importlib.import_module(name)
        except Exception:  # e.g. __main__ entries; importing is best effort
            pass
    if mode == "profile":
        profile = cProfile.Profile()
        profile.runcall(run_main, argv)
        pstats.Stats(profile, stream=sys.__stdout__).sort_stats("cumulative").print_stats(40)
        return
    started = time.perf_counter()
    run_main(argv)
    print(f"{(time.perf_counter() - started) * 1000:.3f}", file=sys.__stdout__)


def fresh(mode: str, argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--", *argv], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          check=True)
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("argv", nargs="+")
    args = parser.parse_args()
    if args.child:
        sys.stdout = open(os.devnull, "w")  # dfc's own output is not what is timed
        child(args.child, args.argv)
        return
    # Measured as installed tools run: from bytecode (see cache_timings.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["DFC_NOOP_MODULES"] = fresh("list", args.argv, env).strip().splitlines()[-1]
    if args.profile:
        print(fresh("profile", args.argv, env))
        return
    times = sorted(float(fresh("time", args.argv, env)) for _ in range(args.runs))
    print(f"no-op work: median {statistics.median(times):.1f} ms "
          f"(min {times[0]:.1f}, max {times[-1]:.1f}, {args.runs} fresh processes)")


if __name__ == "__main__":
    main()
