"""The daemon's spare: a child forked before the command it then runs, ready and alone."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

import dfc.version
from dfc.cache.store import Store

from .conftest import DfcDaemon, daemons_on, wait_until

# slow: every test starts a dfc daemon and runs the console script
pytestmark = pytest.mark.slow


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    # A timeout: a spare that kept a client's stdout open would keep this waiting.
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def children(pid: int) -> list[int]:
    """The processes `pid` forked and has not reaped (the daemon is single-threaded)."""
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def process_group(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])


def the_spare(daemon: DfcDaemon) -> tuple[int, int]:
    """(daemon pid, spare pid) once the daemon runs no command and has its one spare."""
    pid = int(daemon.status()["pid"])
    assert wait_until(lambda: len([c for c in children(pid) if alive(c)]) == 1
                      and daemon.status().get("running") == "0", 30), children(pid)
    [spare] = [c for c in children(pid) if alive(c)]
    return pid, spare


def smaps_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in smaps_rollup")


def test_the_spare_holds_nothing_of_the_daemons(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                                tmp_path: Path) -> None:
    """Not the lock, the listening socket, the log as stdout, or the stdio of the command
    it was forked after: only its standard streams and its socketpair; and it is already
    a process group of its own."""
    _daemon, first = the_spare(dfc_daemon)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    assert run([*dfc_cmd, "parse", "Dockerfile"], dfc_daemon.env, tmp_path).returncode == 0
    _daemon, spare = the_spare(dfc_daemon)
    assert spare != first
    fds = {name: os.readlink(f"/proc/{spare}/fd/{name}")
           for name in os.listdir(f"/proc/{spare}/fd")}
    assert fds.pop("0") == fds.pop("1") == os.devnull
    assert fds.pop("2") == str(dfc_daemon.socket.with_suffix(".log"))
    assert list(fds.values())[0].startswith("socket:") and len(fds) == 1, fds
    assert process_group(spare) == spare


def test_a_command_runs_in_the_spare_forked_before_it(
        dfc_cmd: list[str], dfc_daemon: DfcDaemon, fresh_store: Store, tmp_path: Path) -> None:
    daemon, spare = the_spare(dfc_daemon)
    marker = f"dfc-spare-{os.getpid()}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started; sleep 60; : {marker}\n")
    proc = subprocess.Popen([*dfc_cmd, "build", "--root", str(fresh_store.root), "--progress",
                             "plain", "."], cwd=tmp_path, env=dfc_daemon.env,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "started" in line:
                break
        # The spare forked before the request runs it: in the client's folder, counted as
        # the one running command; the daemon forked the next spare beside it.
        assert os.path.realpath(f"/proc/{spare}/cwd") == str(tmp_path.resolve())
        assert dfc_daemon.status()["running"] == "1"
        assert wait_until(lambda: len([c for c in children(daemon) if alive(c)]) == 2)
        assert spare in children(daemon)
        proc.send_signal(signal.SIGINT)  # Ctrl-C: relayed to the spare's process group
        assert proc.wait(timeout=60) != 0
    finally:
        proc.kill()
        proc.wait()
    assert wait_until(lambda: not run(["pgrep", "-f", marker], {}).stdout, 30)
    assert wait_until(lambda: not alive(spare))
    _daemon, next_spare = the_spare(dfc_daemon)
    assert next_spare != spare
    assert fresh_store.check().ok


def test_a_killed_spare_is_replaced(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                    tmp_path: Path) -> None:
    daemon, spare = the_spare(dfc_daemon)
    os.kill(spare, signal.SIGKILL)
    assert wait_until(lambda: spare not in children(daemon))  # reaped
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    parse = [*dfc_cmd, "parse", "Dockerfile"]
    done = run(parse, dfc_daemon.env, tmp_path)  # forked directly: there was no spare
    assert (done.returncode, done.stdout, done.stderr) == (0, '1:1 FROM image="busybox"\n', "")
    _daemon, replacement = the_spare(dfc_daemon)
    assert replacement != spare
    assert run(parse, dfc_daemon.env, tmp_path).stdout == done.stdout  # in the replacement
    assert wait_until(lambda: not alive(replacement))
    assert dfc_daemon.served() == 2
    log = dfc_daemon.socket.with_suffix(".log").read_text()
    assert f"spare {spare} exited (-9)" in log


def test_stop_ends_the_spare(dfc_cmd: list[str], dfc_daemon: DfcDaemon) -> None:
    _daemon, spare = the_spare(dfc_daemon)
    assert run([*dfc_cmd, "daemon", "stop"], dfc_daemon.env).returncode == 0
    assert not alive(spare)  # ended and reaped before the daemon exited
    assert daemons_on(str(dfc_daemon.socket)) == []


def test_an_idle_daemon_ends_its_spare(dfc_cmd: list[str], dfc_daemon: DfcDaemon) -> None:
    run([*dfc_cmd, "daemon", "stop"], dfc_daemon.env)
    started = run([*dfc_cmd, "daemon", "start", "--idle-timeout", "2s"], dfc_daemon.env)
    assert started.returncode == 0, started.stderr
    _daemon, spare = the_spare(dfc_daemon)  # the spare does not keep the daemon busy
    assert wait_until(lambda: not dfc_daemon.socket.exists(), 30)
    assert wait_until(lambda: daemons_on(str(dfc_daemon.socket)) == [], 10)
    assert not alive(spare)


def test_a_spare_dies_with_its_daemon(dfc_daemon: DfcDaemon) -> None:
    daemon, spare = the_spare(dfc_daemon)
    os.kill(daemon, signal.SIGKILL)
    assert wait_until(lambda: not alive(spare), 10)


def test_a_restart_for_changed_code_ends_the_spare(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                                   tmp_path: Path) -> None:
    daemon, spare = the_spare(dfc_daemon)
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    source = Path(dfc.version.__file__)
    before = source.stat()
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    try:
        assert run([*dfc_cmd, "parse", "Dockerfile"], dfc_daemon.env, tmp_path).returncode == 0
        assert wait_until(lambda: dfc_daemon.status().get("served") == "0", 30)
        assert not alive(spare)  # not the command: it ran in the client, stale code here
        again, renewed = the_spare(dfc_daemon)
        assert (again, renewed != spare) == (daemon, True)
    finally:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.skipif(tuple(int(x) for x in os.uname().release.split(".")[:2]) < (5, 14),
                    reason="MADV_POPULATE_WRITE is Linux 5.14")
def test_the_spare_copies_the_daemons_memory_before_its_command(
        dfc_daemon: DfcDaemon) -> None:
    """Copy-on-write pages become the spare's own while it waits, not in its command."""
    daemon, spare = the_spare(dfc_daemon)
    anonymous = smaps_kib(daemon, "Anonymous")
    assert wait_until(lambda: smaps_kib(spare, "Private_Dirty") >= 0.8 * anonymous, 60), (
        smaps_kib(spare, "Private_Dirty"), anonymous)
