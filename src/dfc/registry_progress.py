"""Pull and push progress as Docker shows it: a bar per layer on a terminal (rich), one
line per state change otherwise (`a3ed95caeb02: Pull complete`), nothing with -q."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from dfc.runtime.registry.events import Message, Reporter, TransferEvent, quiet

_MOVING = ("Downloading", "Pushing")


class PlainTransfers:
    """State changes only; byte counts would flood a log."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.last: dict[str, str] = {}

    def __call__(self, event: TransferEvent) -> None:
        with self.lock:
            if isinstance(event, Message):
                self.stream.write(event.text + "\n")
            elif self.last.get(event.id) != event.status:
                self.last[event.id] = event.status
                self.stream.write(f"{event.id}: {event.status}\n")
            self.stream.flush()

    def close(self) -> None:
        """Plain lines leave nothing open."""


class RichTransfers:
    """One live bar per layer with size and speed; messages print above the bars."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TaskID,
            TextColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 DownloadColumn(), TransferSpeedColumn(),
                                 console=Console(file=stream), transient=False)
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()
        self.progress.start()

    def __call__(self, event: TransferEvent) -> None:
        with self.lock:
            if isinstance(event, Message):
                self.progress.console.print(event.text, markup=False, highlight=False)
                return
            label = f"{event.id}: {event.status}"
            task = self.tasks.get(event.id)
            if task is None:
                task = self.tasks[event.id] = self.progress.add_task(
                    label, total=event.total or None)
            done = event.status not in _MOVING and event.total == 0
            self.progress.update(task, description=label, completed=event.current,
                                 total=event.total or (1 if done else None))
            if done:
                self.progress.update(task, completed=1)

    def close(self) -> None:
        self.progress.stop()


@contextmanager
def transfers(is_quiet: bool, stream: TextIO | None = None) -> Iterator[Reporter]:
    """The reporter for one pull or push: rich on a terminal, plain lines otherwise."""
    if is_quiet:
        yield quiet
        return
    out = stream or sys.stdout
    view = RichTransfers(out) if out.isatty() else PlainTransfers(out)
    try:
        yield view
    finally:
        view.close()
