"""Races between a container's output, its exit and the CLIs around it, made to happen
every time: the supervisor is stopped (SIGSTOP) while the events pile up, so it meets
them all in one round, as it does on a loaded machine."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

from dfc.runtime.containers import engine, session
from dfc.runtime.containers.attach import FrameReader
from dfc.runtime.containers.store import ContainerStore


def _until(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_output_and_a_detaching_client_in_one_round(images: Any) -> None:
    """`run -d` exits right after the start while the container already writes: the
    supervisor's send to the gone CLI fails and then it reads the CLI's end of stream.
    It must carry on: the container runs to its end and its whole output is logged."""
    store = images.store
    cstore = ContainerStore(store.root)
    script = ('trap "echo line 1; touch /written" USR1; '
              "while [ ! -e /written ]; do sleep 0.05; done; echo line 2")
    container = engine.create(store, engine.RunOptions(
        image=images.names["busybox"], args=("sh", "-c", script), attach=False))
    sock = engine.start(store, container)
    session.wait_started(sock, FrameReader())
    state = cstore.load(container.id).state  # type: ignore[union-attr]
    os.kill(state.supervisor, signal.SIGSTOP)
    try:
        _until(lambda: (container.upper / "written").exists() or
               os.kill(state.pid, signal.SIGUSR1), "the container's first line")
        sock.close()  # the CLI goes while output waits for the stopped supervisor
    finally:
        os.kill(state.supervisor, signal.SIGCONT)
    assert engine.wait_exit(cstore, container) == 0
    done = cstore.load(container.id)
    assert done is not None and done.state.error == ""
    lines = [json.loads(line)["log"] for line in done.log_path.read_text().splitlines()]
    assert lines == ["line 1\n", "line 2\n"]
    engine.remove(store, done)


def test_logs_follow_reads_a_burst_written_right_before_the_exit(dfc: Any, images: Any
                                                                  ) -> None:
    """`logs -f` ends when the container stops, with every line it wrote: the burst
    printed just before the exit included (docker reads the log to its end)."""
    import subprocess

    for attempt in range(3):
        name = f"burst{attempt}"
        script = ('trap "seq 1 3000; seq 1 2000 >&2; exit 3" USR1; '
                  "while true; do sleep 0.05; done")
        assert dfc("run", "-d", "--name", name, images.names["busybox"], "sh", "-c",
                   script).code == 0
        follower = subprocess.Popen([*dfc.cmd, "logs", "-f", name], env=dfc.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        pid = int(dfc("inspect", "-f", "{{.State.Pid}}", name).out)
        os.kill(pid, signal.SIGUSR1)
        out, err = follower.communicate(timeout=60)
        assert follower.returncode == 0
        assert out.decode().splitlines() == [str(i) for i in range(1, 3001)]
        assert err.decode().splitlines() == [str(i) for i in range(1, 2001)]
        assert dfc("wait", name).out == "3\n"
        dfc("rm", name)
