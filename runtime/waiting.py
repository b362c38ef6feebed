"""Waiting on worker threads from the main thread without going deaf to Ctrl-C.

The kernel hands a process-directed signal (the SIGINT of Ctrl-C, or of the daemon
relaying a client that went away) to any thread that does not block it; Python runs the
handler only in the main thread, and a main thread blocked in a lock wait without a
timeout is not woken when a worker took the signal: the command would wait for its steps
forever. Waiting in short slices lets the handler run (KeyboardInterrupt is raised here).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, wait
from typing import Any, TypeVar

T = TypeVar("T")

SLICE_SECONDS = 0.1
"""How long a pending signal can wait for the main thread to notice it."""


def result_of(future: Future[T]) -> T:
    """`future.result()`, interruptible by a signal another thread received."""
    wait_for_all([future])
    return future.result()


def join_all(threads: Iterable[threading.Thread]) -> None:
    """Return once every thread has ended (or raise what a signal handler raised)."""
    for thread in threads:
        while thread.is_alive():
            thread.join(SLICE_SECONDS)


def wait_for_all(futures: Iterable[Future[Any]]) -> None:
    """Return once every future is done (or raise what a signal handler raised)."""
    pending = set(futures)
    while pending:
        _done, pending = wait(pending, timeout=SLICE_SECONDS)
