"""The monitor of one running container's health check (see health.py for the rules): a
process of its own, started by the supervisor as `python -m` this module with the
container's folder, so the supervisor imports none of the exec machinery it uses. A
parent-death signal ends it with the supervisor; the supervisor kills it when the
container ends.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

from dfc.grammar.durations import format_duration
from dfc.runtime import linux as sys_
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.health import (
    DEFAULT_INTERVAL,
    DEFAULT_RETRIES,
    DEFAULT_START_INTERVAL,
    DEFAULT_TIMEOUT,
    MAX_LOG_ENTRIES,
    MAX_OUTPUT,
    SECOND,
    Health,
    Result,
    command,
    write,
)
from dfc.runtime.containers.state import now_rfc3339, parse_time
from dfc.runtime.containers.store import Container, ContainerStore
from dfc.runtime.images.config import Healthcheck


class Monitor:
    """The loop of one running container's checks."""

    def __init__(self, container: Container, check: Healthcheck, argv: list[str]) -> None:
        self.container = container
        self.argv = argv
        self.interval = check.interval or DEFAULT_INTERVAL
        self.timeout = check.timeout or DEFAULT_TIMEOUT
        self.start_period = check.start_period or 0
        self.start_interval = check.start_interval or DEFAULT_START_INTERVAL
        self.retries = check.retries or DEFAULT_RETRIES
        started = parse_time(container.state.started_at)
        ago = time.time() - started.timestamp() if started else 0.0
        self.started = time.monotonic() - max(ago, 0.0)
        self.health = Health()

    def _in_start_period(self, at: float) -> bool:
        return (at - self.started) * SECOND < self.start_period

    def run(self) -> NoReturn:
        write(self.container.folder, self.health)
        while True:
            starting = self.health.status == "starting"
            wait = self.start_interval if starting and self.start_period and \
                self._in_start_period(time.monotonic()) else self.interval
            time.sleep(wait / SECOND)
            began = time.monotonic()
            result = self._probe()
            self._record(result, began)

    def _probe(self) -> Result:
        from dfc.runtime.containers.exec import start_captured
        from dfc.runtime.sandbox.proc import exit_code

        start = now_rfc3339()
        try:
            child, out = start_captured(self.container, self.argv)
        except ContainerError as exc:
            return Result(start, now_rfc3339(), exc.exit_code, exc.message)
        output = bytearray()
        deadline = time.monotonic() + self.timeout / SECOND
        timed_out = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([out], [], [], left)
            if not ready:
                continue
            chunk = os.read(out, 65536)
            if not chunk:
                break
            output += chunk[:max(0, MAX_OUTPUT - len(output))]
        os.close(out)
        if timed_out:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(child, 0)
            return Result(start, now_rfc3339(), -1, "Health check exceeded timeout "
                          f"({format_duration(self.timeout)})")
        code = exit_code(os.waitpid(child, 0)[1])
        return Result(start, now_rfc3339(), code, output.decode(errors="replace"))

    def _record(self, result: Result, began: float) -> None:
        health = self.health
        health.log = [*health.log, result][-MAX_LOG_ENTRIES:]
        if result.exit_code == 0:
            health.failing_streak = 0
            health.status = "healthy"
        elif not (health.status == "starting" and self._in_start_period(began)):
            health.failing_streak += 1
            if health.failing_streak >= self.retries:
                health.status = "unhealthy"
        write(self.container.folder, health)


def main(folder: Path) -> int:
    """Watch the container in `folder` until killed (1 when there is nothing to check)."""
    sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # (the supervisor was gone before the signal was bound)
        return 1
    container = ContainerStore(folder.parent.parent).load(folder.name)
    if container is None or container.record.config.healthcheck is None:
        return 1
    check = container.record.config.healthcheck
    argv = command(check, container.record.shell)
    if argv is None:
        return 1
    Monitor(container, check, argv).run()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
