"""What `dfc build` shows while it runs: BuildKit's tty display (header, step lines, the
failing step's output boxed before the error), JSON streams on stderr only, BUILDKIT_PROGRESS,
`--progress quiet`, and buildx's `--metadata-file` keys."""

from __future__ import annotations

import base64
import io
import json
import os
import pty
import re
import select
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.cache.store import Store
from dfc.progress_tty import TtyReporter
from dfc.runtime import events

FAILING = ('FROM busybox\nRUN echo first-step\n'
           'RUN for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; '
           'echo "main.c:3: error: expected ;" >&2; exit 3\n')
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_tty_frame_has_buildkits_header_steps_and_running_tail() -> None:
    clock, out = Clock(), io.StringIO()
    display = TtyReporter(out, size=(60, 40), clock=clock, live=False, color=False)
    display(events.Started(step=1, name="[1/2] RUN make"))
    clock.now += 1.25
    display(events.Started(step=2, name="[2/2] RUN x"))
    display(events.Output(step=1, elapsed=0.5, data=b"".join(b"l%d\n" % i for i in range(9))))
    display(events.Done(step=2, elapsed=0.1))
    frame = display.frame(final=False)
    assert frame[0] == "[+] Building 1.2s (1/2)"
    assert frame[1] == " => [1/2] RUN make".ljust(55) + " 1.2s"
    assert frame[2:8] == [f" => => # l{i}" for i in range(3, 9)]  # the last six lines
    assert frame[8] == " => [2/2] RUN x".ljust(55) + " 0.0s"
    assert len(frame[1]) == 60


def test_tty_close_boxes_the_failing_steps_last_lines() -> None:
    clock, out = Clock(), io.StringIO()
    display = TtyReporter(out, size=(50, 40), clock=clock, live=False, color=False)
    display(events.Started(step=1, name="[2/2] RUN cc main.c"))
    display(events.Output(step=1, elapsed=0.2, data=b"".join(b"w%d\n" % i for i in range(12))))
    display(events.Output(step=1, elapsed=0.3, data=b"main.c:3: error: expected ;"))
    clock.now += 0.5
    display(events.Failed(step=1, elapsed=0.3, message="exit code: 1"))
    display.close()
    text = ANSI.sub("", out.getvalue()).replace("\r", "")
    tail = text[text.rindex("[+] Building"):].splitlines()
    assert tail[0] == "[+] Building 0.5s (1/1) FINISHED"
    assert tail[1] == " => ERROR [2/2] RUN cc main.c".ljust(45) + " 0.5s"
    assert tail[2:] == ["------", " > [2/2] RUN cc main.c:",
                        *[f"0.200 w{i}" for i in range(3, 12)],
                        "0.300 main.c:3: error: expected ;", "------"]


def run_in_pty(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """The command with a terminal as its stdin/stdout/stderr, as a user runs it."""
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def failing_context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(FAILING)
    return ctx


def env_for(store: Store, **extra: str) -> dict[str, str]:
    return {**os.environ, "DFC_ROOT": str(store.root), "DFC_NO_DAEMON": "1", **extra}


@pytest.mark.slow
def test_on_a_terminal_a_failing_run_shows_its_output(
        fresh_store: Store, dfc_cmd: list[str], failing_context: Path) -> None:
    code, out = run_in_pty([*dfc_cmd, "build", "."], env_for(fresh_store, COLUMNS="100"),
                           failing_context)
    assert code == 1
    text = ANSI.sub("", out).replace("\r", "")
    assert re.search(r"^\[\+\] Building \d+\.\ds \(2/2\) FINISHED$", text, re.M)
    box = text[text.index("------\n"):]
    lines = box.splitlines()
    assert lines[1].startswith(" > [3/3] RUN for i in 1 2 3")
    assert [line.split(" ", 1)[1] for line in lines[2:12]] == [
        *[f"line {i}" for i in range(4, 13)], "main.c:3: error: expected ;"]
    assert lines[12] == "------"
    assert "error: " in "\n".join(lines[13:])  # then dfc's error, with its location


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["json", "rawjson"])
def test_json_progress_goes_to_stderr_and_leaves_stdout_to_the_tar(
        mode: str, fresh_store: Store, dfc_cmd: list[str], tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo built | tee /out\n")
    proc = subprocess.run([*dfc_cmd, "build", "--progress", mode, "-o", "-", "."], cwd=ctx,
                          capture_output=True, env=env_for(fresh_store))
    assert proc.returncode == 0, proc.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        assert "out" in tar.getnames()
    objects = [json.loads(line) for line in proc.stderr.decode().splitlines()]
    if mode == "json":
        assert {o["event"] for o in objects} >= {"started", "output", "done"}
        return
    vertexes = [v for o in objects for v in o.get("vertexes", [])]
    run = [v for v in vertexes if v["name"].endswith("RUN echo built | tee /out")]
    assert run[0]["started"].endswith("Z") and run[-1]["completed"]
    assert run[0]["digest"].startswith("sha256:")
    logs = [log for o in objects for log in o.get("logs", [])]
    assert all(log["vertex"] == run[0]["digest"] for log in logs)
    assert all(base64.b64decode(log["data"]) for log in logs)


@pytest.mark.slow
def test_buildkit_progress_env_quiet_and_metadata_file(
        fresh_store: Store, dfc_cmd: list[str], tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo hi\n")
    meta = tmp_path / "meta.json"
    plain = subprocess.run([*dfc_cmd, "build", "-t", "meta:1", "--metadata-file", str(meta),
                            "."], cwd=ctx, capture_output=True, text=True,
                           env=env_for(fresh_store, BUILDKIT_PROGRESS="plain"))
    assert plain.returncode == 0 and "#1 [2/2] RUN echo hi" in plain.stderr
    record = fresh_store.resolve("meta:1")
    assert json.loads(meta.read_text()) == {
        "containerimage.config.digest": record.config,
        "containerimage.descriptor": {"mediaType": record.manifest.media_type,
                                      "digest": record.manifest.digest,
                                      "size": record.manifest.size},
        "containerimage.digest": record.manifest.digest,
        "image.name": "docker.io/library/meta:1",  # full names, as BuildKit exports them
    }
    quiet = subprocess.run([*dfc_cmd, "build", "--progress", "quiet", "."], cwd=ctx,
                           capture_output=True, text=True, env=env_for(fresh_store))
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    overridden = subprocess.run([*dfc_cmd, "build", "--progress", "plain", "."], cwd=ctx,
                                capture_output=True, text=True,
                                env=env_for(fresh_store, BUILDKIT_PROGRESS="quiet"))
    assert "#1 " in overridden.stderr  # the flag wins over the environment


def test_tty_shows_a_steps_notes_under_it_and_build_notes_as_rows() -> None:
    display = TtyReporter(io.StringIO(), size=(40, 40), clock=Clock(), live=False,
                          color=False)
    display(events.Started(step=1, name="[1/1] RUN x"))
    display(events.Note(step=1, message="cache miss: --no-cache"))
    display(events.Done(step=1, elapsed=0.0))
    display(events.Note(step=0, message="naming to docker.io/library/a:1"))
    assert display.frame(final=True)[1:] == [
        " => [1/1] RUN x".ljust(35) + " 0.0s", " => => cache miss: --no-cache",
        " => naming to docker.io/library/a:1".ljust(35) + " 0.0s"]
