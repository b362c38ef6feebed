"""The compiled `dfc` client: it forwards what the Python client would, as the Python
client would, and hands everything else to the Python client."""

from __future__ import annotations

import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from dfc import client
from dfc.cache.store import Store
from dfc.daemon import native_client, wire

from .conftest import DfcDaemon, build_until_started, daemons_on, stop_daemons, wait_until

# slow: a daemon per test, and the client is compiled once
pytestmark = pytest.mark.slow

PYTHON_CLIENT = [sys.executable, "-m", "dfc"]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (scripts/setup.sh installs gcc)")
    binary = tmp_path_factory.mktemp("client") / "dfc"
    native_client.build(binary, sys.executable)
    return binary


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None, stdin: object = None,
        text_in: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, input=text_in, stdin=stdin,
                          capture_output=True, text=True)


def test_setup_installs_the_compiled_client() -> None:
    installed = Path(sys.executable).parent / "dfc"
    if shutil.which("cc") is None:
        pytest.skip("no C compiler: setup keeps the Python launcher")
    assert installed.read_bytes()[:4] == b"\x7fELF"


def timeless(status: str) -> str:
    """Output without `daemon status`'s uptime, which moves between two runs."""
    return "".join(line for line in status.splitlines(True) if not line.startswith("up: "))


CASES = [
    (["parse", "Dockerfile"], {}),
    (["parse", "missing"], {}),
    (["compile", "--no-such-flag"], {}),
    (["version"], {}),
    ([], {}),
    (["--help"], {}),
    (["daemon", "status"], {}),
    (["login", "--help"], {}),
    (["parse", "Dockerfile"], {"DFC_NO_DAEMON": "1"}),
    (["parse", "Dockerfile"], {"DFC_NO_DAEMON": ""}),
    ([], {"_DFC_COMPLETE": "bash_complete", "COMP_WORDS": "dfc ima", "COMP_CWORD": "1"}),
]


@pytest.mark.parametrize(("argv", "extra"), CASES)
def test_a_command_goes_where_the_python_client_sends_it_with_the_same_result(
        compiled: Path, dfc_daemon: DfcDaemon, tmp_path: Path, argv: list[str],
        extra: dict[str, str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo hi\n")
    env = {**dfc_daemon.env, **extra}
    expected = run([*PYTHON_CLIENT, *argv], env, tmp_path)
    before = dfc_daemon.served()
    got = run([str(compiled), *argv], env, tmp_path)
    forwarded = dfc_daemon.served() - before
    assert (got.returncode, timeless(got.stdout), got.stderr) == (
        expected.returncode, timeless(expected.stdout), expected.stderr)
    old = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        assert forwarded == int(client.wants_daemon(argv))
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_stdin_and_the_exit_code_are_the_clients(compiled: Path, dfc_daemon: DfcDaemon,
                                                 tmp_path: Path) -> None:
    done = run([str(compiled), "compile", "-"], dfc_daemon.env, tmp_path,
               text_in="FROM busybox\nRUNX\n")
    assert done.returncode == 1
    assert done.stderr.startswith("<stdin>:2:1: error: unknown instruction: RUNX")
    assert dfc_daemon.served() == 1


def test_containers_on_a_terminal_stay_in_the_client(compiled: Path, dfc_daemon: DfcDaemon,
                                                     tmp_path: Path) -> None:
    parent, child = pty.openpty()
    try:
        on_tty = run([str(compiled), "exec", "--help"], dfc_daemon.env, tmp_path, stdin=child)
    finally:
        os.close(parent)
        os.close(child)
    assert on_tty.returncode == 0 and "Usage:" in on_tty.stdout
    assert dfc_daemon.served() == 0
    piped = run([str(compiled), "exec", "--help"], dfc_daemon.env, tmp_path,
                stdin=subprocess.DEVNULL)
    assert piped.stdout == on_tty.stdout
    assert dfc_daemon.served() == 1


def test_the_environment_reaches_the_command_as_python_reads_it(
        compiled: Path, dfc_daemon: DfcDaemon, fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nARG GREETING\nRUN echo \"$GREETING\" > /greeting\n")
    env = {**dfc_daemon.env, "GREETING": "über \x01 ✓"}
    done = run([str(compiled), "build", "--root", str(fresh_store.root), "--progress", "plain",
                "--build-arg", "GREETING", "--output", "type=local,dest=out", "."],
               env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "greeting").read_text() == "über \x01 ✓\n"
    assert dfc_daemon.served() == 1


def test_ctrl_c_reaches_the_command_in_the_daemon(compiled: Path, dfc_daemon: DfcDaemon,
                                                  fresh_store: Store, tmp_path: Path) -> None:
    marker = f"dfc-native-interrupt-{os.getpid()}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started; sleep 60; : {marker}\n")
    proc = build_until_started([str(compiled)], fresh_store, tmp_path, dfc_daemon.env)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    assert proc.stderr is not None
    assert "interrupted" in proc.stderr.read()
    assert not subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout
    assert wait_until(lambda: dfc_daemon.status().get("running") == "0")
    assert fresh_store.check().ok


def test_a_daemon_lost_mid_command_is_reported_not_rerun(
        compiled: Path, dfc_daemon: DfcDaemon, fresh_store: Store, tmp_path: Path) -> None:
    marker = f"dfc-native-lost-{os.getpid()}"
    (tmp_path / "Dockerfile").write_text(f"FROM busybox\nRUN echo started; sleep 60; : {marker}\n")
    proc = build_until_started([str(compiled)], fresh_store, tmp_path, dfc_daemon.env)
    daemon = int(dfc_daemon.status()["pid"])
    children = subprocess.run(["pgrep", "-P", str(daemon)], capture_output=True, text=True)
    for pid in [daemon, *map(int, children.stdout.split())]:
        os.kill(pid, signal.SIGKILL)
    assert proc.wait(30) == 1
    assert proc.stderr is not None
    assert proc.stderr.read().rstrip().endswith(client.LOST_MESSAGE)
    subprocess.run(["pkill", "-KILL", "-f", marker])


def test_under_the_name_hadolint_it_is_the_hadolint_front_end(
        compiled: Path, dfc_daemon: DfcDaemon, tmp_path: Path) -> None:
    (tmp_path / "hadolint").symlink_to(compiled)
    dockerfile = "FROM busybox\nRUN cd /tmp && echo hi\n"
    got = run([str(tmp_path / "hadolint"), "-"], dfc_daemon.env, tmp_path, text_in=dockerfile)
    assert "DL3003" in got.stdout
    assert dfc_daemon.served() == 0
    expected = run([sys.executable, "-c", "import sys; sys.argv[0] = 'hadolint'; "
                    "from dfc.client import main; main()", "-"], dfc_daemon.env, tmp_path,
                   text_in=dockerfile)
    assert (got.returncode, got.stdout) == (expected.returncode, expected.stdout)


def test_a_declining_daemon_gets_no_second_daemon_beside_it(
        compiled: Path, dfc_cmd: list[str], fresh_store: Store) -> None:
    """A stale daemon answers "S" and stops listening to restart itself: the Python client
    the command is handed to runs it here and must not start another daemon meanwhile."""
    folder = Path(tempfile.mkdtemp(prefix="dfcd-"))
    env = {key: value for key, value in os.environ.items() if key != "DFC_NO_DAEMON"}
    env["DFC_DAEMON_SOCKET"] = str(folder / "daemon.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(env["DFC_DAEMON_SOCKET"])
    listener.listen(1)

    def answer_stale_once() -> None:
        conn, _addr = listener.accept()
        with conn:
            conn.recv(1 << 20)
            conn.sendall(wire.STALE)
        listener.close()
        os.unlink(env["DFC_DAEMON_SOCKET"])

    stale = threading.Thread(target=answer_stale_once)
    stale.start()
    try:
        done = run([str(compiled), "images", "--root", str(fresh_store.root)], env)
        stale.join(30)
        assert done.returncode == 0 and "busybox" in done.stdout, done.stderr
        assert not (folder / "daemon.log").exists()  # written by a daemon started on use
        assert daemons_on(env["DFC_DAEMON_SOCKET"]) == []
    finally:
        listener.close()
        stop_daemons(dfc_cmd, env)
        shutil.rmtree(folder, ignore_errors=True)
