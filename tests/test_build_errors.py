"""Bad input to `dfc build`: a clear one-line error with its location, a non-zero exit, no
traceback, no process or mount left behind, and a store `dfc system check` finds intact."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from dfc.cache.store import Store

from .conftest import AS_NOBODY, build_until_started

# slow: each test runs a build through the console script
pytestmark = pytest.mark.slow


def dfc_build(dfc_cmd: list[str], store: Store, context: Path | str, *extra: str,
              stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*dfc_cmd, "build", "--root", str(store.root), "--progress",
                           "plain", *extra, str(context)], capture_output=True, text=True,
                          input=stdin.decode("latin-1") if stdin is not None else None)


def leftovers(store: Store) -> list[str]:
    """Mounts under the store still present on the host."""
    with open("/proc/mounts") as mounts:
        return [line for line in mounts if str(store.root) in line]


def assert_clean_failure(done: subprocess.CompletedProcess[str], store: Store,
                         first_line: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors[0] == first_line
    assert leftovers(store) == []
    assert store.check().ok


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "present.txt").write_text("here\n")
    return ctx


def test_failing_run(dfc_cmd: list[str], fresh_store: Store, context: Path) -> None:
    (context / "Dockerfile").write_text("FROM busybox\nRUN echo about to fail && exit 7\n")
    done = dfc_build(dfc_cmd, fresh_store, context)
    assert_clean_failure(done, fresh_store, "Dockerfile:2:1: error: RUN /bin/sh -c 'echo about "
                         "to fail && exit 7' returned a non-zero code: 7")
    assert "about to fail" in done.stderr  # the step's output was shown
    assert "2 | RUN echo about to fail && exit 7" in done.stderr


def test_missing_copy_source(dfc_cmd: list[str], fresh_store: Store, context: Path) -> None:
    (context / "Dockerfile").write_text("FROM busybox\nCOPY present.txt nope.txt /d/\n")
    assert_clean_failure(dfc_build(dfc_cmd, fresh_store, context), fresh_store,
                         'Dockerfile:2:1: error: "/nope.txt": not found')


def test_unknown_stage(dfc_cmd: list[str], fresh_store: Store, context: Path) -> None:
    (context / "Dockerfile").write_text("FROM busybox AS one\nFROM busybox\n"
                                        "COPY --from=onne /x /x\n")
    done = dfc_build(dfc_cmd, fresh_store, context)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    # An unknown name is an image, as in BuildKit: pulling it fails (no registry here).
    assert "error: cannot pull image 'onne'" in done.stderr
    target = dfc_build(dfc_cmd, fresh_store, context, "--target", "two")
    assert target.returncode == 1
    assert 'target stage "two" could not be found' in target.stderr


def test_bad_tar_context_on_stdin(dfc_cmd: list[str], fresh_store: Store, tmp_path: Path
                                  ) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        data = b"FROM busybox\n" + b"#" * 100_000
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    truncated = raw.getvalue()[: len(raw.getvalue()) // 2]
    done = dfc_build(dfc_cmd, fresh_store, "-", stdin=truncated)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error:" in done.stderr.splitlines()[-1] or "error:" in done.stderr
    assert fresh_store.check().ok


@pytest.mark.parametrize("where", ["in-process", "daemon"])
def test_ctrl_c_during_a_run(dfc_cmd: list[str], fresh_store: Store, context: Path,
                             where: str, request: pytest.FixtureRequest) -> None:
    """Through a daemon, the client relays the signal to the child running the build."""
    env = request.getfixturevalue("dfc_daemon").env if where == "daemon" else None
    marker = f"dfc-interrupt-{os.getpid()}"
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo started; sleep 60; : {marker}\n")
    proc = build_until_started(dfc_cmd, fresh_store, context, env)
    proc.send_signal(signal.SIGINT)
    assert proc.stderr is not None
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == 130
    assert "interrupted" in rest and "Traceback" not in rest
    if where == "daemon":
        assert request.getfixturevalue("dfc_daemon").served() == 1
    for _ in range(250):
        alive = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
        if not alive:
            break
        time.sleep(0.02)
    assert alive == ""
    assert leftovers(fresh_store) == []
    assert fresh_store.check().ok


def test_without_root_the_error_says_so(dfc_cmd: list[str], tmp_path: Path) -> None:
    """Unpacking an image needs root (file owners, device nodes); as another user dfc says
    so in one line instead of failing with a traceback."""
    import shutil
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="dfc-nonroot-"))  # pytest's tmp is root-only
    try:
        os.chmod(shared, 0o777)
        rootfs = shared / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            info = tarfile.TarInfo("etc/owned")
            info.uid = info.gid = 0
            tar.addfile(info, io.BytesIO(b""))
        os.chmod(rootfs, 0o644)
        done = subprocess.run([*AS_NOBODY, "import", "--root", str(shared / "store"),
                               str(rootfs), "x"], capture_output=True, text=True)
    finally:
        shutil.rmtree(shared)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: permission denied: owned")  # its chown
    assert "run it as root" in done.stderr
