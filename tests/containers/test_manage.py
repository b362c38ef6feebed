"""`rename`, `attach`, `top`, `container prune` and the detach keys, against docker's
messages and exit codes on the same images."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import tty
import uuid
from typing import Any


def _error(text: str) -> str:
    """An error line without its prefix (docker's `Error response from daemon: `,
    `docker: `; dfc's `error: `)."""
    line = text.strip().splitlines()[0]
    for prefix in ("docker: ", "Error response from daemon: ", "error: ", "Error: "):
        line = line.removeprefix(prefix)
    return line


def test_rename_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    first, second = docker.name(), docker.name()
    docker.containers.append(f"{first}-new")
    for run in (docker, dfc):
        assert run("create", "--name", first, box, "true").code == 0
        assert run("create", "--name", second, box, "true").code == 0
        taken = run("rename", first, second)
        same = run("rename", first, first)
        invalid = run("rename", first, "x!")
        missing = run("rename", "no-such-container-zz", "new")
        empty = run("rename", first, "")
        results = [(r.code, _error(r.err)) for r in (taken, same, invalid, missing, empty)]
        cid = run("inspect", "-f", "{{.Id}}", second).out.strip()
        results[0] = (taken.code, _error(taken.err).replace(cid, "ID"))
        renamed = run("rename", first, f"/{first}-new")
        if run is docker:
            theirs = results
        else:
            assert results == theirs
        assert (renamed.code, renamed.out, renamed.err) == (0, "", "")
        assert run("inspect", "-f", "{{.Name}}", f"{first}-new").out == f"/{first}-new\n"
        assert run("rename", f"{first}-new", first).code == 0  # the old name is free again


def test_container_prune_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    label = f"dfc-prune={uuid.uuid4().hex[:8]}"
    outputs = []
    for run in (docker, dfc):
        keep = docker.name()
        ran = docker.name()
        assert run("run", "--name", ran, "--label", label, box, "sh", "-c",
                   "echo x > /file").code == 0
        ids = [run("create", "--label", label, box, "true").out.strip(),
               run("inspect", "-f", "{{.Id}}", ran).out.strip()]
        assert run("create", "--name", keep, "--label", f"{label}-other", box, "true").code == 0
        running = run("run", "-d", "--label", label, box, "sleep", "30").out.strip()
        bad = run("container", "prune", "-f", "--filter", "bogus=1")
        none = run("container", "prune", "-f", "--filter", f"label={label}", "--filter",
                   "until=1h")
        done = run("container", "prune", "-f", "--filter", f"label={label}")
        lines = done.out.splitlines()
        assert lines[0] == "Deleted Containers:" and sorted(lines[1:3]) == sorted(ids)
        assert lines[3] == "" and lines[4].startswith("Total reclaimed space: ")
        assert run("inspect", "-f", "{{.State.Status}}", running).out == "running\n"
        assert run("inspect", "-f", "{{.State.Status}}", keep).out == "created\n"
        outputs.append(((bad.code, _error(bad.err)), none.out, done.code, len(lines)))
        run("rm", "-f", running, keep)
    assert outputs[0] == outputs[1]
    assert outputs[1][1] == "Total reclaimed space: 0B\n"
    prompt = dfc("container", "prune", stdin=b"n\n")
    assert (prompt.code, prompt.out) == (0, "WARNING! This will remove all stopped "
                                         "containers.\nAre you sure you want to continue? "
                                         "[y/N] ")


def test_top_shows_the_containers_processes(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    assert dfc("run", "-d", "--name", "topped", box, "sh", "-c",
               "sleep 31 & sleep 32").code == 0
    init = int(dfc("inspect", "-f", "{{.State.Pid}}", "topped").out)
    shown = dfc("top", "topped")
    assert shown.code == 0
    lines = shown.out.splitlines()
    assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert lines[0].startswith("UID" + " " * 17 + "PID" + " " * 17)  # docker's 20-wide cells
    rows = [line.split() for line in lines[1:]]
    assert [row[1] for row in rows][0] == str(init)
    assert sorted(" ".join(row[7:]) for row in rows) == ["sleep 31", "sleep 32"]
    narrow = dfc("container", "top", "topped", "-o", "pid,comm")
    assert [line.split() for line in narrow.out.splitlines()] == [
        ["PID", "COMMAND"], [str(init), "sleep"], [rows[1][1], "sleep"]]
    assert dfc("stop", "-t", "0", "topped").code == 0
    cid = dfc("inspect", "-f", "{{.Id}}", "topped").out.strip()
    stopped = dfc("top", "topped")
    assert (stopped.code, stopped.err) == (1, f"error: Container {cid} is not running\n")


def _on_raw_terminal(argv: list[str], env: dict[str, str], typed: bytes) -> tuple[str, int]:
    """Run `argv` on a pty put in raw mode before it starts (so typed keys wait, unchanged,
    until the command reads them), type `typed` at once; its output (without CRs) and
    exit code."""
    master, slave = os.openpty()
    tty.setraw(slave)
    proc = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    os.write(master, typed)
    out = b""
    while select.select([master], [], [], 30)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        out += chunk
    code = proc.wait(timeout=30)
    os.close(master)
    return out.decode(errors="replace").replace("\r", ""), code


def test_attach_to_a_terminal_detach_and_come_back(dfc: Any, docker: Any, images: Any
                                                    ) -> None:
    box = images.names["busybox"]
    assert dfc("run", "-dit", "--name", "attached", box, "sh").code == 0
    out, code = _on_raw_terminal([*dfc.cmd, "attach", "attached"], dfc.env,
                                 b"echo hi-$((40+2))\r\x10\x11")
    assert code == 1 and out.endswith("read escape sequence\n"), out
    assert dfc("inspect", "-f", "{{.State.Status}}", "attached").out == "running\n"
    out, code = _on_raw_terminal([*dfc.cmd, "attach", "--detach-keys", "ctrl-a,x",
                                  "attached"], dfc.env,  # (^U: the shell clears its line)
                                 b"\x10\x11\x15\x01\x15echo $((6*7))\rexit 5\r")
    assert code == 5, out
    assert "42" in out.split() and "read escape sequence" not in out
    assert "hi-42" in dfc("logs", "attached").out.split()
    cid = dfc("inspect", "-f", "{{.Id}}", "attached").out.strip()
    ours = dfc("attach", "attached")
    name = docker.name()
    assert docker("create", "--name", name, box, "true").code == 0
    theirs = docker("attach", name)
    assert (ours.code, _error(ours.err)) == (theirs.code, _error(theirs.err)) == (
        1, "You cannot attach to a stopped container, start it first")
    assert dfc("rm", cid).code == 0


def test_run_it_detaches_on_ctrl_p_ctrl_q(dfc: Any, images: Any) -> None:
    out, code = _on_raw_terminal([*dfc.cmd, "run", "-it", "--name", "detached",
                                  images.names["busybox"], "sh"], dfc.env, b"\x10\x11")
    assert code == 0 and "read escape sequence" not in out
    assert dfc("inspect", "-f", "{{.State.Status}}", "detached").out == "running\n"
    assert dfc("rm", "-f", "detached").code == 0


def test_attach_without_terminal_forwards_input_and_signals(dfc: Any, images: Any) -> None:
    box = images.names["busybox"]
    assert dfc("run", "-d", "-i", "--name", "reader", box, "sh", "-c",
               'while read l; do echo got-$l; [ "$l" = stop ] && exit 7; done').code == 0
    fed = dfc("attach", "reader", stdin=b"one\nstop\n")
    assert (fed.code, fed.out) == (7, "got-one\ngot-stop\n")
    assert dfc("run", "-d", "--name", "ticker", box, "sh", "-c",
               'trap "echo got-term; exit 9" TERM; while true; do echo tick; sleep 0.1; '
               "done").code == 0
    follower = subprocess.Popen([*dfc.cmd, "attach", "ticker"], env=dfc.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert follower.stdout is not None
    assert follower.stdout.readline() == b"tick\n"  # attached: its handlers are in place
    follower.send_signal(signal.SIGTERM)
    out, _ = follower.communicate(timeout=30)
    assert follower.returncode == 9
    assert out.splitlines()[-1] == b"got-term"


def test_docker_flags_dfc_lacks_are_refused_by_name(dfc: Any, images: Any) -> None:
    box = images.names["busybox"]
    for command in ("run", "create"):
        for flag, shown in ((["--memory", "1g"], "--memory"), (["-m", "1g"], "-m (--memory)"),
                            (["--restart=always"], "--restart"), (["--privileged"],
                                                                  "--privileged")):
            refused = dfc(command, *flag, box, "true")
            assert (refused.code, refused.err) == (
                125, f"error: {shown} is not supported yet by dfc\n"), (command, flag)
        unknown = dfc(command, "--no-such-flag", box, "true")
        assert (unknown.code, unknown.err) == (125, "error: unknown flag: --no-such-flag\n")
    assert dfc("ps", "-aq").out == ""  # nothing was made


def test_network_container_joins_another_containers_network(dfc: Any, docker: Any,
                                                            images: Any) -> None:
    assert dfc("run", "-d", "--name", "server", images.names["web"]).code == 0
    fetched = dfc("run", "--rm", "--network", "container:server", images.names["busybox"],
                  "sh", "-c", "hostname; wget -qO- http://127.0.0.1/")
    server_id = dfc("inspect", "-f", "{{.Id}}", "server").out.strip()
    assert (fetched.code, fetched.out) == (0, f"{server_id[:12]}\nhello-from-the-container\n")
    target = docker.name()
    assert docker("create", "--name", target, images.names["busybox"], "true").code == 0
    assert dfc("create", "--name", target, images.names["busybox"], "true").code == 0
    for extra in (["--network", "container:no-such-container-zz"],
                  ["--network", f"container:{target}"],
                  ["--network", f"container:{target}", "-p", "80:80"],
                  ["--network", f"container:{target}", "-h", "x"],
                  ["--network", f"container:{target}", "--add-host", "a:1.2.3.4"]):
        theirs = docker("run", "--rm", *extra, images.names["busybox"], "true")
        ours = dfc("run", "--rm", *extra, images.names["busybox"], "true")
        ids = (docker("inspect", "-f", "{{.Id}}", target).out.strip(),
               dfc("inspect", "-f", "{{.Id}}", target).out.strip())
        assert (ours.code, _error(ours.err).removeprefix("failed to start container: ")
                .replace(ids[1], "ID")) == \
            (theirs.code, _error(theirs.err).replace(ids[0], "ID").rstrip(".")), extra
    assert dfc("ps", "-a", "--format", "{{.Names}}").out.split() == [target, "server"]
