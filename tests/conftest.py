"""Shared fixtures. `busybox_image`: a runnable base image in a store, made from Debian's
busybox-static, for every test that needs something to build FROM."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from dfc.cache.store import Store
from dfc.runtime.images.importer import import_rootfs

BUSYBOX = Path("/bin/busybox")
ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
BUSYBOX_EPOCH = 1_700_000_000

# Commands run in the test process, never in a dfc daemon the machine may be running;
# the tests of the daemon start their own (`dfc_daemon`).
os.environ["DFC_NO_DAEMON"] = "1"


# Folders whose every test talks to an interop peer (dockerd, skopeo, a registry): the
# fast subset, `pytest -m "not interop and not slow"`, leaves them out.
INTEROP_FOLDERS = ("interop", "registry")
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS) and \
                item.path.relative_to(TESTS).parts[0] in INTEROP_FOLDERS:
            item.add_marker(pytest.mark.interop)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """In CI (CI=true, as .ci/run is called) a skipped test fails: the test command
    installs every tool the tests use, so a skip there is a missing install step."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every tool should be installed: {reason}"


class BusyboxImage(NamedTuple):
    """A store holding a busybox image, and the name it is tagged with there."""

    store: Store
    ref: str


def make_busybox_rootfs(root: Path) -> None:
    """The busybox tree of examples/busybox/rootfs.sh (one recipe for tests, demo, bench)."""
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(root)], check=True)


@pytest.fixture(scope="session")
def busybox_image(tmp_path_factory: pytest.TempPathFactory) -> BusyboxImage:
    """`docker.io/library/busybox:latest` in a session-wide store (do not move its tag)."""
    if not BUSYBOX.exists():  # scripts/setup.sh installs it: its absence is a failure
        pytest.fail("needs Debian's busybox-static at /bin/busybox (run scripts/setup.sh)")
    work = tmp_path_factory.mktemp("busybox")
    make_busybox_rootfs(work / "rootfs")
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = Store(work / "store")
    imported = import_rootfs(store, work / "rootfs.tar", "busybox:latest", epoch=BUSYBOX_EPOCH)
    assert imported.name is not None
    return BusyboxImage(store=store, ref=imported.name)


def busybox_store_copy(busybox_image: BusyboxImage, root: Path) -> Store:
    """A new store at `root` holding only the busybox image."""
    shutil.copytree(busybox_image.store.root, root, symlinks=True,
                    ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    return Store(root)


@pytest.fixture
def fresh_store(busybox_image: BusyboxImage, tmp_path: Path) -> Store:
    """A private store that starts with only the busybox image (copied, so cache state and
    tags of one test never leak into another)."""
    return busybox_store_copy(busybox_image, tmp_path / "store")


@pytest.fixture
def second_store(busybox_image: BusyboxImage, tmp_path: Path) -> Store:
    """Another private busybox store: a second machine."""
    return busybox_store_copy(busybox_image, tmp_path / "store2")


@pytest.fixture(scope="session")
def dfc_cmd() -> list[str]:
    """The installed `dfc` console script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "dfc"
    assert script.exists(), "install the package (scripts/setup.sh) before running tests"
    return [str(script)]


AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
             "-m", "dfc"]
"""`dfc` as another user: the Python client, executed by setpriv itself. (The compiled
client would exec the venv's interpreter, which that user cannot reach on a machine whose
Python lives under /root, as pyenv's does here.)"""


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def build_until_started(dfc_cmd: list[str], store: Store, context: Path,
                        env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A build running in the background, once its RUN has printed "started"."""
    proc = subprocess.Popen([*dfc_cmd, "build", "--root", str(store.root), "--progress",
                             "plain", str(context)], stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "started" in line:
            break
    return proc


class DfcDaemon(NamedTuple):
    """A running daemon of this test, and the environment its clients run with."""

    socket: Path
    env: dict[str, str]
    dfc_cmd: list[str]

    def status(self) -> dict[str, str]:
        """`dfc daemon status` as a dict ({} when none is listening)."""
        done = subprocess.run([*self.dfc_cmd, "daemon", "status"], env=self.env,
                              capture_output=True, text=True)
        return dict(line.split(": ", 1) for line in done.stdout.splitlines())

    def served(self) -> int:
        return int(self.status()["served"])


@pytest.fixture
def dfc_daemon(dfc_cmd: list[str]) -> Iterator[DfcDaemon]:
    """`dfc daemon start` on a private socket (under /tmp: a socket path has a 108-byte
    limit that pytest's folders can pass); stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dfcd-"))
    env = {key: value for key, value in os.environ.items() if key != "DFC_NO_DAEMON"}
    env["DFC_DAEMON_SOCKET"] = str(folder / "daemon.sock")
    subprocess.run([*dfc_cmd, "daemon", "start"], env=env, check=True, capture_output=True)
    try:
        yield DfcDaemon(folder / "daemon.sock", env, dfc_cmd)
    finally:
        stop_daemons(dfc_cmd, env)
        shutil.rmtree(folder, ignore_errors=True)


def daemons_on(socket: str) -> list[int]:
    """The pids of processes serving `socket` (or about to: started, not yet listening)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"daemon" in argv and socket.encode() in argv:
                found.append(int(entry))
    return found


def stop_daemons(dfc_cmd: list[str], env: dict[str, str]) -> None:
    """`daemon stop`, then end any daemon on the same socket a test's last command started
    in the background after it (one not yet listening when `stop` asked): nothing a test
    started outlives it."""
    subprocess.run([*dfc_cmd, "daemon", "stop"], env=env, capture_output=True)
    for pid in daemons_on(env["DFC_DAEMON_SOCKET"]):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    if not wait_until(lambda: daemons_on(env["DFC_DAEMON_SOCKET"]) == [], 10):
        for pid in daemons_on(env["DFC_DAEMON_SOCKET"]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def small_disk(folder: Path, mib: int) -> Iterator[Callable[[int], None]]:
    """A tmpfs of `mib` MiB at `folder` (made), unmounted after; yields `grow(mib)`, which
    gives the disk more room, as a user who frees space does."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", str(folder)],
                   check=True)

    def grow(more: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={more}m", str(folder)], check=True)

    try:
        yield grow
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def killed(dfc_cmd: list[str], environ: dict[str, str], args: list[str], after: float) -> int:
    """Start `dfc ARGS`, SIGKILL it (only it: its sandboxes must die with it) after
    `after` seconds; returns its exit status (-9 when the kill landed)."""
    proc = subprocess.Popen([*dfc_cmd, *args], env=environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(after)
    except subprocess.TimeoutExpired:
        proc.kill()
    status = proc.wait()
    # Its sandboxes (parent-death signal) and network stack (its exit pipe) end on their
    # own, but not in the same instant: a session still there after 3 s is a leak.
    deadline = time.monotonic() + 3
    leaked = True
    while leaked and time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            leaked = False
    if leaked:  # end it, then fail on it
        os.killpg(proc.pid, signal.SIGKILL)
    assert not leaked, f"{args} left processes behind"
    return status


def debris(root: Path) -> set[str]:
    """What killed writers left in a store's scratch folders (reclaimed by builder prune)."""
    return {f"{name}/{entry}" for name in ("ingest", "tmp") if (root / name).is_dir()
            for entry in os.listdir(root / name)}
ARM64_BUSYBOX_DEBS = Path("/var/cache/dfc-test")
"""Where scripts/setup.sh (DFC_SETUP_FULL=1) downloads Debian's busybox-static:arm64."""


class MultiPlatformBase(NamedTuple):
    """A store with `busybox:amd64`, `busybox:arm64` and the index `busybox:multi` of both."""

    store: Store
    amd64: str
    arm64: str
    multi: str


@pytest.fixture(scope="session")
def multiplatform_base(busybox_image: BusyboxImage,
                       tmp_path_factory: pytest.TempPathFactory) -> MultiPlatformBase:
    """The two-platform test base: amd64 busybox (the busybox image) and arm64 busybox from
    Debian's busybox-static:arm64 package, gathered in an OCI index."""
    from dfc.multiplatform import write_index
    from dfc.platform import parse_platform

    debs = sorted(ARM64_BUSYBOX_DEBS.glob("busybox-static_*_arm64.deb"))
    if not debs:
        pytest.fail(f"needs busybox-static:arm64 in {ARM64_BUSYBOX_DEBS} "
                    "(run DFC_SETUP_FULL=1 scripts/setup.sh)")
    work = tmp_path_factory.mktemp("multiplatform")
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(work / "deb")], check=True)
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(work / "rootfs")], check=True,
                   env={**os.environ, "BUSYBOX": str(work / "deb/bin/busybox"),
                        "BUSYBOX_LIST": str(BUSYBOX)})
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = busybox_store_copy(busybox_image, work / "store")
    store.tag("busybox:amd64", store.resolve(busybox_image.ref).manifest)
    arm64 = import_rootfs(store, work / "rootfs.tar", "busybox:arm64", epoch=BUSYBOX_EPOCH,
                          platform=parse_platform("linux/arm64"))
    images = [store.resolve(n).manifest for n in ("busybox:amd64", "busybox:arm64")]
    multi = store.tag("busybox:multi", write_index(store, images))
    assert arm64.name is not None
    return MultiPlatformBase(store, "docker.io/library/busybox:amd64", arm64.name, multi)


def root_env(root: Path) -> dict[str, str]:
    """This process's environment with the store `root` as DFC_ROOT."""
    return {**os.environ, "DFC_ROOT": str(root)}


def run_in(dfc_cmd: list[str], root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dfc ARGS` on the store `root`, its output captured."""
    return subprocess.run([*dfc_cmd, *args], capture_output=True, text=True,
                          env=root_env(root), timeout=300)


def run_ok_in(dfc_cmd: list[str], root: Path, *args: str) -> str:
    """`dfc ARGS` on the store `root`, which must succeed; its standard output."""
    proc = run_in(dfc_cmd, root, *args)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout
