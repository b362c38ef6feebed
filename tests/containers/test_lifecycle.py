"""The container lifecycle through the CLI: detached runs, ps and inspect in docker's
shapes, stop/kill/restart/start/wait/logs/exec/rm, a supervisor killed with -9, and bad
input answered with one line and docker's exit code, leaving nothing half-made."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from typing import Any

_DURATION = re.compile(r"(Less than a second|About a minute|\d+ seconds?)")


def _wait(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _normal(text: str) -> str:
    """ps output with its durations made comparable and its columns re-spaced."""
    return re.sub(r" {2,}", "  ", _DURATION.sub("N", text))


def _three(run: Any, images: Any, prefix: str) -> None:
    """A running, an exited (3) and a created container, named from `prefix`."""
    box = images.names["busybox"]
    assert run("run", "-d", "--name", f"{prefix}-up", "--label", "k=v", box,
               "sleep", "30").code == 0
    assert run("run", "--name", f"{prefix}-exit", box, "sh", "-c", "exit 3").code == 3
    assert run("create", "--name", f"{prefix}-new", box, "echo", "hi there").code == 0


def test_ps_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    prefix = docker.name()
    docker.containers += [f"{prefix}-up", f"{prefix}-exit", f"{prefix}-new"]
    for run in (docker, dfc):
        _three(run, images, prefix)
    fields = "{{.Image}}|{{.Command}}|{{.Status}}|{{.Names}}|{{.Labels}}|{{.State}}"
    listings = [run("ps", "-a", "--filter", f"name={prefix}", "--format", fields).out
                for run in (docker, dfc)]
    assert _normal(listings[1]) == _normal(listings[0])
    assert listings[1].splitlines()[0].startswith(
        f"{images.names['busybox']}|\"echo 'hi there'\"|Created|")
    for args in (["ps"], ["ps", "-a"], ["ps", "-a", "--filter", "status=exited"],
                 ["ps", "-a", "--filter", "exited=3"], ["ps", "--filter", "label=k=v"],
                 ["ps", "-a", "--filter", f"ancestor={images.names['busybox']}"]):
        ours = dfc(*args, "--filter", f"name={prefix}", "--format", "{{.Names}}").out
        theirs = docker(*args, "--filter", f"name={prefix}", "--format", "{{.Names}}").out
        assert ours == theirs, args
    header = dfc("ps", "-a").out.splitlines()[0].split()
    assert header == docker("ps", "-a").out.splitlines()[0].split()
    table = dfc("ps", "-a", "--filter", f"name={prefix}-exit").out.splitlines()
    assert re.fullmatch(r"[0-9a-f]{12} +\S+ +\"sh -c 'exit 3'\" +.+ago +Exited \(3\) .+ago +"
                        + re.escape(f"{prefix}-exit"), table[1])
    quiet = dfc("ps", "-aq", "--no-trunc", "--filter", f"name={prefix}").out.split()
    assert all(re.fullmatch(r"[0-9a-f]{64}", q) for q in quiet) and len(quiet) == 3
    assert dfc("ps", "-lq").out.strip() == quiet[0][:12]
    assert len(dfc("ps", "-n", "2", "-q").out.split()) == 2


def test_inspect_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    prefix = docker.name()
    docker.containers += [f"{prefix}-up", f"{prefix}-exit", f"{prefix}-new"]
    for run in (docker, dfc):
        _three(run, images, prefix)
    for suffix in ("up", "exit", "new"):
        theirs = json.loads(docker("inspect", f"{prefix}-{suffix}").out)[0]
        ours = json.loads(dfc("inspect", f"{prefix}-{suffix}").out)[0]
        assert set(ours) == set(theirs)
        assert set(ours["State"]) == set(theirs["State"])
        assert set(ours["Config"]) == set(theirs["Config"])
        for key in ("Path", "Args", "Name"):
            assert ours[key] == theirs[key]
        for key in ("Status", "Running", "ExitCode", "Paused", "Dead"):
            assert ours["State"][key] == theirs["State"][key], key
        for key in ("Cmd", "Entrypoint", "Env", "WorkingDir", "User", "Labels", "Image", "Tty",
                    "OpenStdin", "AttachStdout"):
            assert ours["Config"][key] == theirs["Config"][key], key
        assert re.fullmatch(r"[0-9a-f]{64}", ours["Id"])
        assert ours["Image"] == theirs["Image"]  # the same image ID in both
    fmt = "{{.Name}} {{.State.Status}} {{json .Config.Cmd}}"
    assert dfc("container", "inspect", "-f", fmt, f"{prefix}-up").out == \
        docker("container", "inspect", "-f", fmt, f"{prefix}-up").out
    image = dfc("inspect", "-f", "{{.Id}}", images.names["busybox"]).out
    assert image == docker("inspect", "-f", "{{.Id}}", images.names["busybox"]).out
    missing = dfc("inspect", "no-such-thing")
    assert (missing.code, missing.err) == (1, "error: No such object: no-such-thing\n")


def test_detached_lifecycle(dfc: Any, images: Any) -> None:
    box = images.names["busybox"]
    started = dfc("run", "-d", "--name", "life", "--stop-timeout", "1", box, "sh", "-c",
                  "trap 'echo got-term; exit 9' TERM; echo ready; while :; do sleep 0.1; done")
    assert started.code == 0 and re.fullmatch(r"[0-9a-f]{64}\n", started.out)
    cid = started.out.strip()
    assert _wait(lambda: "ready" in dfc("logs", "life").out)
    assert dfc("exec", "life", "sh", "-c", "echo to-out; echo to-err >&2; exit 4") == \
        (4, "to-out\n", "to-err\n")
    assert dfc("exec", "-e", "X=1", "-w", "/tmp", "-u", "nobody", "life", "sh", "-c",
               "echo $X $(pwd) $(id -u)").out == "1 /tmp 65534\n"
    assert dfc("exec", "-i", "life", "cat", stdin=b"through stdin\n").out == "through stdin\n"
    missing = dfc("exec", "-w", "/not/here", "life", "pwd")
    assert (missing.code, missing.err) == (126, 'error: exec failed: chdir to cwd '
                                           '("/not/here") set in config.json failed: no such '
                                           "file or directory\n")
    assert dfc("stop", "life") == (0, "life\n", "")
    assert dfc("wait", cid[:8]).out == "9\n"
    assert dfc("logs", "life").out == "ready\ngot-term\n"
    stamped = dfc("logs", "-t", "--tail", "1", "life").out
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z got-term\n", stamped)
    assert dfc("logs", "--since", "1h", "life").out == "ready\ngot-term\n"
    assert dfc("ps", "-a", "--filter", "name=life", "--format", "{{.Status}}").out \
        .startswith("Exited (9) ")
    assert dfc("start", "life") == (0, "life\n", "")
    assert _wait(lambda: dfc("logs", "life").out.count("ready") == 2)
    assert dfc("kill", "-s", "TERM", "life") == (0, "life\n", "")
    assert dfc("wait", "life").out == "9\n"
    assert dfc("restart", "-t", "1", "life").code == 0
    assert dfc("inspect", "-f", "{{.State.Status}}", "life").out == "running\n"
    assert dfc("rm", "-f", "life") == (0, "life\n", "")
    assert dfc("ps", "-aq", "--filter", "name=life").out == ""


def test_foreground_start_attach_and_rm(dfc: Any, images: Any) -> None:
    box = images.names["busybox"]
    cid = dfc("create", "--name", "later", box, "sh", "-c", "echo out; echo err >&2; exit 6"
              ).out.strip()
    assert dfc("inspect", "-f", "{{.State.Status}}", "later").out == "created\n"
    assert dfc("start", "-a", "later") == (6, "out\n", "err\n")
    assert dfc("rm", "later").code == 0
    assert not (dfc.root / "containers" / cid).exists()
    assert dfc("run", "--rm", "--name", "gone", box, "true").code == 0
    assert dfc("ps", "-aq", "--filter", "name=gone").out == ""


def test_signals_reach_a_foreground_container(dfc: Any, images: Any) -> None:
    import subprocess

    proc = subprocess.Popen([*dfc.cmd, "run", "--rm", images.names["busybox"], "sh", "-c",
                             "trap 'echo caught; exit 5' INT; echo ready; "
                             "while :; do sleep 0.1; done"],
                            stdout=subprocess.PIPE, env=dfc.env)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 5
    assert proc.stdout.read() == b"caught\n"


def test_killed_supervisor_shows_exited(dfc: Any, images: Any) -> None:
    cid = dfc("run", "-d", "--name", "orphan", images.names["busybox"], "sleep", "60"
              ).out.strip()
    state = json.loads((dfc.root / "containers" / cid / "state.json").read_text())
    supervisor, pid = state["Supervisor"], state["Pid"]
    os.kill(supervisor, signal.SIGKILL)
    assert _wait(lambda: not os.path.exists(f"/proc/{pid}"))
    assert dfc("ps", "-a", "--filter", "name=orphan", "--format", "{{.State}} {{.Status}}"
               ).out.startswith("exited Exited (137) ")
    assert dfc("ps", "-q", "--filter", "name=orphan").out == ""
    assert dfc("rm", "orphan").code == 0


def _entries(dfc: Any) -> list[str]:
    """What the containers folder holds besides its lock: containers, half-made ones."""
    folder = dfc.root / "containers"
    return sorted(set(os.listdir(folder)) - {".lock"}) if folder.exists() else []


def test_bad_input(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    before = _entries(dfc)
    unknown = dfc("run", "--rm", "no-such-image:9")
    assert unknown.code == 125
    lines = unknown.err.splitlines()  # pulled as docker does; Docker Hub is not reachable
    assert lines[0] == "Unable to find image 'no-such-image:9' locally"
    assert len(lines) == 2 and lines[1].startswith("error: ")
    never = dfc("run", "--rm", "--pull", "never", "no-such-image:9")
    assert (never.code, never.err) == (125, "error: No such image: no-such-image:9\n")
    bad_name = dfc("run", "--name", "x!", box, "true")
    assert (bad_name.code, bad_name.err) == (125, "error: Invalid container name (x!), only "
                                             "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n")
    assert _entries(dfc) == before
    cid = dfc("run", "-d", "--name", "taken", box, "sleep", "30").out.strip()
    again = dfc("run", "--name", "taken", box, "true")
    assert again.code == 125
    assert again.err == (f'error: Conflict. The container name "/taken" is already in use '
                         f'by container "{cid}". You have to remove (or rename) that '
                         "container to be able to reuse that name.\n")
    refused = dfc("rm", "taken")
    assert refused.code == 1 and refused.err == (
        f"error: You cannot remove a running container {cid}. Stop the container before "
        "attempting removal or force remove\n")
    assert dfc("stop", "-t", "0", "taken").code == 0
    stopped = dfc("exec", "taken", "true")
    assert (stopped.code, stopped.err) == (1, f"error: Container {cid} is not running\n")
    assert dfc("rm", "taken").code == 0
    for args in (["rm", "nope"], ["stop", "nope"], ["logs", "nope"], ["start", "nope"]):
        result = dfc(*args)
        assert (result.code, result.err) == (1, "error: No such container: nope\n"), args
    shared = dfc("run", "--rm", "--network", "container:other", box, "true")
    assert (shared.code, shared.err) == (125, "error: No such container: other\n")
    unknown = dfc("run", "--rm", "--network", "nosuch", box, "true")
    assert (unknown.code, unknown.err) == (125, "error: network nosuch not found\n")
    no_cmd = dfc("run", "--rm", "--entrypoint", "", box)
    assert (no_cmd.code, no_cmd.err) == (125, "error: No command specified\n")
    bad_user = dfc("run", "--rm", "-u", "ghost", box, "true")
    assert (bad_user.code, bad_user.err) == (
        125, "error: unable to find user ghost: no matching entries in passwd file\n")
    assert _entries(dfc) == before


def test_stop_uses_the_image_stop_signal(dfc: Any, docker: Any, images: Any) -> None:
    image = images.names["labelled"]
    script = "trap 'echo got-usr1; exit 0' USR1; echo ready; while :; do sleep 0.1; done"
    name = docker.name()
    for run in (dfc, docker):
        assert run("run", "-d", "--name", name, image, "sh", "-c", script).code == 0
        assert _wait(lambda run=run: "ready" in run("logs", name).out)
        assert run("stop", "-t", "5", name).out == f"{name}\n"
        assert run("logs", name).out == "ready\ngot-usr1\n"
    fmt = "{{.Config.StopSignal}} {{json .Config.Labels}} {{.State.ExitCode}}"
    assert dfc("inspect", "-f", fmt, name).out == docker("inspect", "-f", fmt, name).out


def test_logs_follow_until_the_container_stops(dfc: Any, images: Any) -> None:
    dfc("run", "-d", "--name", "follow", images.names["busybox"], "sh", "-c",
        "for i in 1 2 3; do echo line $i; sleep 0.3; done; echo partial-end | tr -d '\\n'")
    followed = dfc("logs", "-f", "follow", timeout=20)
    assert followed == (0, "line 1\nline 2\nline 3\npartial-end", "")
    log = (dfc.root / "containers").glob("*/*-json.log")
    entries = [json.loads(line) for path in log for line in path.read_text().splitlines()]
    assert [e["log"] for e in entries] == ["line 1\n", "line 2\n", "line 3\n", "partial-end"]
    assert {e["stream"] for e in entries} == {"stdout"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}\.\d{9}Z", e["time"]) for e in entries)
