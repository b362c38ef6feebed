"""The dfc daemon: a command forked from the warm process behaves as if run directly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import dfc.version
from dfc.cache.store import Store
from dfc.daemon import wire

from .conftest import (
    AS_NOBODY,
    DfcDaemon,
    build_until_started,
    daemons_on,
    stop_daemons,
    wait_until,
)

# slow: every test starts a dfc daemon and runs the console script
pytestmark = pytest.mark.slow


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, input=stdin, capture_output=True, text=True)


def test_a_command_runs_in_the_daemon_as_in_process(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                                    tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo hi\n")
    here = run([*dfc_cmd, "parse", "Dockerfile"], cwd=tmp_path)
    there = run([*dfc_cmd, "parse", "Dockerfile"], env=dfc_daemon.env, cwd=tmp_path)
    assert (there.returncode, there.stdout, there.stderr) == (0, here.stdout, "")
    assert '2:1 RUN command={"type": "shell", "text": "echo hi"}' in there.stdout
    assert dfc_daemon.served() == 1


def test_errors_exit_codes_and_stdin_are_the_clients(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                                     tmp_path: Path) -> None:
    cases = [(["parse", "missing"], None), (["parse", "--no-such-flag"], None),
             (["compile", "-"], "FROM busybox\nRUNX\n")]
    for argv, stdin in cases:
        here = run([*dfc_cmd, *argv], cwd=tmp_path, stdin=stdin)
        there = run([*dfc_cmd, *argv], env=dfc_daemon.env, cwd=tmp_path, stdin=stdin)
        assert (there.returncode, there.stdout, there.stderr) == (
            here.returncode, here.stdout, here.stderr)
    assert here.returncode == 1
    assert here.stderr.startswith("<stdin>:2:1: error: unknown instruction: RUNX")
    assert dfc_daemon.served() == 3


def test_a_build_sees_the_clients_folder_and_environment(
        dfc_cmd: list[str], dfc_daemon: DfcDaemon, fresh_store: Store, tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM busybox\nARG GREETING\nRUN echo \"$GREETING\" > /greeting\n")
    env = {**dfc_daemon.env, "DFC_ROOT": str(fresh_store.root), "GREETING": "from-the-client"}
    build = [*dfc_cmd, "build", "--progress", "plain", "--build-arg", "GREETING", "-t", "greet",
             "--output", "type=local,dest=out", "."]
    first = run(build, env=env, cwd=context)
    assert first.returncode == 0, first.stderr
    assert (context / "out" / "greeting").read_text() == "from-the-client\n"
    again = run(build, env=env, cwd=context)
    assert again.returncode == 0
    assert "#5 CACHED" in again.stderr or " CACHED" in again.stderr
    assert dfc_daemon.served() == 2


def test_a_killed_client_cancels_its_command(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                             fresh_store: Store, tmp_path: Path) -> None:
    marker = f"dfc-orphan-{os.getpid()}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started; sleep 60; : {marker}\n")
    proc = build_until_started(dfc_cmd, fresh_store, tmp_path, dfc_daemon.env)
    proc.kill()  # SIGKILL: the client relays nothing; its closed connection is the signal
    proc.wait()
    assert wait_until(lambda: not run(["pgrep", "-f", marker]).stdout)
    assert wait_until(lambda: dfc_daemon.status().get("running") == "0")
    assert fresh_store.check().ok


def test_changed_code_runs_in_process_and_restarts_the_daemon(
        dfc_cmd: list[str], dfc_daemon: DfcDaemon, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    source = Path(dfc.version.__file__)
    before = source.stat()
    pid = dfc_daemon.status()["pid"]
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    try:
        done = run([*dfc_cmd, "parse", "Dockerfile"], env=dfc_daemon.env, cwd=tmp_path)
        assert done.returncode == 0 and "FROM" in done.stdout
        # The same process, re-executed with the new code: its counters start again.
        assert wait_until(lambda: dfc_daemon.status().get("served") == "0")
        assert dfc_daemon.status()["pid"] == pid
        run([*dfc_cmd, "parse", "Dockerfile"], env=dfc_daemon.env, cwd=tmp_path)
        assert dfc_daemon.served() == 1
    finally:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_package_installed_beside_dfc_restarts_the_daemon(
        dfc_cmd: list[str], dfc_daemon: DfcDaemon, tmp_path: Path) -> None:
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    env = {**dfc_daemon.env, "PYTHONPATH": str(site)}
    run([*dfc_cmd, "daemon", "stop"], env=env)
    assert run([*dfc_cmd, "daemon", "start"], env=env).returncode == 0
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    run([*dfc_cmd, "parse", "Dockerfile"], env=env, cwd=tmp_path)
    assert dfc_daemon.served() == 1
    (site / "newly_installed.py").write_text("")  # what pip does to the folder
    assert run([*dfc_cmd, "parse", "Dockerfile"], env=env, cwd=tmp_path).returncode == 0
    assert wait_until(lambda: dfc_daemon.status().get("served") == "0")


def test_another_user_is_not_served(dfc_cmd: list[str], dfc_daemon: DfcDaemon) -> None:
    """Even with the socket opened up, the daemon serves only its own user (or root)."""
    os.chmod(dfc_daemon.socket.parent, 0o755)
    os.chmod(dfc_daemon.socket, 0o666)
    shared = Path(tempfile.mkdtemp(prefix="dfc-daemon-user-"))  # pytest's tmp is root-only
    try:
        os.chmod(shared, 0o755)
        (shared / "Dockerfile").write_text("FROM busybox\n")
        done = run([*AS_NOBODY, "parse", str(shared / "Dockerfile")], env=dfc_daemon.env)
    finally:
        shutil.rmtree(shared)
    assert done.returncode == 0 and 'FROM image="busybox"' in done.stdout
    assert dfc_daemon.served() == 0


def test_stop_lets_a_running_command_finish(dfc_cmd: list[str], dfc_daemon: DfcDaemon,
                                            fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo started; sleep 2\n")
    proc = build_until_started(dfc_cmd, fresh_store, tmp_path, dfc_daemon.env)
    stopped = run([*dfc_cmd, "daemon", "stop"], env=dfc_daemon.env)
    assert stopped.returncode == 0 and stopped.stdout.startswith("dfc daemon stopped (pid ")
    assert proc.wait(timeout=30) == 0
    assert not dfc_daemon.socket.exists()
    status = run([*dfc_cmd, "daemon", "status"], env=dfc_daemon.env)
    assert status.returncode == 1
    assert status.stderr == f"error: no dfc daemon is listening on {dfc_daemon.socket}\n"
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    assert run([*dfc_cmd, "parse", str(tmp_path / "Dockerfile")],
               env=dfc_daemon.env).returncode == 0  # no daemon: the command runs here


def test_one_daemon_per_socket(dfc_cmd: list[str], dfc_daemon: DfcDaemon) -> None:
    again = run([*dfc_cmd, "daemon", "start"], env=dfc_daemon.env)
    assert again.returncode == 1
    assert again.stderr == f"error: a dfc daemon is already listening on {dfc_daemon.socket}\n"
    assert dfc_daemon.status()["socket"] == str(dfc_daemon.socket)


def test_only_its_own_installation_is_served(dfc_daemon: DfcDaemon) -> None:
    """A client of another dfc (another venv, version or checkout) runs its command itself."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        replies = []
        for installation in (b"/elsewhere/dfc", wire.INSTALLATION):
            conn = wire.connect(str(dfc_daemon.socket))
            assert conn is not None
            request = wire.Request("run", [b"parse", b"--help"],
                                          installation=installation)
            wire.send_request(conn, request, [null, null, null])
            replies.append(wire.read_reply(conn))
            conn.close()
    finally:
        os.close(null)
    assert replies == [(wire.REFUSED, None), (wire.EXIT, 0)]
    assert dfc_daemon.served() == 1


def test_a_removed_working_folder_is_the_clis_to_report(dfc_cmd: list[str],
                                                        dfc_daemon: DfcDaemon,
                                                        tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    code = ("import os, subprocess, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
            "sys.exit(subprocess.run(sys.argv[2:]).returncode)")
    done = run([sys.executable, "-c", code, str(gone), *dfc_cmd, "parse", "Dockerfile"],
               env=dfc_daemon.env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: cannot read Dockerfile")
    assert dfc_daemon.served() == 0


@pytest.fixture
def first_use(dfc_cmd: list[str]):  # type: ignore[no-untyped-def]
    """An environment as a user has it (no DFC_NO_DAEMON), with a private socket; any
    daemon a command starts there is stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dfcd-"))
    env = {key: value for key, value in os.environ.items() if key != "DFC_NO_DAEMON"}
    env["DFC_DAEMON_SOCKET"] = str(folder / "daemon.sock")
    env["DFC_DAEMON_IDLE"] = "60s"
    try:
        yield folder, env
    finally:
        stop_daemons(dfc_cmd, env)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_first_command_starts_a_daemon_that_serves_the_next(
        dfc_cmd: list[str], first_use, fresh_store: Store) -> None:  # type: ignore[no-untyped-def]
    folder, env = first_use
    listed = run([*dfc_cmd, "images", "--root", str(fresh_store.root)], env=env)
    assert listed.returncode == 0 and "busybox" in listed.stdout, listed.stderr
    for _ in range(4):  # while it loads: these run here and start no second daemon
        run([*dfc_cmd, "images", "--root", str(fresh_store.root)], env=env)
    status = [*dfc_cmd, "daemon", "status"]
    assert wait_until(lambda: run(status, env=env).returncode == 0, 60)
    served = int(run(status, env=env).stdout.split("served: ")[1].split()[0])
    again = run([*dfc_cmd, "images", "--root", str(fresh_store.root)], env=env)
    assert (again.returncode, again.stdout) == (0, listed.stdout)
    assert f"served: {served + 1}" in run(status, env=env).stdout
    log = (folder / "daemon.log").read_text()
    assert log.count("listening on") == 1 and "error" not in log, log
    assert run([*dfc_cmd, "daemon", "stop"], env=env).returncode == 0
    # The commands run while it loaded started no second daemon that would outlive it.
    assert wait_until(lambda: daemons_on(env["DFC_DAEMON_SOCKET"]) == [], 10), \
        daemons_on(env["DFC_DAEMON_SOCKET"])


def test_an_idle_daemon_stops_by_itself(dfc_cmd: list[str], first_use) -> None:  # type: ignore[no-untyped-def]
    folder, env = first_use
    started = run([*dfc_cmd, "daemon", "start", "--idle-timeout", "1s"], env=env)
    assert started.returncode == 0, started.stderr
    assert wait_until(lambda: not (folder / "daemon.sock").exists(), 30)
    assert "dfc daemon: idle for 1 s: stopping" in (folder / "daemon.log").read_text()
    bad = run([*dfc_cmd, "daemon", "start", "--idle-timeout", "soon"], env=env)
    assert bad.returncode != 0 and "invalid --idle-timeout 'soon'" in bad.stderr


@pytest.mark.parametrize("args", [["--help"], ["images", "--help"], ["daemon", "status"],
                                  ["version"]])
def test_help_and_daemon_commands_start_no_daemon(dfc_cmd: list[str], first_use,
                                                 args: list[str]) -> None:  # type: ignore[no-untyped-def]
    folder, env = first_use
    run([*dfc_cmd, *args], env=env)
    assert not (folder / "daemon.log").exists()  # written before a daemon would start


def test_disabled_daemon_is_never_started(dfc_cmd: list[str], first_use,
                                          fresh_store: Store) -> None:  # type: ignore[no-untyped-def]
    folder, env = first_use
    done = run([*dfc_cmd, "images", "--root", str(fresh_store.root)],
               env={**env, "DFC_NO_DAEMON": "1"})
    assert done.returncode == 0
    assert not (folder / "daemon.log").exists()


def test_containers_on_a_terminal_run_in_the_client(tmp_path: Path) -> None:
    """A daemon's child has no controlling terminal: `run`/`exec` on a tty stay here."""
    import pty

    code = ("from dfc.client import wants_daemon; "
            "print(wants_daemon(['run', '-it', 'x']), wants_daemon(['images']))")
    env = {key: value for key, value in os.environ.items() if key != "DFC_NO_DAEMON"}
    parent, child = pty.openpty()
    done = subprocess.run([sys.executable, "-c", code], stdin=child, capture_output=True,
                          text=True, env=env)
    os.close(parent)
    os.close(child)
    assert done.stdout.split() == ["False", "True"]
    piped = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, env=env)
    assert piped.stdout.split() == ["True", "True"]
