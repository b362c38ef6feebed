"""Per-RUN cost of the native sandbox: the median wall time of a step that does nothing
(`true`: namespaces, overlay, mounts, seccomp load, exec, teardown), of a step making
~400,000 syscalls (`dd bs=1`, where every call passes the seccomp filter), and of the
kernel installing the filter (the one seccomp cost a step pays whatever it runs).

Run (as root): `.venv/bin/python bench/bench_sandbox.py [STEPS]`. It imports only
`dfc.runtime.sandbox.run` and `.seccomp`, so another checkout's venv can run this file too,
which is how the filter changes were compared (results in bench/RESULTS.md).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dfc.runtime import linux as sys_
from dfc.runtime.sandbox import seccomp
from dfc.runtime.sandbox.run import RunSpec, run

ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
SYSCALLS_STEP = ("/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=200000")


def median_ms(image: Path, work: Path, argv: tuple[str, ...], steps: int) -> float:
    times = []
    for i in range(steps):
        upper = work / f"upper-{len(argv)}-{i}"
        upper.mkdir()
        start = time.perf_counter()
        code = run(RunSpec(argv=argv, env=("PATH=/bin",)), [image], upper, stdout=io.BytesIO())
        times.append(time.perf_counter() - start)
        assert code == 0, argv
        shutil.rmtree(upper)
    return sorted(times)[len(times) // 2] * 1000


def filter_load_ms(times: int = 30) -> float:
    """Median time of the prctl that installs the native filter, in a fresh child each."""
    loadable = seccomp.LoadableFilter(seccomp.bpf_program())
    took = []
    for _ in range(times):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            sys_.prctl(sys_.PR_SET_NO_NEW_PRIVS, 1)
            start = time.perf_counter()
            seccomp.load(loadable)
            os.write(write, repr(time.perf_counter() - start).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        took.append(float(os.read(read, 64)))
        os.close(read)
        os.close(write)
    return sorted(took)[times // 2] * 1000


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    work = Path(tempfile.mkdtemp(prefix="dfc-bench-sandbox-"))
    try:
        image = work / "image"
        subprocess.run(["bash", str(ROOTFS_SCRIPT), str(image)], check=True,
                       stdout=subprocess.DEVNULL)
        median_ms(image, work, ("/bin/true",), 3)  # warm-up: imports, filter compilation
        print(f"true: {median_ms(image, work, ('/bin/true',), steps):.1f} ms")
        print(f"dd, 400k syscalls: {median_ms(image, work, SYSCALLS_STEP, steps // 4):.1f} ms")
        print(f"filter ({len(seccomp.bpf_program()) // 8} instructions) load: "
              f"{filter_load_ms():.2f} ms")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
