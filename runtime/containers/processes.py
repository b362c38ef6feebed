"""`dfc top`: the processes of a container are those in its pid namespace, shown as the
host's `ps` shows them (docker runs `ps` too and keeps the rows of the container's pids)."""

from __future__ import annotations

import os
import subprocess

from dfc.runtime.containers.errors import ContainerError


def _pid_namespace(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def container_pids(init: int) -> set[int]:
    """The host pids of every process in the pid namespace whose pid 1 is `init`."""
    wanted = _pid_namespace(init) if init else None
    if wanted is None:
        return set()
    return {int(name) for name in os.listdir("/proc")
            if name.isdigit() and _pid_namespace(name) == wanted}


def ps_rows(args: list[str], pids: set[int]) -> list[list[str]]:
    """`ps ARGS`: the header and the rows of `pids`, each cut into as many fields as the
    header has (the last one keeps the rest of its line, spaces and all)."""
    done = subprocess.run(["ps", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ContainerError(f"ps: {done.stderr.strip() or done.stdout.strip()}", exit_code=1)
    lines = done.stdout.splitlines()
    titles = lines[0].split() if lines else []
    if "PID" not in titles:
        raise ContainerError("Couldn't find PID field in ps output", exit_code=1)
    where = titles.index("PID")
    rows = [titles]
    for line in lines[1:]:
        fields = line.split()
        if len(fields) > where and fields[where].isdigit() and int(fields[where]) in pids:
            rows.append([*fields[:len(titles) - 1], " ".join(fields[len(titles) - 1:])])
    return rows
